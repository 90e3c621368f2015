// Socket.IO interop suite, handlers that block. gosio runs an event's
// handler on the connection's reader goroutine when the socket has nothing
// queued; these tests check, with the real clients, that a handler may still
// block: waiting for its own client's answer (in an event handler or in the
// connection handler, before the client has been told it is connected), or
// for an event that comes on another namespace of the same connection, and
// that a socket's events keep running one at a time and in order when one of
// them blocks.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SIO_CLIENTS, SIO_MODES, suiteServer, sioConnect, connected, emitAck, closeAfter, waitFor } from "./sio-helpers.mjs";

const server = suiteServer();

let nextKey = 0;

for (const client of SIO_CLIENTS) {
  for (const mode of SIO_MODES) {
    describe(`socket.io-client ${client.name} over ${mode.name}`, () => {
      test("a handler waits for its own client's answer (EmitWithAck inside the handler)", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        s.on("question", (...args) => {
          const cb = args.pop();
          cb(...args, "answered");
        });
        const started = Date.now();
        const [res] = await emitAck(s, "ask-sync", { timeoutMs: 4000, args: [1, "two"] });
        assert.equal(res.ok, true, `server got an error: ${JSON.stringify(res)}`);
        assert.deepEqual(res.args, [1, "two", "answered"]);
        // Far below the 4 s ack timeout: the answer was read while the
        // handler waited, not after it gave up.
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started}ms`);
        assert.deepEqual(await emitAck(s, "echo", "after"), ["after"]);
      });

      test("a handler blocked until an event on another namespace of the same connection", async (t) => {
        const srv = await server.ready;
        const opts = { reconnection: false, timeout: 5000 };
        if (mode.transports) opts.transports = mode.transports;
        const manager = new client.Manager(srv.base, opts);
        const main = manager.socket("/");
        const admin = manager.socket("/admin");
        closeAfter(t, main);
        closeAfter(t, admin);
        t.after(() => (manager._close ? manager._close() : manager.close()));
        await Promise.all([connected(main), connected(admin)]);

        const key = `gate-${process.pid}-${nextKey++}`;
        const held = emitAck(main, "hold", key);
        // The "unhold" travels on the connection whose "/" handler is
        // blocked; the server must go on reading it.
        assert.deepEqual(await emitAck(admin, "unhold", key), ["ok"]);
        assert.deepEqual(await held, [true], "the held handler was released, not timed out");
        assert.deepEqual(await emitAck(main, "echo", "after"), ["after"]);
      });

      test("a socket's events run one at a time, in order, when one blocks", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        // The first handler sleeps well past the point where the server
        // moves reading to another goroutine; the others arrive meanwhile.
        const acks = [
          emitAck(s, "slow", { ms: 60, seq: 1 }),
          emitAck(s, "slow", { ms: 0, seq: 2 }),
          emitAck(s, "slow", { ms: 5, seq: 3 }),
          emitAck(s, "slow", { ms: 0, seq: 4 }),
        ];
        const [order] = await emitAck(s, "order");
        assert.deepEqual(order, [1, 2, 3, 4]);
        assert.deepEqual(
          (await Promise.all(acks)).map(([seq]) => seq),
          [1, 2, 3, 4],
        );
      });

      test("a handler waiting for an answer that never comes ends when its client leaves", async (t) => {
        const srv = await server.ready;
        const observer = sioConnect(t, client, srv, mode);
        const s = sioConnect(t, client, srv, mode);
        await Promise.all([connected(observer), connected(s)]);
        const id = s.id;
        // No "question" listener: the client never answers, and the server's
        // handler waits with no timeout (timeoutMs 0).
        const asked = waitFor(s, "question", { label: "question" });
        s.emit("ask-sync", { timeoutMs: 0, args: [] }, () => {});
        await asked;
        s.disconnect();
        // The socket's "disconnect" listeners run once that handler has
        // given up its wait.
        const [reason] = await emitAck(observer, "wait-reason", { nsp: "/", id, timeoutMs: 3000 }, { __timeout: 5000 });
        assert.equal(reason, "client namespace disconnect");
      });

      test("a connection handler waits for its client's answer before it returns", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode, "/asks");
        s.on("name?", (cb) => cb("Ada"));
        const greeted = waitFor(s, "greeted", { timeout: 8000, label: "greeted" });
        const started = Date.now();
        await connected(s);
        assert.deepEqual(await greeted, [{ ok: true, name: "Ada" }]);
        // Far below the handler's 4 s timeout: the client learnt it was
        // connected, and answered, while the handler waited.
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started}ms`);
        assert.deepEqual(await emitAck(s, "echo", "after"), ["after"]);
      });
    });
  }
}

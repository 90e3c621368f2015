// Socket.IO interop suite, lifecycle: disconnect reasons seen on both sides,
// automatic reconnection after the server closes the transport, and
// connection state recovery (socket.io-client 4.x only).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { delay } from "./helpers.mjs";
import {
  SIO_CLIENTS,
  SIO_MODES,
  suiteServer,
  sioConnect,
  closeAfter,
  connected,
  emitAck,
  engineOf,
  recorder,
  waitFor,
  waitTransport,
} from "./sio-helpers.mjs";

/** How long a negative check (something must NOT happen) waits. */
const QUIET_MS = 400;

/** Asks the server (through observer) for the disconnect reason of socket id in nsp. */
async function serverReason(observer, nsp, id, timeoutMs = 3000) {
  const [reason] = await emitAck(observer, "wait-reason", { nsp, id, timeoutMs }, { __timeout: timeoutMs + 2000 });
  return reason;
}

describe("disconnects and reconnection", () => {
  const server = suiteServer();

  for (const client of SIO_CLIENTS) {
    for (const mode of SIO_MODES) {
      describe(`socket.io-client ${client.name} over ${mode.name}`, () => {
        test("client disconnect(): client 'io client disconnect', server 'client namespace disconnect'", async (t) => {
          const srv = await server.ready;
          const observer = sioConnect(t, client, srv, mode);
          const s = sioConnect(t, client, srv, mode);
          const admin = sioConnect(t, client, srv, mode, "/admin");
          await Promise.all([connected(observer), connected(s), connected(admin)]);
          await waitTransport(s, mode.final);

          const id = s.id;
          const gone = waitFor(s, "disconnect");
          s.disconnect();
          assert.deepEqual((await gone).slice(0, 1), ["io client disconnect"]);
          assert.equal(await serverReason(observer, "/", id), "client namespace disconnect");

          const adminId = admin.id;
          const adminGone = waitFor(admin, "disconnect");
          admin.disconnect();
          assert.deepEqual((await adminGone).slice(0, 1), ["io client disconnect"]);
          assert.equal(await serverReason(observer, "/admin", adminId), "client namespace disconnect");
        });

        test("server Disconnect(false): client 'io server disconnect', no reconnection", async (t) => {
          const srv = await server.ready;
          const observer = sioConnect(t, client, srv, mode);
          const s = sioConnect(t, client, srv, mode, "/", { reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 });
          await Promise.all([connected(observer), connected(s)]);
          await waitTransport(s, mode.final);

          const id = s.id;
          const gone = waitFor(s, "disconnect");
          s.emit("server-disconnect");
          assert.deepEqual((await gone).slice(0, 1), ["io server disconnect"]);
          assert.equal(await serverReason(observer, "/", id), "server namespace disconnect");

          let reconnected = false;
          s.on("connect", () => (reconnected = true));
          await delay(QUIET_MS); // negative check only
          assert.equal(reconnected, false, "the client must not reconnect after 'io server disconnect'");
          assert.equal(s.connected, false);
        });

        test("server Disconnect(true): namespace disconnect, then the connection closes", async (t) => {
          const srv = await server.ready;
          const observer = sioConnect(t, client, srv, mode);
          const s = sioConnect(t, client, srv, mode);
          await Promise.all([connected(observer), connected(s)]);
          await waitTransport(s, mode.final);

          const id = s.id;
          const engine = engineOf(s);
          const gone = waitFor(s, "disconnect");
          const engineClosed = waitFor(engine, "close", { label: "engine close" });
          s.emit("server-close");
          const [reason] = await gone;
          // What the real clients report: the DISCONNECT packet comes first.
          assert.equal(reason, "io server disconnect");
          await engineClosed;
          assert.equal(await serverReason(observer, "/", id), "server namespace disconnect");
        });

        test("server closes the transport: client reconnects automatically", async (t) => {
          const srv = await server.ready;
          const observer = sioConnect(t, client, srv, mode);
          const s = sioConnect(t, client, srv, mode, "/", { reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 });
          const [, hello1] = await Promise.all([connected(observer), connected(s)]);
          await waitTransport(s, mode.final);

          const oldId = s.id;
          const sid = engineOf(s).id;
          const reasons = recorder(s, "disconnect");
          const connects = recorder(s, "connect");
          const hellos = recorder(s, "hello");
          const [found] = await emitAck(observer, "kill-transport", sid);
          assert.equal(found, true, "the server knows the engine session");

          const [[reason]] = await reasons.until(1);
          assert.equal(reason, "transport close");
          assert.equal(await serverReason(observer, "/", oldId), "forced close");

          await connects.until(1, { timeout: 5000, label: "reconnect" });
          const [[hello2]] = await hellos.until(1, { timeout: 5000 });
          assert.equal(s.connected, true);
          assert.equal(hello2.id, s.id);
          assert.notEqual(engineOf(s).id, sid, "a new engine session");
          assert.notEqual(hello1.id, hello2.id, "a new socket (no recovery on this server)");
          assert.equal(hello2.recovered, false);
          const [echo] = await emitAck(s, "echo", "after reconnect ✓");
          assert.equal(echo, "after reconnect ✓");
        });

        test("leaving a namespace and joining it again at once keeps the new socket's rooms", async (t) => {
          // socket.io-client 2.x gets the same socket id again ("/admin#" + engine id):
          // the old socket's leaving, slowed down here, must not take the new one's rooms.
          // The "/" socket keeps the connection (and its engine id) while
          // the "/admin" one leaves and comes back.
          const srv = await server.ready;
          const observer = sioConnect(t, client, srv, mode, "/admin");
          const opts = { reconnection: false, timeout: 5000 };
          if (mode.transports) opts.transports = mode.transports;
          const manager = new client.Manager(srv.base, opts);
          const main = manager.socket("/");
          const s = manager.socket("/admin");
          closeAfter(t, main);
          closeAfter(t, s);
          t.after(() => (manager._close ? manager._close() : manager.close()));
          await Promise.all([connected(observer), connected(main), connected(s)]);
          assert.deepEqual(await emitAck(s, "slow-leave", 200), ["ok"]);
          const oldId = s.id;
          s.disconnect();
          const hello = waitFor(s, "hello");
          s.connect();
          await hello;
          await emitAck(s, "join", "r");
          const got = waitFor(s, "in-r", { timeout: 3000, label: "room emit after rejoining" });
          // Past the old socket's slow leaving, whose end would have taken the rooms.
          assert.equal(await serverReason(observer, "/admin", oldId), "client namespace disconnect");
          assert.deepEqual(await emitAck(observer, "to-room", { room: "r", event: "in-r", data: 1 }), ["ok"]);
          assert.deepEqual(await got, [1]);
        });
      });
    }
  }
});

describe("connection state recovery (socket.io-client 4.x)", () => {
  const server = suiteServer(["-recovery"]);
  const client = SIO_CLIENTS.find((c) => c.major === 4);

  for (const mode of SIO_MODES) {
    test(`${client.name} over ${mode.name}: missed events are replayed in order, exactly once`, async (t) => {
      const srv = await server.ready;
      const s = sioConnect(t, client, srv, mode, "/", { reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 });
      const hello1 = await connected(s);
      assert.equal(hello1.recovered, false);
      assert.equal(s.recovered, false);
      await waitTransport(s, mode.final);

      const seqs = recorder(s, "seq");
      assert.deepEqual(await emitAck(s, "seq", { from: 0, count: 5 }), ["ok"]);
      await seqs.until(5);
      // 5..9 are emitted to the socket's room by the server while it is
      // offline (from its "disconnecting" listener).
      assert.deepEqual(await emitAck(s, "seq-on-disconnect", { from: 5, count: 5 }), ["ok"]);

      const oldId = s.id;
      const oldSid = engineOf(s).id;
      const disconnects = recorder(s, "disconnect");
      const hellos = recorder(s, "hello");
      s.io.engine.close(); // drop the connection, as a network failure would

      const [[reason]] = await disconnects.until(1);
      assert.equal(typeof reason, "string");
      const [[hello2]] = await hellos.until(1, { timeout: 5000, label: "hello after reconnect" });
      assert.equal(s.connected, true);
      assert.notEqual(engineOf(s).id, oldSid, "a new engine session");
      assert.equal(hello2.recovered, true, "server-side socket.recovered");
      assert.equal(hello2.id, oldId, "server-side id kept");
      assert.equal(s.recovered, true, "client-side socket.recovered");
      assert.equal(s.id, oldId, "client-side socket.id kept");

      assert.deepEqual(await emitAck(s, "seq", { from: 10, count: 2 }), ["ok"]);
      await seqs.until(12);
      assert.deepEqual(
        seqs.map((a) => a[0]),
        Array.from({ length: 12 }, (_, i) => i),
        "every event, in order, exactly once",
      );
      const offsets = seqs.map((a) => a[1]);
      assert.ok(offsets.every((o) => typeof o === "string" && o.length > 0), "each event carries its offset");
      assert.equal(new Set(offsets).size, offsets.length, "offsets are distinct");
      assert.equal(await serverReason(s, "/", oldId), "transport close", "server-side reason of the dropped connection");
    });
  }

  test(`${client.name}: a client-initiated disconnect is not recovered`, async (t) => {
    const srv = await server.ready;
    const s = sioConnect(t, client, srv, SIO_MODES[1]);
    await connected(s);
    const oldId = s.id;
    await emitAck(s, "seq", { from: 0, count: 1 });
    s.disconnect();
    const hello = waitFor(s, "hello");
    s.connect();
    const [h] = await hello;
    assert.equal(h.recovered, false);
    assert.notEqual(h.id, oldId);
    assert.equal(s.recovered, false);
  });
});

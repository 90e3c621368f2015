// Socket.IO interop suite, stuck listeners and clients that leave early
// (issue 15): a listener waiting for its socket's Context is released when
// the client leaves; a stuck listener neither hides the client's leaving
// nor stops the connection's other namespaces; a namespace CONNECT followed
// at once by a DISCONNECT leaves no socket behind.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { delay } from "./helpers.mjs";
import {
  SIO_CLIENTS,
  SIO_MODES,
  suiteServer,
  sioConnect,
  closeSocket,
  connected,
  emitAck,
  engineOf,
  waitFor,
} from "./sio-helpers.mjs";

const MODES = SIO_MODES.filter((m) => m.name !== "default");
const v4 = SIO_CLIENTS.find((c) => c.major === 4);

/** The server's lifecycle log of socket id in nsp once it has an entry starting with entry. */
async function lifecycle(observer, nsp, id, entry, timeoutMs = 3000) {
  const [log] = await emitAck(observer, "wait-lifecycle", { nsp, id, entry, timeoutMs }, { __timeout: timeoutMs + 2000 });
  assert.ok(log, `no "${entry}" for ${nsp} ${id} within ${timeoutMs}ms`);
  return log;
}

async function stats(observer, nsp = "/") {
  const [all] = await emitAck(observer, "stuck-stats");
  return all[nsp];
}

/** Polls the server's stats until pred holds (bounded). */
async function statsUntil(observer, pred, label, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await stats(observer);
    if (pred(last)) return last;
    if (Date.now() > deadline) assert.fail(`${label}: ${JSON.stringify(last)}`);
    await delay(20);
  }
}

const LEAVES = [
  { name: "disconnect()", reason: "client namespace disconnect", leave: (s) => s.disconnect() },
  { name: "transport close", reason: "transport close", leave: (s) => engineOf(s).close() },
];

describe("stuck listeners", () => {
  const server = suiteServer();

  for (const client of SIO_CLIENTS.filter((c) => c.name === "v4.8" || c.name === "v2.5")) {
    for (const mode of MODES) {
      for (const how of LEAVES) {
        test(`${client.name} ${mode.name}, ${how.name}: a listener waiting on the Context is released within 1 s, then "disconnecting" (rooms) and "disconnect" run`, async (t) => {
          const srv = await server.ready;
          const observer = sioConnect(t, client, srv, mode, "/admin");
          const s = sioConnect(t, client, srv, mode);
          await Promise.all([connected(observer), connected(s)]);
          const id = s.id;
          await emitAck(s, "join-stuck", "r");
          assert.deepEqual(await emitAck(s, "wait-context"), ["waiting"]);

          const t0 = Date.now();
          how.leave(s);
          await lifecycle(observer, "/", id, "released");
          const releasedMs = Date.now() - t0;
          const log = await lifecycle(observer, "/", id, "disconnect ");
          assert.ok(releasedMs < 1000, `released after ${releasedMs} ms`);
          const rooms = [id, "r"].sort().join(",");
          const at = (e) => log.indexOf(e);
          assert.ok(at("context-done") >= 0, JSON.stringify(log));
          assert.ok(at("released") >= 0 && at("released") < at(`disconnecting ${rooms}`), JSON.stringify(log));
          assert.ok(at(`disconnecting ${rooms}`) < at(`disconnect ${how.reason}`), JSON.stringify(log));
        });
      }

      test(`${client.name} ${mode.name}: a stuck listener does not hide the client's leaving: Context, socket and rooms end within 1 s`, async (t) => {
        const srv = await server.ready;
        const observer = sioConnect(t, client, srv, mode, "/admin");
        await connected(observer);
        const before = await stats(observer);
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        const id = s.id;
        await emitAck(s, "join-stuck", "r");
        assert.deepEqual(await emitAck(s, "stuck", 2500), ["stuck"]);
        for (let i = 0; i < 50; i++) s.emit("noop");
        await emitAck(observer, "echo"); // the noops are on their way

        const t0 = Date.now();
        engineOf(s).close();
        const log = await lifecycle(observer, "/", id, "context-done");
        const ms = Date.now() - t0;
        assert.ok(ms < 1000, `context ended after ${ms} ms`);
        assert.ok(!log.some((e) => e.startsWith("disconnect")), `listeners ran before the stuck one returned: ${log}`);
        const now = await stats(observer);
        assert.equal(now.sockets, before.sockets);
        assert.equal(now.rooms, before.rooms);

        const end = await lifecycle(observer, "/", id, "disconnect ", 5000);
        assert.ok(end.indexOf("unstuck") < end.indexOf(`disconnecting ${[id, "r"].sort().join(",")}`), JSON.stringify(end));
        assert.equal(end.at(-1), "disconnect transport close");
      });
    }
  }

  for (const mode of MODES) {
    test(`v4.8 ${mode.name}: events beyond the socket's bound behind a stuck listener disconnect it; the connection's other namespace still answers`, async (t) => {
      const srv = await server.ready;
      const observer = sioConnect(t, v4, srv, mode, "/admin");
      const s = sioConnect(t, v4, srv, mode);
      await Promise.all([connected(observer), connected(s)]);
      const admin = s.io.socket("/admin"); // the same connection
      await connected(admin);
      const id = s.id;
      assert.deepEqual(await emitAck(s, "stuck", 3000), ["stuck"]);
      const gone = waitFor(s, "disconnect", { timeout: 5000 });
      for (let i = 0; i < 400; i++) s.emit("noop"); // MaxPendingEvents is 256
      assert.equal((await gone)[0], "io server disconnect");
      const t0 = Date.now();
      assert.deepEqual(await emitAck(admin, "echo", 42), [42]);
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `the other namespace answered after ${ms} ms`);
      const log = await lifecycle(observer, "/", id, "disconnect ", 5000);
      assert.equal(log.at(-1), "disconnect server namespace disconnect");
    });

    test(`v4.8 ${mode.name}: a burst of 20000 events at a quick listener is slowed down, not refused`, async (t) => {
      const srv = await server.ready;
      const s = sioConnect(t, v4, srv, mode);
      await connected(s);
      let reason = null;
      s.on("disconnect", (r) => (reason = r));
      for (let i = 0; i < 20000; i++) s.emit("noop");
      assert.deepEqual(await emitAck(s, "echo", 1, { __timeout: 20000 }), [1]);
      assert.equal(reason, null);
    });

    test(`v4.8 ${mode.name}: 200 connections sending CONNECT then DISCONNECT back to back leave no socket and no room`, async (t) => {
      const srv = await server.ready;
      const observer = sioConnect(t, v4, srv, mode, "/admin");
      await connected(observer);
      const before = await stats(observer);
      const managers = [];
      t.after(() => managers.forEach((m) => m._close()));
      const one = async () => {
        const m = new v4.Manager(srv.base, { reconnection: false, transports: mode.transports, autoConnect: false });
        managers.push(m);
        await new Promise((resolve, reject) => m.open((err) => (err ? reject(err) : resolve())));
        const sock = m.socket("/");
        sock.connect(); // sends CONNECT now: the manager is open
        m.engine.send("1"); // and DISCONNECT right behind it, as a client that left at once
      };
      for (let i = 0; i < 200; i += 50) await Promise.all(Array.from({ length: 50 }, one));
      // The server may have connected a socket before it read the DISCONNECT
      // (then it ends as any other); either way none is left.
      const after = await statsUntil(
        observer,
        (st) =>
          st.sockets === before.sockets &&
          st.rooms === before.rooms &&
          st.connections - st.disconnections === before.connections - before.disconnections,
        "sockets, rooms or connections without their disconnect left behind",
      );
      assert.equal(after.sockets, before.sockets);
    });
  }
});

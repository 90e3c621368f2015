// Socket.IO interop suite, fan-out: rooms (to / except / broadcast with three
// clients), dynamic namespaces and their parent's broadcast, volatile
// packets, and several namespaces multiplexed over one connection.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, delay } from "./helpers.mjs";
import {
  SIO_CLIENTS,
  SIO_MODES,
  suiteServer,
  sioConnect,
  connected,
  emitAck,
  recorder,
  closeAfter,
  transportOf,
  waitFor,
  waitTransport,
} from "./sio-helpers.mjs";

const server = suiteServer();

/** How long a negative check (something must NOT arrive) waits. */
const QUIET_MS = 300;

for (const client of SIO_CLIENTS) {
  const v2 = client.major === 2;
  for (const mode of SIO_MODES) {
    describe(`socket.io-client ${client.name} over ${mode.name}`, () => {
      test("rooms: to, except, broadcast, leave (3 clients)", async (t) => {
        const srv = await server.ready;
        const names = ["A", "B", "C"];
        const socks = names.map(() => sioConnect(t, client, srv, mode));
        await Promise.all(socks.map((s) => connected(s)));
        const [a, b, c] = socks;
        const logs = socks.map((s) => recorder(s, "room-msg"));
        const fences = socks.map((s) => recorder(s, "fence"));

        const [roomsA] = await emitAck(a, "join", "r1");
        assert.deepEqual(roomsA, [a.id, "r1"].sort(), "join acks the socket's rooms (own id included)");
        await emitAck(b, "join", "r1");
        const [roomsB] = await emitAck(b, "join", "vip");
        assert.deepEqual(roomsB, [b.id, "r1", "vip"].sort());
        await emitAck(c, "join", "r2");

        // Each step: the sender triggers one emission, then a "fence" event is
        // sent to the whole namespace after it. Once every client saw the
        // fence, each client's log must hold exactly what it should.
        let fence = 0;
        const step = async (label, sender, event, payload, expected) => {
          const before = logs.map((l) => l.length);
          const [res] = await emitAck(sender, event, { event: "room-msg", ...payload });
          assert.equal(res, "ok", `${label}: server answered ${JSON.stringify(res)}`);
          fence++;
          await emitAck(sender, "fence", fence);
          await Promise.all(fences.map((f, i) => f.until(fence, { label: `fence ${fence} on ${names[i]}` })));
          logs.forEach((l, i) => {
            const got = l.slice(before[i]);
            assert.deepEqual(got, expected.includes(names[i]) ? [[payload.data]] : [], `${label}: what ${names[i]} received`);
          });
        };

        await step("io.to(r1) from C", c, "to-room", { room: "r1", data: "m1 😀" }, ["A", "B"]);
        await step("socket.to(r1) from A", a, "socket-to-room", { room: "r1", data: { m: 2 } }, ["B"]);
        await step("socket.broadcast from A", a, "broadcast", { data: ["m3"] }, ["B", "C"]);
        await step("socket.broadcast.except(r2) from A", a, "broadcast-except", { except: "r2", data: "m4" }, ["B"]);
        await step("io.to(r1).except(vip) from C", c, "to-room", { room: "r1", except: "vip", data: "m5" }, ["A"]);
        await step("io.to(own id) from C", c, "to-room", { room: b.id, data: "m6 private" }, ["B"]);

        const [afterLeave] = await emitAck(b, "leave", "r1");
        assert.deepEqual(afterLeave, [b.id, "vip"].sort());
        await step("io.to(r1) after B left", c, "to-room", { room: "r1", data: "m7" }, ["A"]);
        await step("io.to(r2)", a, "to-room", { room: "r2", data: "m8" }, ["C"]);
      });

      test("dynamic namespaces: /dyn-1 and /dyn-2, parent broadcast reaches both", async (t) => {
        const srv = await server.ready;
        const d1 = sioConnect(t, client, srv, mode, "/dyn-1");
        const d2 = sioConnect(t, client, srv, mode, "/dyn-2");
        const root = sioConnect(t, client, srv, mode, "/");
        const [h1, h2] = await Promise.all([connected(d1), connected(d2), connected(root)]);
        assert.equal(h1.nsp, "/dyn-1");
        assert.equal(h2.nsp, "/dyn-2");
        const [me] = await emitAck(d2, "whoami");
        assert.equal(me.nsp, "/dyn-2");

        const got1 = waitFor(d1, "dyn-msg");
        const got2 = waitFor(d2, "dyn-msg");
        let rootGot = null;
        root.on("dyn-msg", (...args) => (rootGot = args));
        const [res] = await emitAck(d1, "dyn-broadcast", { event: "dyn-msg", data: { n: 1, s: "✓" } });
        assert.equal(res, "ok");
        assert.deepEqual(await got1, [{ n: 1, s: "✓" }]);
        assert.deepEqual(await got2, [{ n: 1, s: "✓" }]);

        // Rooms are per namespace: a fence in /dyn-2 does not reach /dyn-1.
        const f2 = waitFor(d2, "fence");
        let f1 = null;
        d1.on("fence", (id) => (f1 = id));
        await emitAck(d2, "fence", "dyn-2 only");
        assert.deepEqual(await f2, ["dyn-2 only"]);

        await delay(QUIET_MS); // negative checks only
        assert.equal(rootGot, null, "the main namespace must not get the dynamic parent's broadcast");
        assert.equal(f1, null, "/dyn-1 must not get /dyn-2's namespace emit");
      });

      test("volatile events may be dropped, the others never", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        if (mode.name === "default") {
          // Upgrade first, so that the burst runs on the final transport.
          await waitTransport(s, "websocket");
        }
        const N = 200;
        const burst = recorder(s, "burst");

        let done = waitFor(s, "burst-done", { timeout: 10000 });
        await emitAck(s, "volatile-burst", { n: N, volatile: true });
        assert.deepEqual(await done, [N]);
        const volatileGot = burst.map((a) => a[0]);
        for (let i = 1; i < volatileGot.length; i++) {
          assert.ok(volatileGot[i] > volatileGot[i - 1], `volatile events out of order or duplicated: ${volatileGot}`);
        }
        assert.ok(volatileGot.length <= N);
        if (mode.name === "polling") {
          assert.ok(volatileGot.length < N, `over polling, ${N} volatile events emitted at once must not all arrive (got ${volatileGot.length})`);
        }
        t.diagnostic(`volatile: received ${volatileGot.length}/${N} over ${transportOf(s)}`);

        burst.length = 0;
        done = waitFor(s, "burst-done", { timeout: 10000 });
        await emitAck(s, "volatile-burst", { n: N, volatile: false });
        assert.deepEqual(await done, [N]);
        assert.deepEqual(
          burst.map((a) => a[0]),
          Array.from({ length: N }, (_, i) => i),
          "non-volatile events: every one, in order, before burst-done",
        );
      });

      test("several namespaces over one connection (Manager)", async (t) => {
        // A server of its own, so the engine session count is exact.
        const srv = await startServer(t, [], { binary: "siotest" });
        const opts = { reconnection: false, timeout: 5000 };
        if (mode.transports) opts.transports = mode.transports;
        const manager = new client.Manager(srv.base, opts);
        const nsps = ["/", "/admin", "/dyn-7"];
        const socks = nsps.map((n) => manager.socket(n));
        for (const s of socks) closeAfter(t, s);
        t.after(() => (manager._close ? manager._close() : manager.close()));
        const hellos = await Promise.all(socks.map((s) => connected(s)));
        assert.deepEqual(
          hellos.map((h) => h.nsp),
          nsps,
        );
        for (const s of socks) assert.equal(s.io, manager, "every socket uses the one manager");
        const engineId = manager.engine.id;
        assert.ok(engineId);

        const whoami = await Promise.all(socks.map((s) => emitAck(s, "whoami")));
        whoami.forEach(([me], i) => {
          assert.equal(me.nsp, nsps[i]);
          assert.equal(me.id, socks[i].id);
        });
        if (v2) {
          // 2.x ids embed the engine id: "/nsp#<engine id>" (or the engine id for "/").
          assert.deepEqual(
            whoami.map(([me]) => me.id),
            nsps.map((n) => (n === "/" ? engineId : `${n}#${engineId}`)),
          );
        } else {
          assert.equal(new Set(whoami.map(([me]) => me.id)).size, nsps.length, "distinct socket ids");
        }
        const [stats] = await emitAck(socks[0], "stats");
        assert.equal(stats.engineSessions, 1, `one Engine.IO session for ${nsps.length} namespaces: ${JSON.stringify(stats)}`);
        assert.equal(stats.namespaces["/"], 1);
        assert.equal(stats.namespaces["/admin"], 1);
        assert.equal(stats.namespaces["/dyn-7"], 1);

        // Events keep to their namespace on the shared connection.
        const [a1] = await emitAck(socks[1], "echo", "admin");
        const [a2] = await emitAck(socks[2], "echo", "dyn");
        assert.deepEqual([a1, a2], ["admin", "dyn"]);

        // Leaving one namespace keeps the others (and the connection).
        socks[1].disconnect();
        const [me0] = await emitAck(socks[0], "echo", "still");
        assert.equal(me0, "still");
        assert.equal(manager.engine.id, engineId);
        assert.equal(socks[2].connected, true);
      });
    });
  }
}

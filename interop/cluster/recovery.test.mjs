// Connection state recovery across runtimes on Redis Streams: a
// socket.io-client 4.8 client connected (through a TCP proxy standing for
// the load balancer) to one server loses its connection and comes back to
// the other, Node (socket.io 4.8 with @socket.io/redis-streams-adapter
// 0.3.x) or Go (clusternode with socketio/redisstreams), both with
// connectionStateRecovery on. It must recover: same id, rooms and data,
// socket.recovered, and exactly the events emitted meanwhile (by either
// server, by the Go Streams emitter and by a process writing to the stream
// as Node's adapter does), in order. Also: a Go
// server stopped with SIGTERM saves its sessions, sends no DISCONNECT, and
// its clients recover on the Node server. All of it on one Redis and on a
// Redis Cluster. Run with ./run.sh.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTCPServer, connect as tcpConnect } from "node:net";
import { createServer } from "node:http";
import { once } from "node:events";
import { Server } from "socket.io";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { io as ioc } from "socket.io-client";
import { REDIS_URL, uniqueKey, startGoServer, connectClient, call, eventually, createClusterClient } from "./helpers.mjs";

const RECOVERY = { maxDisconnectionDuration: 60_000, skipMiddlewares: true };

/** A node-redis client of the Redis Cluster (cluster) or of the one Redis. */
function redisClient(cluster) {
  return cluster ? createClusterClient() : createClient({ url: REDIS_URL });
}

/**
 * The Node server: Streams adapter (on the Redis Cluster with cluster),
 * recovery on, the control events the test uses.
 */
async function startNodeStreams(key, cluster) {
  const redis = redisClient(cluster);
  redis.on("error", () => {});
  await redis.connect();
  const http = createServer();
  const io = new Server(http, {
    adapter: createAdapter(redis, { streamName: key, channelPrefix: key, blockTimeInMs: 1000 }),
    connectionStateRecovery: RECOVERY,
  });
  // The last socket of each id, kept after it disconnects, as an app
  // keeps the socket its handler was given (see "socket-emit").
  const seen = new Map();
  io.on("connection", (s) => {
    seen.set(s.id, s);
    const q = s.handshake.query;
    if (!s.recovered) {
      if (q.rooms) s.join(q.rooms.split(","));
      Object.assign(s.data, { runtime: "node", tag: q.tag || "" });
    }
    s.on("broadcast", (t, ack) => {
      let o = io;
      if (t.rooms?.length) o = o.to(t.rooms);
      if (t.except?.length) o = o.except(t.except);
      o.emit(t.event, t.data);
      ack("ok");
    });
    // clusternode's "socket-emit": an emit on socket t.id, connected or
    // not; with t.ack, timeout(t.timeout).emitWithAck.
    s.on("socket-emit", async (t, ack) => {
      const target = seen.get(t.id);
      if (!target) return ack({ ok: false, error: "not found" });
      if (!t.ack) {
        target.emit(t.event, t.data);
        return ack({ ok: true });
      }
      try {
        ack({ ok: true, response: await target.timeout(t.timeout ?? 5000).emitWithAck(t.event, t.data) });
      } catch (e) {
        ack({ ok: false, error: e.message });
      }
    });
    s.on("fetch", async (t, ack) => {
      const socks = await (t.rooms?.length ? io.in(t.rooms) : io).fetchSockets();
      ack(socks.map((x) => ({ id: x.id, rooms: [...x.rooms], data: x.data, local: x.constructor.name === "Socket" })));
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    io,
    redis,
    port: http.address().port,
    async close() {
      await io.close();
      await redis.quit().catch(() => {});
    },
  };
}

/**
 * A TCP proxy standing for the load balancer: it forwards each connection
 * to the current target. drop() cuts every connection; while paused, new
 * connections wait (accepted, not forwarded) until resume().
 */
async function startProxy(target) {
  const live = new Set();
  let held = [];
  let paused = false;
  const forward = (down) => {
    const up = tcpConnect(target, "127.0.0.1");
    const kill = () => {
      down.destroy();
      up.destroy();
      live.delete(kill);
    };
    live.add(kill);
    for (const s of [down, up]) {
      s.on("error", kill);
      s.on("close", kill);
    }
    down.pipe(up);
    up.pipe(down);
  };
  const server = createTCPServer((down) => {
    down.on("error", () => down.destroy());
    if (paused) held.push(down);
    else forward(down);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: server.address().port,
    setTarget(p) {
      target = p;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      const h = held;
      held = [];
      for (const d of h) if (!d.destroyed) forward(d);
    },
    drop() {
      for (const kill of [...live]) kill();
    },
    async close() {
      this.drop();
      for (const d of held) d.destroy();
      server.close();
    },
  };
}

/** A socket.io-client 4.8 client through the proxy, reconnecting at once, recording every event. */
async function connectRecovering(port, query) {
  const socket = ioc(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    query,
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
    randomizationFactor: 0,
  });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  socket.reasons = [];
  socket.on("disconnect", (reason) => socket.reasons.push(reason));
  await once(socket, "connect");
  return socket;
}

const ENTRY_ID = /^[0-9]+-[0-9]+$/;

function entryBefore(x, y) {
  const [xm, xs] = x.split("-").map(BigInt);
  const [ym, ys] = y.split("-").map(BigInt);
  return xm < ym || (xm === ym && xs < ys);
}

/** The events after the one named `from`, each {event, args} with the offset split off. */
function eventsAfter(socket, from) {
  const i = socket.received.findIndex((r) => r.event === from);
  assert.ok(i >= 0, `no ${from} event`);
  return socket.received.slice(i + 1).map(({ event, args }) => ({
    event,
    args: args.slice(0, -1),
    offset: args[args.length - 1],
  }));
}

/** The events from the index `mark` on, as eventsAfter gives them. */
function eventsFrom(socket, mark) {
  return socket.received.slice(mark).map(({ event, args }) => ({
    event,
    args: args.slice(0, -1),
    offset: args[args.length - 1],
  }));
}

/**
 * A minimal emitter writing to the stream as Node's adapter writes a
 * broadcast (no Streams emitter is published on npm): any process can do
 * this, and recovering clients must get what it sent.
 */
async function emitToStream(redis, key, event, data, rooms = []) {
  const message = {
    packet: { type: 2, data: [event, data], nsp: "/" },
    opts: { rooms, except: [], flags: {} },
  };
  await redis.xAdd(key, "*", { uid: "emitter", nsp: "/", type: "3", data: JSON.stringify(message) });
}

/**
 * What every case checks: the client recovered, with exactly `want` (names
 * and data) in order, after the "before" event or, given, the first `mark`
 * events it received.
 */
async function checkRecovered(client, { id, events, control, rooms, data, mark }) {
  assert.equal(client.recovered, true, "socket.recovered");
  assert.equal(client.id, id, "same id");
  // A last broadcast marks the end: nothing may come between it and the missed ones.
  await call(control, "broadcast", { event: "after", data: "end" });
  await eventually(() => client.received.some((r) => r.event === "after"));
  const got = mark === undefined ? eventsAfter(client, "before") : eventsFrom(client, mark);
  assert.deepEqual(
    got.map((e) => [e.event, ...e.args]),
    [...events, ["after", "end"]],
  );
  let last = "0-0";
  for (const e of got) {
    assert.match(e.offset, ENTRY_ID, `${e.event}: offset ${e.offset}`);
    assert.ok(entryBefore(last, e.offset), `in stream order: ${last} then ${e.offset}`);
    last = e.offset;
  }
  const socks = await call(control, "fetch", { rooms: ["r1"] });
  const me = socks.find((s) => s.id === id);
  assert.ok(me, "in room r1 on the new server");
  assert.equal(me.local, true);
  assert.deepEqual([...me.rooms].sort(), [id, "r1"].sort());
  assert.deepEqual(me.data, data);
}

// On one Redis, and on a Redis Cluster (the stream, the session keys and
// the requests' channels on different masters).
function recoverySuite(title, { cluster = false } = {}) {
  describe(title, () => {
    let key, node, go, proxy, redis, controls;

    before(async () => {
      key = uniqueKey("recovery");
      node = await startNodeStreams(key, cluster);
      go = await startGoServer({ key, adapter: "streams", cluster, flags: ["-recovery"] });
      redis = redisClient(cluster);
      redis.on("error", () => {});
      await redis.connect();
      controls = {
        go: await connectClient(go.port, { tag: "control-go" }),
        node: await connectClient(node.port, { tag: "control-node" }),
      };
    });

    after(async () => {
      for (const c of Object.values(controls || {})) c.disconnect();
      await proxy?.close();
      await go?.close();
      await node?.close();
      await redis?.del(key).catch(() => {});
      await redis?.quit().catch(() => {});
    });

    // Node's emit appends to the stream after it returned (and after the
    // control event's answer), so two emits from different servers could
    // land in either order: each emission waits for its entry, and the
    // expected order is the stream's.
    async function emitted(fn) {
      const before = await redis.xLen(key);
      await fn();
      await eventually(async () => (await redis.xLen(key)) > before);
    }

    // One direction: the client starts on `from` and comes back on `to`.
    async function dropAndRecover(from, to, fromData) {
      proxy = await startProxy(from.port);
      const client = await connectRecovering(proxy.port, { rooms: "r1", tag: "t1" });
      try {
        assert.equal(client.recovered, false);
        const id = client.id;
        await call(from.control, "broadcast", { rooms: ["r1"], event: "before" });
        await eventually(() => client.received.some((r) => r.event === "before"));

        proxy.pause();
        proxy.setTarget(to.port);
        const gone = once(client, "disconnect");
        proxy.drop();
        const [reason] = await gone;
        assert.equal(reason, "transport close");
        // The old server saves the session on its own time: wait for it.
        await eventually(async () => (await redis.exists(`sio:session:${client._pid}`)) === 1);

        await emitted(() => call(controls.go, "broadcast", { event: "m1", data: "from go" }));
        await emitted(() => call(controls.node, "broadcast", { rooms: ["r1"], event: "m2", data: "from node to r1" }));
        await emitted(() => call(controls.go, "broadcast", { rooms: ["r2"], event: "not-for-it" }));
        await emitted(() => call(controls.node, "broadcast", { except: ["r1"], event: "not-for-it" }));
        await emitted(() => call(controls.node, "broadcast", { rooms: [id], event: "m3", data: "to its id" }));
        await emitted(() => emitToStream(redis, key, "m4", { from: "emitter" }));
        await emitted(() => call(controls.go, "broadcast", { event: "m5", data: { n: 5, list: [1, "x"] } }));
        await emitted(async () => assert.equal(await call(controls.go, "emitter", { op: "emit", rooms: ["r1"], event: "m6", data: "go emitter" }), "ok"));
        await emitted(() => call(controls.node, "broadcast", { event: "m7", data: Buffer.from([1, 2, 3]) }));
        await emitted(() => call(controls.go, "broadcast", { rooms: ["r1"], event: "m8", data: { bin: Buffer.from([4, 5]) } }));

        const back = once(client, "connect");
        proxy.resume();
        await back;
        await checkRecovered(client, {
          id,
          control: to.control,
          data: fromData,
          events: [
            ["m1", "from go"],
            ["m2", "from node to r1"],
            ["m3", "to its id"],
            ["m4", { from: "emitter" }],
            ["m5", { n: 5, list: [1, "x"] }],
            ["m6", "go emitter"],
            ["m7", Buffer.from([1, 2, 3])],
            ["m8", { bin: Buffer.from([4, 5]) }],
          ],
        });
      } finally {
        client.disconnect();
        await proxy.close();
        proxy = undefined;
      }
    }

    it("a client dropped by the Go server recovers on the Node server", async () => {
      await dropAndRecover(
        { port: go.port, control: controls.go },
        { port: node.port, control: controls.node },
        { runtime: "go", tag: "t1" },
      );
    });

    it("a client dropped by the Node server recovers on the Go server", async () => {
      await dropAndRecover(
        { port: node.port, control: controls.node },
        { port: go.port, control: controls.go },
        { runtime: "node", tag: "t1" },
      );
    });

    // A socket's own emits: with recovery on, Node's socket.emit sends
    // through the adapter, which writes each to the stream — one with an
    // ack callback too, with its ack id and no offset — and its
    // restoreSession replays every stored one as a plain event with its
    // entry id, no ack id. So a client that recovers gets again an event it
    // answered (it had no offset after it), and those emitted to its socket
    // while it was away, the one with an ack too (whose answer cannot come:
    // the recovered socket is another one). Node to Node is where these
    // expectations come from; every pair of runtimes must meet them.
    for (const [fromName, toName] of [["node", "node"], ["go", "go"], ["go", "node"], ["node", "go"]]) {
      it(`a socket's own emits with ack are replayed as Node replays them (${fromName} to ${toName})`, async () => {
        const servers = {
          go: { port: go.port, control: controls.go },
          node: { port: node.port, control: controls.node },
        };
        const from = servers[fromName];
        const to = servers[toName];
        proxy = await startProxy(from.port);
        const client = await connectRecovering(proxy.port, { rooms: "r1", tag: "t4" });
        const asked = [];
        client.on("ask", (data, cb) => {
          asked.push([data, typeof cb]);
          if (typeof cb === "function") cb({ got: data });
        });
        try {
          const id = client.id;
          await call(from.control, "broadcast", { rooms: ["r1"], event: "before" });
          await eventually(() => client.received.some((r) => r.event === "before"));

          // Connected: the client gets the ack id (and no offset), the
          // server its answer.
          let res;
          await emitted(async () => {
            res = await call(from.control, "socket-emit", { id, event: "ask", data: "live", ack: true, timeout: 5000 });
          });
          assert.deepEqual(res, { ok: true, response: { got: "live" } });
          const live = client.received.at(-1);
          assert.equal(live.event, "ask");
          assert.deepEqual([live.args[0], typeof live.args[1], live.args.length], ["live", "function", 2]);

          proxy.pause();
          proxy.setTarget(to.port);
          const gone = once(client, "disconnect");
          proxy.drop();
          await gone;
          await eventually(async () => (await redis.exists(`sio:session:${client._pid}`)) === 1);
          const mark = client.received.length;

          // Away: emits to its socket, with and without ack.
          await emitted(async () => {
            assert.deepEqual(await call(from.control, "socket-emit", { id, event: "p1", data: "plain" }), { ok: true });
          });
          await emitted(async () => {
            const r = await call(from.control, "socket-emit", { id, event: "a1", data: "with ack", ack: true, timeout: 300 });
            assert.equal(r.ok, false, `no answer can come: ${JSON.stringify(r)}`);
          });

          const back = once(client, "connect");
          proxy.resume();
          await back;
          await checkRecovered(client, {
            id,
            control: to.control,
            data: { runtime: fromName, tag: "t4" },
            mark,
            events: [["ask", "live"], ["p1", "plain"], ["a1", "with ack"]],
          });
          // The replayed "ask" has no ack id: its listener gets the offset
          // where the live one got the callback.
          assert.deepEqual(asked.map(([d, cb]) => [d, cb]), [["live", "function"], ["live", "string"]]);
        } finally {
          client.disconnect();
          await proxy.close();
          proxy = undefined;
        }
      });
    }

    // An offset the stream no longer holds (trimmed) restores nothing, on
    // either runtime: the client connects as a new socket, and the session
    // is gone.
    for (const [fromName, toName] of [["go", "node"], ["node", "go"]]) {
      it(`an offset trimmed from the stream is not recovered (${fromName} to ${toName})`, async () => {
        const ports = { go: go.port, node: node.port };
        proxy = await startProxy(ports[fromName]);
        const client = await connectRecovering(proxy.port, { rooms: "r1", tag: "t3" });
        try {
          const id = client.id;
          await call(controls[fromName], "broadcast", { rooms: ["r1"], event: "before" });
          await eventually(() => client.received.some((r) => r.event === "before"));
          proxy.pause();
          proxy.setTarget(ports[toName]);
          const gone = once(client, "disconnect");
          proxy.drop();
          await gone;
          const pid = client._pid;
          await eventually(async () => (await redis.exists(`sio:session:${pid}`)) === 1);
          await redis.xTrim(key, "MAXLEN", 0);
          await emitted(() => call(controls.go, "broadcast", { event: "m1" }));
          const back = once(client, "connect");
          proxy.resume();
          await back;
          assert.equal(client.recovered, false);
          assert.notEqual(client.id, id);
          assert.equal(await redis.exists(`sio:session:${pid}`), 0);
          assert.ok(!client.received.some((r) => r.event === "m1"));
        } finally {
          client.disconnect();
          await proxy.close();
          proxy = undefined;
        }
      });
    }

    it("the clients of a Go server stopped with SIGTERM recover on the Node server", async () => {
      // A Go server of its own, to stop.
      const doomed = await startGoServer({ key, adapter: "streams", cluster, flags: ["-recovery"] });
      const control = await connectClient(doomed.port, { tag: "control-doomed" });
      proxy = await startProxy(doomed.port);
      const client = await connectRecovering(proxy.port, { rooms: "r1", tag: "t2" });
      let packets = [];
      try {
        const id = client.id;
        await call(control, "broadcast", { rooms: ["r1"], event: "before" });
        await eventually(() => client.received.some((r) => r.event === "before"));
        control.disconnect();
        // Every packet the client's engine receives: a DISCONNECT ("1...")
        // would make it stay away.
        client.io.engine.on("packet", (p) => packets.push(p));

        proxy.pause();
        proxy.setTarget(node.port);
        const gone = once(client, "disconnect");
        await doomed.close(); // SIGTERM: the server closes, saving its sessions first
        const [reason] = await gone;
        assert.equal(reason, "transport close");
        assert.ok(
          !packets.some((p) => p.type === "message" && String(p.data).startsWith("1")),
          `no DISCONNECT: ${JSON.stringify(packets)}`,
        );
        // Saved before the process exited.
        assert.equal(await redis.exists(`sio:session:${client._pid}`), 1);

        await emitted(() => call(controls.node, "broadcast", { rooms: ["r1"], event: "m1", data: "from node" }));
        await emitted(() => call(controls.go, "broadcast", { event: "m2", data: "from go" }));
        const back = once(client, "connect");
        proxy.resume();
        await back;
        await checkRecovered(client, {
          id,
          control: controls.node,
          data: { runtime: "go", tag: "t2" },
          events: [["m1", "from node"], ["m2", "from go"]],
        });
      } finally {
        client.disconnect();
        await proxy.close();
        proxy = undefined;
        await doomed.close();
      }
    });
  });
}

recoverySuite("connection state recovery across Node and Go servers (Redis Streams)");
recoverySuite("connection state recovery across Node and Go servers (Redis Streams on a Redis Cluster)", { cluster: true });

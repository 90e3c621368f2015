// Cross-runtime Redis Streams suite: a Node.js socket.io 4.8 server with
// @socket.io/redis-streams-adapter 0.3.x and the Go clusternode (gosio +
// socketio/redisstreams, -adapter streams) on one Redis, with
// socket.io-client 4.x clients on each; then the faults: a private Redis
// restarted mid-traffic, and one server killed. Run with ./run.sh.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { decode } from "@msgpack/msgpack";
import {
  uniqueKey, startNodeServer, startGoServer, connectClient, call, waitEvents,
  received, sleep, eventually, REDIS_URL,
} from "./helpers.mjs";
import { connectBothSides, crossRuntimeTests, orderTest } from "./crossruntime.mjs";

function streamsSuite(title, { sharded = false } = {}) {
  describe(title, () => {
    let key, node, go, g, n, all;

    before(async () => {
      // Not the Pub/Sub suite's prefix: the Streams adapter's channel
      // <prefix>#/# is the Pub/Sub adapter's broadcast channel.
      key = uniqueKey(sharded ? "streams-sharded" : "streams");
      node = await startNodeServer({ key, adapter: "streams", sharded });
      go = await startGoServer({ key, adapter: "streams", sharded });
      ({ g, n, all } = await connectBothSides(go, node));
      await eventually(async () => (await call(g[0], "server-count")) === 2 && (await call(n[0], "server-count")) === 2);
    });

    after(async () => {
      for (const s of all || []) s.disconnect();
      await go?.close();
      await node?.close();
      const c = createClient({ url: REDIS_URL });
      await c.connect();
      await c.del(key);
      await c.quit();
    });

    crossRuntimeTests(() => ({ g, n, all }), {
      specific: () => orderTest(() => ({ g, n, all })),
    });

    it("the emitter's disconnectSockets works across runtimes", async () => {
      const gone = [g[2], n[2]].map((s) => new Promise((r) => s.once("disconnect", r)));
      assert.equal(await call(g[0], "emitter", { op: "disconnect", except: ["a"] }), "ok");
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      await eventually(async () => (await call(n[0], "fetch", {})).length === 2);
      assert.ok(g[0].connected && n[0].connected);
    });
  });
}

/**
 * The same call on the Node server and on the Go server writes the same
 * stream entry, and publishes the same Pub/Sub message, byte for byte once
 * the random server uid and request id are swapped for Node's.
 */
describe("streams wire bytes", () => {
  let key, node, go, gc, nc, raw, cmd, captured;

  before(async () => {
    key = uniqueKey("streams-wire");
    node = await startNodeServer({ key, adapter: "streams" });
    go = await startGoServer({ key, adapter: "streams" });
    gc = await connectClient(go.port, { tag: "g", rooms: "a" });
    nc = await connectClient(node.port, { tag: "n", rooms: "a" });
    await eventually(async () => (await call(gc, "server-count")) === 2 && (await call(nc, "server-count")) === 2);
    captured = [];
    raw = createClient({ url: REDIS_URL });
    raw.on("error", () => {});
    await raw.connect();
    await raw.pSubscribe(`${key}#*`, (buf, channel) => captured.push({ channel: String(channel), buf, msg: decode(buf) }), true);
    cmd = createClient({ url: REDIS_URL });
    await cmd.connect();
  });

  after(async () => {
    for (const s of [gc, nc]) s?.disconnect();
    await raw?.quit().catch(() => {});
    await go?.close();
    await node?.close();
    await cmd?.del(key);
    await cmd?.quit();
  });

  const nodeUid = () => node.io.of("/").adapter.uid;

  // The Go test server reads control data into Go maps, whose keys come
  // out sorted: the objects below list theirs in that order.

  /** The entries written to the stream while fn runs. */
  async function entriesDuring(fn) {
    const before = await cmd.xRevRange(key, "+", "-", { COUNT: 1 });
    await fn();
    await sleep(100);
    return cmd.xRange(key, before.length ? `(${before[0].id}` : "-", "+");
  }

  for (const [title, event, arg] of [
    ["a broadcast", "broadcast", { event: "ev", data: { a: [true, -3], f: 1.5, n: null, s: "é<&>", x: 1 } }],
    ["a broadcast to rooms, except rooms", "broadcast", { rooms: ["a", "b"], except: ["c"], event: "ev", data: "x" }],
    ["a binary broadcast", "broadcast", { event: "bin", data: { b: Buffer.from([1, 2, 255]) } }],
    ["socketsJoin", "sockets-join", { rooms: ["a"], room: "j" }],
    ["socketsLeave", "sockets-leave", { rooms: ["a"], room: "j" }],
  ]) {
    it(`${title} is the same stream entry`, async () => {
      const [n] = await entriesDuring(() => call(nc, event, arg));
      const [g] = await entriesDuring(() => call(gc, event, arg));
      assert.ok(n && g, "an entry from each");
      assert.equal(n.message.uid, nodeUid());
      assert.deepEqual({ ...g.message, uid: n.message.uid }, { ...n.message });
    });
  }

  it("disconnectSockets is the same stream entry", async () => {
    const [n] = await entriesDuring(() => call(nc, "disconnect-sockets", { rooms: ["nobody"] }));
    const [g] = await entriesDuring(() => call(gc, "disconnect-sockets", { rooms: ["nobody"] }));
    assert.deepEqual({ ...g.message, uid: n.message.uid }, { ...n.message });
  });

  /** The first Pub/Sub request on the public channel while fn runs, from Node or not. */
  async function publishedDuring(fn, fromNode) {
    const from = captured.length;
    await fn();
    return eventually(() => captured.slice(from).find((c) => c.channel === `${key}#/#` &&
      (c.msg.uid === nodeUid()) === fromNode));
  }

  /** Replaces the Go message's 16-hex-digit ids by Node's, position by position. */
  function swapIds(gbuf, nbuf) {
    const hex = /[0-9a-f]{16}/g;
    const ids = (b) => [...b.toString("latin1").matchAll(hex)].map((m) => m[0]);
    let out = gbuf.toString("latin1");
    const [gi, ni] = [ids(gbuf), ids(nbuf)];
    assert.equal(gi.length, ni.length, "as many ids");
    gi.forEach((id, i) => { out = out.replace(id, ni[i]); });
    return Buffer.from(out, "latin1");
  }

  for (const [title, event, arg] of [
    ["fetchSockets", "fetch", { rooms: ["a"] }],
    ["serverSideEmit", "sse", { event: "note", data: { y: [1, "z"] } }],
    ["serverSideEmit with ack", "sse-ack", { event: "ping-server", data: 4 }],
    ["a broadcast with acks", "emit-ack", { rooms: ["nobody"], event: "question", data: 1 }],
  ]) {
    it(`${title} is the same Pub/Sub message`, async () => {
      const n = await publishedDuring(() => call(nc, event, arg), true);
      await sleep(50);
      const g = await publishedDuring(() => call(gc, event, arg), false);
      assert.equal(swapIds(g.buf, n.buf).toString("hex"), n.buf.toString("hex"));
    });
  }
});

streamsSuite("streams adapter");
streamsSuite("streams adapter, sharded Pub/Sub", { sharded: true });

/** Whether stream entry id x comes before y. */
function entryBefore(x, y) {
  const [xm, xs] = x.split("-").map(BigInt);
  const [ym, ys] = y.split("-").map(BigInt);
  return xm < ym || (xm === ym && xs < ys);
}

/** A redis-server of this suite's own, which it stops and starts again. */
async function privateRedis() {
  const port = await new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "gosio-streams-redis-"));
  let child;
  const r = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
        "--save", "", "--appendonly", "yes", "--appendfsync", "always"], { stdio: "ignore" });
      const c = createClient({ url: r.url, socket: { reconnectStrategy: false } });
      c.on("error", () => {});
      await eventually(async () => {
        try {
          await c.connect();
          return true;
        } catch {
          return false;
        }
      }, { timeout: 10000 });
      await c.quit();
    },
    /** SIGTERM: redis-server flushes its append-only file and exits. */
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
    async dispose() {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}

describe("streams faults", () => {
  it("Redis restarted mid-traffic: nothing is lost, repeated or reordered, not even what was emitted while it was down", async () => {
    const redis = await privateRedis();
    const key = uniqueKey("streams-restart");
    const node = await startNodeServer({ key, adapter: "streams", redisUrl: redis.url });
    // -recovery: the Go server's broadcasts carry their offsets.
    const go = await startGoServer({ key, adapter: "streams", redisUrl: redis.url, flags: ["-recovery"] });
    const gc = await connectClient(go.port, { tag: "g" });
    const nc = await connectClient(node.port, { tag: "n" });
    try {
      await eventually(async () => (await call(gc, "server-count")) === 2);
      const goAcked = [];
      const goFailed = [];
      // The broadcasts asked for once Redis had exited and before it was
      // started again, on each runtime.
      const goDown = [];
      const nodeDown = [];
      let down = false;
      let running = true;
      let seq = 0;
      const traffic = (async () => {
        while (running) {
          const i = seq++;
          if (down) goDown.push(i);
          // From Go: "ok" means appended, or held until Redis answers
          // again (an error: an XADD whose reply was lost as Redis
          // stopped; that one is never sent twice).
          const res = await call(gc, "broadcast", { event: "go-seq", data: i }).catch((e) => e.message);
          (res === "ok" ? goAcked : goFailed).push(i);
          // From Node: its Redis client queues commands while offline.
          if (down) nodeDown.push(i);
          nc.emit("broadcast", { event: "node-seq", data: i }, () => {});
          await sleep(5);
        }
      })();
      await eventually(() => goAcked.length >= 30, { timeout: 10000 });
      await redis.stop();
      down = true;
      await eventually(() => goDown.length >= 20 && nodeDown.length >= 20, { timeout: 20000 });
      down = false;
      await redis.start();
      const after = goAcked.length;
      await eventually(() => goAcked.length >= after + 30, { timeout: 20000 });
      running = false;
      await traffic;

      // Every acknowledged Go broadcast reaches the Node client, in order,
      // once; unacknowledged ones may have been applied all the same.
      const last = goAcked[goAcked.length - 1];
      await eventually(() => received(nc, "go-seq").some((r) => r.args[0] === last), { timeout: 15000 });
      const atNode = received(nc, "go-seq").map((r) => r.args[0]);
      for (let i = 1; i < atNode.length; i++) assert.ok(atNode[i] > atNode[i - 1], `go-seq out of order or repeated at ${i}: ${atNode}`);
      assert.deepEqual(goDown.filter((i) => !goAcked.includes(i)), [], "Go broadcasts emitted while Redis was down failed");
      const missing = goAcked.filter((i) => !atNode.includes(i));
      assert.deepEqual(missing, [], `acknowledged Go broadcasts lost (${goFailed.length} failed; ${goDown.length} emitted while Redis was down)`);
      // The Go client gets every Go broadcast once, in order (those emitted
      // while Redis was down once they are in the stream), each with its
      // entry id as offset, but for a failed one.
      await eventually(() => received(gc, "go-seq").length >= seq, { timeout: 15000 });
      const atGoLocal = received(gc, "go-seq");
      assert.deepEqual(atGoLocal.map((r) => r.args[0]), [...Array(seq).keys()]);
      const offsets = atGoLocal.filter((r) => !goFailed.includes(r.args[0])).map((r) => r.args[1]);
      for (const o of offsets) assert.match(o, /^\d+-\d+$/);
      for (let i = 1; i < offsets.length; i++) assert.ok(entryBefore(offsets[i - 1], offsets[i]), `offsets out of order: ${offsets[i - 1]}, ${offsets[i]}`);
      // The Go client gets Node's broadcasts in order, once, including the
      // ones emitted while Redis was down and since it came back.
      const lastNode = seq - 1;
      await eventually(() => received(gc, "node-seq").some((r) => r.args[0] === lastNode), { timeout: 15000 });
      const atGo = received(gc, "node-seq").map((r) => r.args[0]);
      for (let i = 1; i < atGo.length; i++) assert.ok(atGo[i] > atGo[i - 1], `node-seq out of order or repeated at ${i}`);
      assert.deepEqual(nodeDown.filter((i) => !atGo.includes(i)), [], "Node broadcasts emitted while Redis was down lost");
      // Requests work again both ways.
      await eventually(async () => (await call(nc, "server-count")) === 2, { timeout: 10000 });
      assert.equal((await call(gc, "fetch", {})).length, 2);
      assert.equal((await call(nc, "fetch", {})).length, 2);
      assert.deepEqual(await call(nc, "sse-ack", { event: "ping-server", data: 1 }), { ok: true, responses: [{ from: "go", data: 1 }] });
    } finally {
      gc.disconnect();
      nc.disconnect();
      await go.close();
      await node.close();
      await redis.dispose();
    }
  });

  it("a killed server: the survivors (Node and Go) keep working together", async () => {
    const key = uniqueKey("streams-kill");
    const node = await startNodeServer({ key, adapter: "streams" });
    const goA = await startGoServer({ key, adapter: "streams" });
    const goB = await startGoServer({ key, adapter: "streams" });
    const a = await connectClient(goA.port, { tag: "a" });
    const b = await connectClient(goB.port, { tag: "b" });
    const nc = await connectClient(node.port, { tag: "n" });
    try {
      await eventually(async () => (await call(nc, "server-count")) === 3);
      await goA.kill();
      await eventually(async () => (await call(nc, "server-count")) === 2 && (await call(b, "server-count")) === 2);
      await call(nc, "broadcast", { event: "after-kill-node" });
      assert.equal(await call(b, "broadcast", { event: "after-kill-go" }), "ok");
      await waitEvents([b, nc], "after-kill-node");
      await waitEvents([b, nc], "after-kill-go");
      assert.deepEqual((await call(nc, "fetch", {})).map((s) => s.data.tag).sort(), ["b", "n"]);
      assert.deepEqual((await call(b, "fetch", {})).map((s) => s.data.tag).sort(), ["b", "n"]);
      assert.deepEqual(await call(nc, "sse-ack", { event: "ping-server", data: 2 }), { ok: true, responses: [{ from: "go", data: 2 }] });
      assert.deepEqual(await call(b, "sse-ack", { event: "ping-server", data: 3 }), { ok: true, responses: [{ from: "node", data: 3 }] });
    } finally {
      for (const s of [a, b, nc]) s.disconnect();
      await goB.close();
      await node.close();
      const c = createClient({ url: REDIS_URL });
      await c.connect();
      await c.del(key);
      await c.quit();
    }
  });
});

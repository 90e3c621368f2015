// The cross-runtime tests every cluster adapter passes alike: a Node.js
// server and the Go clusternode on one backend, three clients on each.
import { it } from "node:test";
import assert from "node:assert/strict";
import { connectClient, call, waitEvents, count, received, sleep, eventually } from "./helpers.mjs";

/**
 * Connects three clients to each server: client i in rooms a (0), a and b
 * (1), none (2), with query tag g<i> on the Go server, n<i> on the Node
 * one. Returns {g, n, all}.
 */
export async function connectBothSides(go, node) {
  const q = [{ rooms: "a" }, { rooms: "a,b" }, {}];
  const g = await Promise.all(q.map((x, i) => connectClient(go.port, { tag: `g${i}`, ...x })));
  const n = await Promise.all(q.map((x, i) => connectClient(node.port, { tag: `n${i}`, ...x })));
  return { g, n, all: [...g, ...n] };
}

/**
 * Registers, in the current describe, the tests of the operations every
 * adapter supports alike. env() returns {g, n, all}, set by the
 * describe's before with connectBothSides. broadcast: false leaves out the
 * broadcast test (an adapter whose payloads take another path when
 * binary tests its own). specific registers the adapter's own tests,
 * which run before disconnectSockets, the last one; tests registered
 * after this call run after it.
 */
export function crossRuntimeTests(env, { broadcast = true, specific = () => {} } = {}) {
  if (broadcast) {
    it("a broadcast from either side reaches every client exactly once", async () => {
      const { g, n, all } = env();
      await call(n[0], "broadcast", { event: "from-node", data: { x: 1, bin: Buffer.from([1, 2, 3]) } });
      assert.equal(await call(g[0], "broadcast", { event: "from-go", data: { x: 2, bin: Buffer.from([4]) } }), "ok");
      await waitEvents(all, "from-node");
      await waitEvents(all, "from-go");
      await sleep(200);
      for (const s of all) {
        const tag = s.io.opts.query.tag;
        assert.equal(count(s, "from-node"), 1, tag);
        assert.equal(count(s, "from-go"), 1, tag);
        const [a] = received(s, "from-node")[0].args;
        assert.equal(a.x, 1);
        assert.deepEqual([...a.bin], [1, 2, 3]);
        const [b] = received(s, "from-go")[0].args;
        assert.equal(b.x, 2);
        assert.deepEqual([...b.bin], [4]);
      }
    });
  }

  it("rooms and except work across runtimes", async () => {
    const { g, n } = env();
    await call(g[2], "broadcast", { rooms: ["a"], except: ["b"], event: "a-not-b" });
    await call(n[2], "broadcast", { rooms: ["b"], event: "to-b" });
    await call(g[2], "broadcast", { except: ["a"], event: "not-a" });
    await call(n[2], "broadcast", { rooms: ["a", "b"], event: "a-or-b" });
    await waitEvents([g[0], n[0]], "a-not-b");
    await waitEvents([g[1], n[1]], "to-b");
    await waitEvents([g[2], n[2]], "not-a");
    await waitEvents([g[0], n[0], g[1], n[1]], "a-or-b");
    await sleep(200);
    const want = {
      "a-not-b": [1, 0, 0], "to-b": [0, 1, 0], "not-a": [0, 0, 1], "a-or-b": [1, 1, 0],
    };
    for (const [event, counts] of Object.entries(want)) {
      for (let i = 0; i < 3; i++) {
        assert.equal(count(g[i], event), counts[i], `g${i} ${event}`);
        assert.equal(count(n[i], event), counts[i], `n${i} ${event}`);
      }
    }
  });

  it("fetchSockets on each side sees the other side's sockets", async () => {
    const { g, n, all } = env();
    for (const [asker, localRuntime] of [[g[0], "go"], [n[0], "node"]]) {
      const socks = await call(asker, "fetch", {});
      assert.ok(Array.isArray(socks), JSON.stringify(socks));
      assert.equal(socks.length, 6);
      for (const c of all) {
        const s = socks.find((x) => x.id === c.id);
        const tag = c.io.opts.query.tag;
        assert.ok(s, `socket ${tag} missing`);
        const runtime = tag[0] === "g" ? "go" : "node";
        assert.deepEqual(s.data, { runtime, tag });
        assert.equal(s.query.tag, tag);
        assert.equal(s.local, runtime === localRuntime);
        assert.ok(s.rooms.includes(c.id));
      }
      const inB = await call(asker, "fetch", { rooms: ["b"] });
      assert.deepEqual(inB.map((s) => s.data.tag).sort(), ["g1", "n1"]);
    }
  });

  it("remote sockets can be emitted to, joined and left", async () => {
    const { g, n } = env();
    assert.equal(await call(g[0], "remote", { id: n[2].id, op: "emit", event: "hey", data: "from-go" }), "ok");
    assert.equal(await call(n[0], "remote", { id: g[2].id, op: "emit", event: "hey", data: "from-node" }), "ok");
    await waitEvents([n[2], g[2]], "hey");
    assert.deepEqual(received(n[2], "hey")[0].args, ["from-go"]);
    assert.deepEqual(received(g[2], "hey")[0].args, ["from-node"]);
    assert.equal(await call(g[0], "remote", { id: n[2].id, op: "join", room: "r1" }), "ok");
    assert.equal(await call(n[0], "remote", { id: g[2].id, op: "join", room: "r1" }), "ok");
    await eventually(async () => (await call(g[1], "fetch", { rooms: ["r1"] })).length === 2);
    await eventually(async () => (await call(n[1], "fetch", { rooms: ["r1"] })).length === 2);
    assert.equal(await call(g[0], "remote", { id: n[2].id, op: "leave", room: "r1" }), "ok");
    await eventually(async () => (await call(n[1], "fetch", { rooms: ["r1"] })).length === 1);
  });

  it("socketsJoin and socketsLeave work across runtimes", async () => {
    const { g, n } = env();
    await call(g[0], "sockets-join", { rooms: ["b"], room: "j" });
    await eventually(async () => (await call(n[0], "fetch", { rooms: ["j"] })).length === 2);
    await call(n[0], "sockets-join", { rooms: ["a"], room: "k" });
    await eventually(async () => (await call(g[0], "fetch", { rooms: ["k"] })).length === 4);
    await call(n[0], "sockets-leave", { rooms: ["b"], room: "j" });
    await eventually(async () => (await call(g[0], "fetch", { rooms: ["j"] })).length === 0);
    await call(g[0], "sockets-leave", { rooms: ["a"], room: "k" });
    await eventually(async () => (await call(n[0], "fetch", { rooms: ["k"] })).length === 0);
  });

  it("serverSideEmit with acknowledgement works both ways", async () => {
    const { g, n } = env();
    assert.deepEqual(await call(g[0], "sse-ack", { event: "ping-server", data: 5 }),
      { ok: true, responses: [{ from: "node", data: 5 }] });
    assert.deepEqual(await call(n[0], "sse-ack", { event: "ping-server", data: "x" }),
      { ok: true, responses: [{ from: "go", data: "x" }] });
  });

  it("serverSideEmit without acknowledgement works both ways", async () => {
    const { g, n } = env();
    await call(g[0], "sse", { event: "note", data: "from-go" });
    await call(n[0], "sse", { event: "note", data: "from-node" });
    await waitEvents(n, "note-received");
    await waitEvents(g, "note-received");
    await sleep(200);
    for (const s of n) assert.deepEqual(received(s, "note-received").map((r) => r.args[0]), [{ by: "node", data: "from-go" }]);
    for (const s of g) assert.deepEqual(received(s, "note-received").map((r) => r.args[0]), [{ by: "go", data: "from-node" }]);
  });

  it("broadcasts with acknowledgements collect every client of both runtimes", async () => {
    const { g, n } = env();
    for (const asker of [g[2], n[2]]) {
      const res = await call(asker, "emit-ack", { event: "question", data: 7 });
      assert.equal(res.ok, true, JSON.stringify(res));
      assert.deepEqual(res.responses.map((r) => r.tag).sort(), ["g0", "g1", "g2", "n0", "n1", "n2"]);
      assert.ok(res.responses.every((r) => r.x === 7));
      const inA = await call(asker, "emit-ack", { rooms: ["a"], event: "question", data: 8 });
      assert.deepEqual(inA.responses.map((r) => r.tag).sort(), ["g0", "g1", "n0", "n1"]);
    }
  });

  it("the Go emitter reaches Node and Go clients", async () => {
    const { g, n } = env();
    assert.equal(await call(g[0], "emitter", { op: "emit", rooms: ["b"], event: "from-go-emitter", data: 3 }), "ok");
    assert.equal(await call(g[0], "emitter", { op: "emit", except: ["a"], event: "go-emitter-not-a" }), "ok");
    await waitEvents([g[1], n[1]], "from-go-emitter");
    await waitEvents([g[2], n[2]], "go-emitter-not-a");
    assert.deepEqual(received(n[1], "from-go-emitter")[0].args, [3]);
    assert.equal(await call(g[0], "emitter", { op: "join", rooms: ["b"], room: "ge" }), "ok");
    await eventually(async () => (await call(n[0], "fetch", { rooms: ["ge"] })).length === 2);
    assert.equal(await call(g[0], "emitter", { op: "leave", rooms: ["b"], room: "ge" }), "ok");
    await eventually(async () => (await call(n[0], "fetch", { rooms: ["ge"] })).length === 0);
    assert.equal(await call(g[0], "emitter", { op: "sse", event: "note", data: "from-go-emitter" }), "ok");
    await eventually(() => received(n[0], "note-received").some((r) => r.args[0].data === "from-go-emitter"));
    await eventually(() => received(g[0], "note-received").some((r) => r.args[0].data === "from-go-emitter"));
    await sleep(100);
    for (const s of [g[0], n[0], g[2], n[2]]) assert.equal(count(s, "from-go-emitter"), 0);
  });

  specific();

  it("disconnectSockets works across runtimes", async () => {
    const { g, n } = env();
    const gone = [g[1], n[1]].map((s) => new Promise((r) => s.once("disconnect", r)));
    await call(n[0], "disconnect-sockets", { rooms: ["b"] });
    assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
    await eventually(async () => (await call(g[0], "fetch", {})).length === 4);
    assert.ok(g[0].connected && n[0].connected && g[2].connected && n[2].connected);
  });
}

/**
 * Registers the test that each server's broadcasts reach every client in
 * the order they were emitted. The control event of a Node server is
 * answered before its adapter has written the broadcast, so the two
 * servers' sequences interleave in any way; each keeps its own order. With
 * nodeOrdered false, Node's sequence is only checked to arrive whole, once
 * each (see rediscluster.test.mjs: Node's classic adapter on a Redis
 * Cluster).
 */
export function orderTest(env, { nodeOrdered = true } = {}) {
  it("each server's broadcasts keep their order on every client", async () => {
    const { g, n, all } = env();
    for (let i = 0; i < 20; i++) {
      await call(g[2], "broadcast", { event: "seq-go", data: i });
      await call(n[2], "broadcast", { event: "seq-node", data: i });
    }
    await waitEvents(all, "seq-go", 20);
    await waitEvents(all, "seq-node", 20);
    const seq = [...Array(20).keys()];
    for (const s of all) {
      const tag = s.io.opts.query.tag;
      assert.deepEqual(received(s, "seq-go").map((r) => r.args[0]), seq, `seq-go on ${tag}`);
      const fromNode = received(s, "seq-node").map((r) => r.args[0]);
      if (nodeOrdered) assert.deepEqual(fromNode, seq, `seq-node on ${tag}`);
      else assert.deepEqual([...fromNode].sort((x, y) => x - y), seq, `seq-node on ${tag}`);
    }
  });
}

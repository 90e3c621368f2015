// Cluster wire details, byte for byte: for the same call with the same
// data, the Go server publishes the very bytes Node's @socket.io/redis-adapter
// publishes (once the random server uid and request id are swapped for
// Node's), for the classic adapter and the sharded one. And what Node code
// reads of a Go socket it fetched works: socket.data.x (data is {} when the
// Go socket has none, never null) and socket.handshake.headers.host.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { decode } from "notepack.io";
import {
  REDIS_URL, uniqueKey, startNodeServer, startGoServer, connectClient, call, eventually, sleep,
} from "./helpers.mjs";

/** Reads a captured message: JSON when it starts with "{", else msgpack. */
function parse(buf) {
  return buf[0] === 0x7b ? JSON.parse(buf.toString()) : decode(buf);
}

/** Returns buf with every occurrence of the string from replaced by to (same length). */
function swap(buf, from, to) {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to), "ids of the same length");
  const f = Buffer.from(from);
  const t = Buffer.from(to);
  const out = Buffer.from(buf);
  for (let i = out.indexOf(f); i !== -1; i = out.indexOf(f, i + f.length)) t.copy(out, i);
  return out;
}

function wireSuite(title, { sharded = false } = {}) {
  describe(title, () => {
    let key, node, go, gc, nc, gBare, raw, captured;

    before(async () => {
      key = uniqueKey(sharded ? "wire-sharded" : "wire-classic");
      const mode = "static"; // one channel: every message is seen in order
      node = await startNodeServer({ key, sharded, mode });
      go = await startGoServer({ key, sharded, mode });
      gc = await connectClient(go.port, { tag: "g", rooms: "a" });
      nc = await connectClient(node.port, { tag: "n", rooms: "a" });
      gBare = await connectClient(go.port, { tag: "bare", nodata: "1" });
      await eventually(async () => (await call(gc, "server-count")) === 2 && (await call(nc, "server-count")) === 2);
      captured = [];
      raw = createClient({ url: REDIS_URL });
      raw.on("error", () => {});
      await raw.connect();
      const keep = (buf, channel) => captured.push({ channel: String(channel), buf, msg: parse(buf) });
      if (sharded) await raw.sSubscribe(`${key}#/#`, keep, true);
      else await raw.pSubscribe(`${key}*`, keep, true);
    });

    after(async () => {
      for (const s of [gc, nc, gBare]) s?.disconnect();
      await raw?.quit().catch(() => {});
      await go?.close();
      await node?.close();
    });

    /** The uid of a captured message, for either adapter's layout. */
    const uidOf = (m) => (Array.isArray(m) ? m[0] : m.uid);
    const requestIdOf = (m) => (Array.isArray(m) ? undefined : (m.requestId ?? m.data?.requestId));

    /**
     * Runs the same control event on the Node server and on the Go server
     * and returns the first message each published that pick accepts.
     */
    async function publishedBy(event, arg, pick) {
      const nodeUid = node.io.of("/").adapter.uid;
      const grab = async (client) => {
        const from = captured.length;
        await call(client, event, arg);
        const fromNode = client === nc;
        return eventually(() =>
          captured.slice(from).find((c) => (uidOf(c.msg) === nodeUid) === fromNode && pick(c.msg)),
        );
      };
      const n = await grab(nc);
      await sleep(50); // let the other server's answers to Node's call pass
      const g = await grab(gc);
      return { n, g };
    }

    /** Asserts that Go's bytes equal Node's once the random ids are swapped. */
    function assertSameBytes({ n, g }, what) {
      let gb = swap(g.buf, uidOf(g.msg), uidOf(n.msg));
      const gid = requestIdOf(g.msg);
      if (gid !== undefined) gb = swap(gb, gid, requestIdOf(n.msg));
      assert.equal(g.channel, n.channel, `${what}: channel`);
      assert.deepEqual(parse(gb), n.msg, `${what}: decoded`);
      assert.equal(gb.toString("hex"), n.buf.toString("hex"), `${what}: bytes`);
    }

    const typeOf = (m) => (Array.isArray(m) ? "broadcast" : m.type);
    const data = { a: 1, b: "x & <y>", c: [1, 2.5, -3, null, true], d: { e: "é😀" } };

    it("a broadcast to a room, with except", async () => {
      const got = await publishedBy("broadcast", { rooms: ["a"], except: ["b"], event: "e1", data },
        (m) => typeOf(m) === (sharded ? 3 : "broadcast"));
      assertSameBytes(got, "broadcast");
    });

    it("a broadcast with binary", async () => {
      const got = await publishedBy("broadcast", { event: "e2", data: { a: Buffer.from([0, 1, 255]) } },
        (m) => typeOf(m) === (sharded ? 3 : "broadcast"));
      assertSameBytes(got, "binary broadcast");
    });

    it("serverSideEmit, with and without acknowledgement", async () => {
      const sseType = sharded ? 9 : 6;
      assertSameBytes(await publishedBy("sse", { event: "note", data }, (m) => m.type === sseType), "serverSideEmit");
      assertSameBytes(
        await publishedBy("sse-ack", { event: "ping-server", data },
          (m) => m.type === sseType && requestIdOf(m) !== undefined),
        "serverSideEmitWithAck");
    });

    it("socketsJoin, socketsLeave, disconnectSockets", async () => {
      const [join, leave, disc] = sharded ? [4, 5, 6] : [2, 3, 4];
      assertSameBytes(await publishedBy("sockets-join", { rooms: ["zz"], room: "r" }, (m) => m.type === join), "socketsJoin");
      assertSameBytes(await publishedBy("sockets-leave", { rooms: ["zz"], room: "r" }, (m) => m.type === leave), "socketsLeave");
      assertSameBytes(await publishedBy("disconnect-sockets", { rooms: ["zz"] }, (m) => m.type === disc), "disconnectSockets");
    });

    it("fetchSockets and broadcast-with-ack requests", async () => {
      const fetchType = sharded ? 7 : 5;
      assertSameBytes(await publishedBy("fetch", { rooms: ["zz"] }, (m) => m.type === fetchType), "fetchSockets");
      const ackType = sharded ? 3 : 7;
      assertSameBytes(
        await publishedBy("emit-ack", { rooms: ["zz"], event: "question", data: 1 },
          (m) => typeOf(m) === ackType && requestIdOf(m) !== undefined),
        "broadcast with ack");
    });

    it("Node reads data and host of a Go socket it fetched", async () => {
      // A shard subscriber counts as a server (SHARDNUMSUB): fetchSockets
      // would wait for its answer.
      if (sharded) await raw.sUnsubscribe();
      const socks = await call(nc, "fetch-probe");
      assert.ok(Array.isArray(socks), JSON.stringify(socks));
      const bare = socks.find((s) => s.id === gBare.id);
      assert.ok(bare, "the Go socket without data is fetched");
      assert.equal(bare.local, false);
      assert.equal(bare.x, undefined, "socket.data.x reads undefined, without throwing");
      for (const s of socks) assert.match(String(s.host), /^127\.0\.0\.1:\d+$/, `host of ${s.id}`);
    });
  });
}

wireSuite("wire bytes: classic adapter");
wireSuite("wire bytes: sharded adapter", { sharded: true });

// Cross-runtime cluster suite: a Node.js socket.io 4.8 server with
// @socket.io/redis-adapter and the Go clusternode (gosio + redisadapter) on
// the same Redis, with socket.io-client 4.x clients on each. Run with
// ./run.sh, which builds the Go binary and sets CLUSTERNODE_BIN.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { Emitter } from "@socket.io/redis-emitter";
import {
  uniqueKey, startNodeServer, startGoServer, call, waitEvents,
  count, received, sleep, eventually,
} from "./helpers.mjs";
import { connectBothSides, crossRuntimeTests } from "./crossruntime.mjs";

function clusterSuite(title, { sharded = false, mode = "dynamic" } = {}) {
  describe(title, () => {
    let key, node, go, g, n, all;

    before(async () => {
      key = uniqueKey(sharded ? `sharded-${mode}` : "classic");
      node = await startNodeServer({ key, sharded, mode });
      go = await startGoServer({ key, sharded, mode });
      ({ g, n, all } = await connectBothSides(go, node));
      await eventually(async () => (await call(g[0], "server-count")) === 2 && (await call(n[0], "server-count")) === 2);
      if (sharded && mode !== "static") {
        // Room channels are subscribed asynchronously, as in Node.
        await eventually(async () => {
          for (const room of ["a", "b"]) {
            const ch = `${key}#/#${room}#`;
            const res = await node.pub.sendCommand(["PUBSUB", "SHARDNUMSUB", ch]);
            if (Number(res[1]) !== 2) return false;
          }
          return true;
        });
      }
    });

    after(async () => {
      for (const s of all || []) s.disconnect();
      await go?.close();
      await node?.close();
    });

    crossRuntimeTests(() => ({ g, n, all }), {
      specific: () => {
        if (!sharded) {
          it("allRooms sees the rooms of both runtimes", async () => {
            for (const asker of [g[0], n[0]]) {
              const rooms = await call(asker, "all-rooms");
              for (const r of ["a", "b", g[2].id, n[2].id]) assert.ok(rooms.includes(r), `${r} missing`);
            }
          });

          it("the Node emitter reaches Go and Node clients", async () => {
            const emitter = new Emitter(node.pub, { key });
            emitter.to("b").emit("from-node-emitter", { y: 1 });
            emitter.except("a").emit("node-emitter-not-a");
            emitter.serverSideEmit("note", "from-node-emitter");
            await waitEvents([g[1], n[1]], "from-node-emitter");
            await waitEvents([g[2], n[2]], "node-emitter-not-a");
            await eventually(() => received(g[0], "note-received").some((r) => r.args[0].data === "from-node-emitter"));
            await eventually(() => received(n[0], "note-received").some((r) => r.args[0].data === "from-node-emitter"));
            emitter.in("b").socketsJoin("ne");
            await eventually(async () => (await call(g[0], "fetch", { rooms: ["ne"] })).length === 2);
            await sleep(100);
            for (const s of [g[0], n[0]]) assert.equal(count(s, "from-node-emitter"), 0);
          });
        }
      },
    });
  });
}

clusterSuite("classic adapter");
clusterSuite("sharded adapter, dynamic mode", { sharded: true, mode: "dynamic" });
clusterSuite("sharded adapter, static mode", { sharded: true, mode: "static" });
clusterSuite("sharded adapter, dynamic-private mode", { sharded: true, mode: "dynamic-private" });

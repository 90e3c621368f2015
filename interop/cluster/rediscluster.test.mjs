// The cross-runtime suite on a Redis Cluster (three masters, the one
// scripts/ensure-redis-cluster.sh starts): a Node.js socket.io 4.8 server
// whose adapter's node-redis client is a cluster client, and the Go
// clusternode on a go-redis ClusterClient (-redis-cluster), for the Redis
// Streams adapter (requests over classic and sharded Pub/Sub) and the
// sharded Pub/Sub adapter. On a cluster, servers are counted on every
// master (a classic SUBSCRIBE is known only to the node it went to), and
// the stream, its channels and the requests' channels hash to different
// slots. Run with ./run.sh.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import {
  REDIS_URL, uniqueKey, startNodeServer, startGoServer, call, eventually, createClusterClient,
} from "./helpers.mjs";
import { connectBothSides, crossRuntimeTests, orderTest } from "./crossruntime.mjs";

function clusterSuite(title, { adapter, sharded = false }) {
  // A PUBLISH has no key: node-redis 4 sends them to the cluster's nodes in
  // turn (go-redis to random ones), and a cluster keeps the order of
  // messages per node only, so Node's classic Pub/Sub adapter reorders one
  // server's broadcasts on a cluster. gosio sends all of a namespace's
  // messages through the master of one slot, so its order holds. Sharded
  // Pub/Sub and the stream keep both runtimes' order.
  const nodeOrdered = adapter !== "redis" || sharded;
  describe(title, () => {
    let key, node, go, g, n, all;

    before(async () => {
      key = uniqueKey(`rc-${adapter}${sharded ? "-sharded" : ""}`);
      node = await startNodeServer({ key, adapter, sharded, cluster: true });
      go = await startGoServer({ key, adapter, sharded, cluster: true });
      ({ g, n, all } = await connectBothSides(go, node));
      await eventually(async () => (await call(g[0], "server-count")) === 2 && (await call(n[0], "server-count")) === 2);
    });

    after(async () => {
      for (const s of all || []) s.disconnect();
      await go?.close();
      await node?.close();
      if (adapter === "streams") {
        const c = createClusterClient();
        await c.connect();
        await c.del(key);
        await c.quit();
      }
    });

    crossRuntimeTests(() => ({ g, n, all }), {
      specific: () => {
        orderTest(() => ({ g, n, all }), { nodeOrdered });
        if (adapter === "streams") {
          it("the stream is on the cluster, with both servers' entries, and not on the single Redis", async () => {
            const c = createClusterClient();
            const single = createClient({ url: REDIS_URL });
            await Promise.all([c.connect(), single.connect()]);
            try {
              const data = (await c.xRange(key, "-", "+")).map((e) => e.message.data);
              assert.equal(data.filter((d) => d.includes('"seq-go"')).length, 20);
              assert.equal(data.filter((d) => d.includes('"seq-node"')).length, 20);
              assert.equal(await single.exists(key), 0);
            } finally {
              await Promise.allSettled([c.quit(), single.quit()]);
            }
          });
        }
      },
    });
  });
}

describe("Redis Cluster", () => {
  clusterSuite("Streams, requests over classic Pub/Sub", { adapter: "streams" });
  clusterSuite("Streams, requests over sharded Pub/Sub", { adapter: "streams", sharded: true });
  clusterSuite("sharded Pub/Sub adapter", { adapter: "redis", sharded: true });
  clusterSuite("classic Pub/Sub adapter", { adapter: "redis" });
});

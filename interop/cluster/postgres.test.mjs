// Cross-runtime cluster suite on PostgreSQL: a Node.js socket.io 4.8 server
// with @socket.io/postgres-adapter 0.5 and the Go clusternode (gosio +
// postgresadapter, -adapter postgres) on one database, with
// socket.io-client 4.x clients on each; Node's @socket.io/postgres-emitter
// and gosio's postgresemitter. Fault tests: a server killed, and a private
// PostgreSQL (its own port and directory) restarted mid-traffic. Run with
// ./run.sh, which builds the Go binary and starts the shared PostgreSQL.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer as createNetServer } from "node:net";
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server } from "socket.io";
import pg from "pg";
import { createAdapter } from "@socket.io/postgres-adapter";
import { Emitter as NodeEmitter } from "@socket.io/postgres-emitter";
import {
  uniqueKey, setup, spawnGoServer, connectClient, call, waitEvents, count, received, sleep, eventually,
} from "./helpers.mjs";
import { connectBothSides, crossRuntimeTests } from "./crossruntime.mjs";

const PG_URL = process.env.PG_URL || "postgres://postgres@127.0.0.1:5432/test";
const TABLE = "socket_io_attachments";
// Short heartbeats on both sides, so that a killed server stops counting
// within seconds (the defaults are 5s and 10s).
const HEARTBEAT = { heartbeatInterval: 1000, heartbeatTimeout: 3000 };

async function createTable(pool) {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`);
}

function newPool(url) {
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  // node-postgres emits "error" on a client whose server went away; the
  // adapter's LISTEN client has no listener of its own, and an unhandled
  // "error" would end the process when PostgreSQL restarts.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

/** The Node server on @socket.io/postgres-adapter. */
async function startNodeServer({ key, url = PG_URL }) {
  const pool = newPool(url);
  await createTable(pool);
  const http = createServer();
  const io = new Server(http, {
    adapter: createAdapter(pool, { channelPrefix: key, errorHandler: () => {}, ...HEARTBEAT }),
  });
  setup(io);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    io,
    pool,
    port: http.address().port,
    async close() {
      io.close();
      // pool.end() waits for every client to be released: after a
      // restart, the adapter may hold one it never releases.
      await Promise.race([pool.end().catch(() => {}), sleep(3000)]);
    },
  };
}

/** The Go clusternode with -adapter postgres. */
function startGoServer({ key, url = PG_URL }) {
  return spawnGoServer(["-adapter", "postgres", "-pg", url, "-key", key], { startTimeout: 15000 });
}

const serverCount = (c) => call(c, "server-count");

/** Waits until both clients' servers count n servers. */
async function waitCount(clients, n) {
  await eventually(async () => {
    for (const c of clients) if ((await serverCount(c)) !== n) return false;
    return true;
  }, { timeout: 15000, interval: 100 });
}

describe("postgres adapter", () => {
  let key, node, go, g, n, all, pool;

  before(async () => {
    key = uniqueKey("postgres");
    pool = newPool(PG_URL);
    await createTable(pool);
    node = await startNodeServer({ key });
    go = await startGoServer({ key });
    ({ g, n, all } = await connectBothSides(go, node));
    await waitCount([g[0], n[0]], 2);
  });

  after(async () => {
    for (const s of all || []) s.disconnect();
    await go?.close();
    await node?.close();
    await pool?.end();
  });

  it("a broadcast from either side reaches every client exactly once", async () => {
    await call(n[0], "broadcast", { event: "from-node", data: { x: 1 } });
    await call(g[0], "broadcast", { event: "from-go", data: { x: 2 } });
    await waitEvents(all, "from-node");
    await waitEvents(all, "from-go");
    await sleep(200);
    for (const s of all) {
      assert.equal(count(s, "from-node"), 1, s.io.opts.query.tag);
      assert.equal(count(s, "from-go"), 1, s.io.opts.query.tag);
      assert.deepEqual(received(s, "from-node")[0].args, [{ x: 1 }]);
    }
  });

  it("binary payloads and payloads over 8,000 bytes cross runtimes (attachment table)", async () => {
    const big = "x".repeat(10000);
    await call(n[0], "broadcast", { event: "node-bin", data: { bin: Buffer.from([1, 2, 255]) } });
    await call(g[0], "broadcast", { event: "go-bin", data: { bin: Buffer.from([3, 4, 0]) } });
    await call(n[0], "broadcast", { event: "node-big", data: big });
    await call(g[0], "broadcast", { event: "go-big", data: big });
    for (const ev of ["node-bin", "go-bin", "node-big", "go-big"]) await waitEvents(all, ev);
    for (const s of all) {
      assert.deepEqual([...received(s, "node-bin")[0].args[0].bin], [1, 2, 255]);
      assert.deepEqual([...received(s, "go-bin")[0].args[0].bin], [3, 4, 0]);
      assert.equal(received(s, "node-big")[0].args[0], big);
      assert.equal(received(s, "go-big")[0].args[0], big);
    }
  });

  crossRuntimeTests(() => ({ g, n, all }), {
    broadcast: false,
    specific: () => {
      it("Node's emitter (0.1.1, no nsp in its messages) reaches the Go server; Node's adapter drops them", async () => {
        const emitter = new NodeEmitter(pool, "/", { channelPrefix: key });
        emitter.to("b").emit("from-node-emitter", { y: 1 });
        emitter.except("a").emit("node-emitter-bin", Buffer.from([5, 6]));
        emitter.emit("node-emitter-big", "y".repeat(9000));
        emitter.serverSideEmit("note", "from-node-emitter");
        await waitEvents([g[1]], "from-node-emitter");
        await waitEvents([g[2]], "node-emitter-bin");
        await waitEvents(g, "node-emitter-big");
        assert.deepEqual(received(g[1], "from-node-emitter")[0].args, [{ y: 1 }]);
        assert.deepEqual([...received(g[2], "node-emitter-bin")[0].args[0]], [5, 6]);
        await eventually(() => received(g[0], "note-received").some((r) => r.args[0].data === "from-node-emitter"));
        emitter.in("b").socketsJoin("ne");
        await eventually(async () => (await call(g[0], "fetch", { rooms: ["ne"] })).length === 1);
        await sleep(300);
        // The pinned Node adapter ignores messages without nsp (issue 17).
        for (const s of n) {
          assert.equal(count(s, "from-node-emitter") + count(s, "node-emitter-bin") + count(s, "node-emitter-big"), 0);
        }
        assert.equal(count(g[0], "from-node-emitter"), 0);
      });

      it("gosio's emitter sends binary and large payloads to Node and Go clients", async () => {
        assert.equal(await call(g[0], "emitter", { op: "emit-binary", event: "go-emitter-bin", data: "AB" }), "ok");
        assert.equal(await call(g[0], "emitter", { op: "emit", event: "go-emitter-big", data: "z".repeat(9000) }), "ok");
        await waitEvents(all, "go-emitter-bin");
        await waitEvents(all, "go-emitter-big");
        for (const s of all) {
          assert.deepEqual([...received(s, "go-emitter-bin")[0].args[0]], [65, 66]);
          assert.equal(received(s, "go-emitter-big")[0].args[0].length, 9000);
        }
      });

      it("a killed server stops counting; the survivors keep working", async () => {
        const extra = await startGoServer({ key });
        const e = await connectClient(extra.port, { tag: "e0" });
        try {
          await waitCount([g[0], n[0], e], 3);
          await extra.kill("SIGKILL"); // no goodbye: only the heartbeats tell
          await waitCount([g[0], n[0]], 2);
          assert.equal((await call(g[0], "fetch", {})).length, 6);
          assert.equal((await call(n[0], "fetch", {})).length, 6);
          assert.deepEqual(await call(g[0], "sse-ack", { event: "ping-server", data: 1 }),
            { ok: true, responses: [{ from: "node", data: 1 }] });
          await call(n[0], "broadcast", { event: "after-kill" });
          await waitEvents(all, "after-kill");
        } finally {
          e.disconnect();
          await extra.kill("SIGKILL");
        }
      });
    },
  });

  it("disconnectSockets of every socket reaches both runtimes", async () => {
    const gone = [g[2], n[2]].map((s) => new Promise((r) => s.once("disconnect", r)));
    // Everyone goes, the asker too (so no acknowledgement comes back);
    // g[2] and n[2] prove both runtimes.
    g[0].emit("disconnect-sockets", { rooms: [] }, () => {});
    assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
  });
});

// --- PostgreSQL restarted mid-traffic, on a private instance ---

function pgBin() {
  if (process.env.GOSIO_PG_BIN) return process.env.GOSIO_PG_BIN;
  const r = spawnSync("bash", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"], { encoding: "utf8" });
  return r.stdout.trim();
}

function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL cluster of this suite's own, in a temporary directory. */
async function privatePostgres() {
  const bin = pgBin();
  if (!bin) throw new Error("PostgreSQL server binaries not found (set GOSIO_PG_BIN)");
  const dir = mkdtempSync(join(tmpdir(), "gosio-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o755);
    spawnSync("chown", ["postgres:postgres", dir]);
  }
  const port = await freePort();
  const run = (name, args) => {
    const cmd = asRoot ? "runuser" : join(bin, name);
    const full = asRoot ? ["-u", "postgres", "--", join(bin, name), ...args] : args;
    const r = spawnSync(cmd, full, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stdout}${r.stderr}`);
  };
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`;
  const start = () => run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-t", "30", "-o", opts, "start"]);
  const stop = (mode = "fast") => run("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "30", "stop"]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy() {
      try { stop("immediate"); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("postgres adapter, PostgreSQL restarted mid-traffic (private instance)", () => {
  let pgi, key, node, go, g, n;

  before(async () => {
    pgi = await privatePostgres();
    key = uniqueKey("pg-restart");
    node = await startNodeServer({ key, url: pgi.url });
    go = await startGoServer({ key, url: pgi.url });
    g = await connectClient(go.port, { tag: "g" });
    n = await connectClient(node.port, { tag: "n" });
    await waitCount([g, n], 2);
  });

  after(async () => {
    g?.disconnect();
    n?.disconnect();
    await go?.close();
    await node?.close();
    pgi?.destroy();
  });

  it("both servers reconnect, LISTEN again and keep working", async () => {
    let traffic = true;
    const sender = (async () => {
      for (let i = 0; traffic; i++) {
        await Promise.allSettled([
          call(g, "broadcast", { event: "traffic", data: i }),
          call(n, "broadcast", { event: "traffic", data: i }),
        ]);
        await sleep(20); // pacing, not synchronisation
      }
    })();
    await waitEvents([g, n], "traffic", 4);
    pgi.stop("fast");
    pgi.start();
    traffic = false;
    await sender;

    // A marker sent until it arrives: each side's listener and pool are
    // back (what was sent during the outage may be lost, as with Node).
    for (const [from, to, ev] of [[g, n, "from-go"], [n, g, "from-node"]]) {
      await eventually(async () => {
        await call(from, "broadcast", { event: ev });
        await sleep(200);
        return count(to, ev) > 0;
      }, { timeout: 30000, interval: 1 });
    }
    await waitCount([g, n], 2);
    assert.deepEqual(await call(g, "sse-ack", { event: "ping-server", data: 1 }),
      { ok: true, responses: [{ from: "node", data: 1 }] });
    assert.deepEqual(await call(n, "sse-ack", { event: "ping-server", data: 2 }),
      { ok: true, responses: [{ from: "go", data: 2 }] });
    assert.equal((await call(n, "fetch", {})).length, 2);
    await call(n, "broadcast", { event: "bin-after", data: Buffer.from([7]) });
    await waitEvents([g, n], "bin-after");
    assert.deepEqual([...received(g, "bin-after")[0].args[0]], [7]);
  });
});

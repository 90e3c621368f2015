// Helpers of the cluster interop suite: a Node.js socket.io server on the
// Redis adapter that answers the same control events as the Go
// clusternode (see interop/cmd/clusternode/main.go), the Go process, and
// clients that record what they receive.
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createClient, createCluster } from "redis";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { io as ioc } from "socket.io-client";
import { instrument } from "@socket.io/admin-ui";

export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const REDIS_ADDR = new URL(REDIS_URL).host;

// The Redis Cluster scripts/ensure-redis-cluster.sh starts (make redis).
export const REDIS_CLUSTER_ADDRS = (process.env.REDIS_CLUSTER_ADDRS || "127.0.0.1:30001,127.0.0.1:30002,127.0.0.1:30003").split(",");

/** A node-redis client of the Redis Cluster at REDIS_CLUSTER_ADDRS. */
export function createClusterClient() {
  return createCluster({ rootNodes: REDIS_CLUSTER_ADDRS.map((a) => ({ url: `redis://${a}` })) });
}

export function uniqueKey(name) {
  return `gosio-interop-${name}-${process.pid}-${Date.now()}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function eventually(fn, { timeout = 5000, interval = 25 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last || new Error("condition not met in time");
    await sleep(interval);
  }
}

/**
 * Starts the Node server. Returns {io, port, close}. adapter "streams"
 * selects @socket.io/redis-streams-adapter (key names the stream and
 * prefixes the channels); redisUrl another Redis than REDIS_URL; cluster
 * the Redis Cluster at REDIS_CLUSTER_ADDRS instead.
 */
export async function startNodeServer({ key, sharded = false, mode = "dynamic", admin, adapter: kind = "redis", redisUrl = REDIS_URL, cluster = false }) {
  const pub = cluster ? createClusterClient() : createClient({ url: redisUrl });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  let adapter;
  if (kind === "streams") {
    adapter = createStreamsAdapter(pub, { streamName: key, channelPrefix: key, useShardedPubSub: sharded, blockTimeInMs: 1000 });
  } else {
    adapter = sharded
      ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: mode })
      : createAdapter(pub, sub, { key, requestsTimeout: 3000 });
  }
  const http = createServer();
  const io = new Server(http, { adapter });
  setup(io);
  // The Admin UI's server side, without authentication, as server id admin.
  if (admin) instrument(io, { auth: false, serverId: admin, mode: "development" });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    io,
    pub,
    port: http.address().port,
    async close() {
      io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

function op(io, t) {
  let o = io;
  if (t.rooms?.length) o = o.to(t.rooms);
  if (t.except?.length) o = o.except(t.except);
  return o;
}

function describeSocket(s) {
  return {
    id: s.id,
    rooms: [...s.rooms],
    data: s.data,
    query: { ...s.handshake.query },
    local: s.constructor.name === "Socket",
  };
}

export function setup(io) {
  io.on("ping-server", (data, cb) => cb({ from: "node", data }));
  io.on("note", (data) => io.local.emit("note-received", { by: "node", data }));
  io.on("connection", (s) => {
    const q = s.handshake.query;
    if (q.rooms) s.join(q.rooms.split(","));
    // Set field by field, as apps do, so that an Admin UI instrumentation's
    // data._admin stays.
    Object.assign(s.data, { runtime: "node", tag: q.tag || "" });

    s.on("set-data", (v, ack) => {
      Object.assign(s.data, v); // property by property: the Admin UI hears each
      ack("ok");
    });
    s.on("broadcast", (t, ack) => {
      op(io, t).emit(t.event, t.data);
      ack("ok");
    });
    s.on("fetch", async (t, ack) => {
      try {
        const socks = await (t.rooms?.length ? io.in(t.rooms) : io).fetchSockets();
        ack(socks.map(describeSocket));
      } catch (e) {
        ack({ error: e.message });
      }
    });
    s.on("remote", async (t, ack) => {
      const socks = await io.fetchSockets();
      const r = socks.find((x) => x.id === t.id);
      if (!r) return ack("not found");
      if (t.op === "emit") r.emit(t.event, t.data);
      else if (t.op === "join") r.join(t.room);
      else if (t.op === "leave") r.leave(t.room);
      else if (t.op === "disconnect") r.disconnect();
      ack("ok");
    });
    s.on("sockets-join", (t, ack) => {
      (t.rooms?.length ? io.in(t.rooms) : io).socketsJoin(t.room);
      ack("ok");
    });
    s.on("sockets-leave", (t, ack) => {
      (t.rooms?.length ? io.in(t.rooms) : io).socketsLeave(t.room);
      ack("ok");
    });
    s.on("disconnect-sockets", (t, ack) => {
      (t.rooms?.length ? io.in(t.rooms) : io).disconnectSockets();
      ack("ok");
    });
    s.on("sse", (t, ack) => {
      io.serverSideEmit(t.event, t.data);
      ack("ok");
    });
    s.on("sse-ack", async (t, ack) => {
      try {
        ack({ ok: true, responses: await io.serverSideEmitWithAck(t.event, t.data) });
      } catch (e) {
        ack({ ok: false, error: e.message });
      }
    });
    s.on("emit-ack", async (t, ack) => {
      try {
        ack({ ok: true, responses: await op(io, t).timeout(3000).emitWithAck(t.event, t.data) });
      } catch (e) {
        ack({ ok: false, error: e.message });
      }
    });
    // What Node code typically reads of fetched sockets: it throws if the
    // data or the headers are missing.
    s.on("fetch-probe", async (ack) => {
      try {
        const socks = await io.fetchSockets();
        ack(socks.map((x) => ({ id: x.id, x: x.data.x, host: x.handshake.headers.host, local: !!x.server })));
      } catch (e) {
        ack({ error: e.message });
      }
    });
    s.on("server-count", async (ack) => ack(await io.of("/").adapter.serverCount()));
    s.on("all-rooms", async (ack) => ack([...(await io.of("/").adapter.allRooms())]));
  });
}

/**
 * Starts the Go clusternode. Returns {port, close, kill}. adapter selects
 * clusternode's -adapter; redisUrl another Redis than REDIS_URL; cluster
 * the Redis Cluster at REDIS_CLUSTER_ADDRS instead.
 */
export async function startGoServer({ key, sharded = false, mode = "dynamic", admin, adapter, redisUrl, cluster = false, flags = [] }) {
  const args = cluster
    ? ["-redis-cluster", REDIS_CLUSTER_ADDRS.join(",")]
    : ["-redis", redisUrl ? new URL(redisUrl).host : REDIS_ADDR];
  args.push("-key", key, "-mode", mode);
  if (adapter) args.push("-adapter", adapter);
  if (sharded) args.push("-sharded");
  if (admin) args.push("-admin", admin);
  args.push(...flags);
  return spawnGoServer(args);
}

/**
 * Runs the Go clusternode with args and waits for its port. Returns
 * {port, close, kill}: close ends it with SIGTERM, kill with signal
 * (SIGKILL: no Close, no goodbye to the backend).
 */
export async function spawnGoServer(args, { startTimeout = 10000 } = {}) {
  const bin = process.env.CLUSTERNODE_BIN;
  if (!bin) throw new Error("CLUSTERNODE_BIN is not set (run ./run.sh)");
  if (process.env.CLUSTERNODE_VERBOSE) args = [...args, "-v"];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "inherit"] });
  const rl = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("clusternode did not start")), startTimeout);
    child.once("exit", (code) => reject(new Error(`clusternode exited with ${code}`)));
    rl.on("line", (line) => {
      const m = /^LISTENING (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const kill = async (signal = "SIGKILL") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await once(child, "exit");
  };
  return { port, kill, close: () => kill("SIGTERM") };
}

/** A client that records every event it receives. */
export async function connectClient(port, query = {}) {
  const socket = ioc(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    query,
    reconnection: false,
    forceNew: true,
  });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  socket.on("question", (x, cb) => cb({ tag: query.tag, x }));
  await once(socket, "connect");
  return socket;
}

export function count(socket, event) {
  return socket.received.filter((r) => r.event === event).length;
}

export function received(socket, event) {
  return socket.received.filter((r) => r.event === event);
}

/** Waits until every socket has n events named event. */
export async function waitEvents(sockets, event, n = 1) {
  await eventually(() => sockets.every((s) => count(s, event) >= n));
}

export function call(socket, event, ...args) {
  return socket.timeout(8000).emitWithAck(event, ...args);
}

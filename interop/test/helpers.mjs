// Shared helpers for the interop suites: start the Go test servers, create
// official JavaScript clients, and await events with bounded timeouts.
//
// Nothing here synchronises with sleeps: every wait is on an event (or an HTTP
// response) and is bounded by a timer that fails the test when it fires.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Socket as SocketV6 } from "engine.io-client";

const require = createRequire(import.meta.url);
/** engine.io-client 3.x (CommonJS): `eioV3(uri, opts)` returns a Socket. */
const eioV3 = require("engine.io-client-v3");

export const INTEROP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BIN_DIR = process.env.GOSIO_INTEROP_BIN || path.join(INTEROP_DIR, ".bin");
export const EIO_PATH = "/engine.io/";

/** Default bound for any single wait. */
export const DEFAULT_TIMEOUT = 5000;

/** Client lines under test. */
export const CLIENTS = [
  { name: "v6", pkg: "engine.io-client 6.x", protocol: 4, serverFlags: [] },
  { name: "v3", pkg: "engine.io-client 3.x", protocol: 3, serverFlags: ["-eio3"] },
];

/** Transport modes under test. */
export const MODES = [
  { name: "polling", transports: ["polling"], initial: "polling", final: "polling", upgrade: false },
  { name: "websocket", transports: ["websocket"], initial: "websocket", final: "websocket", upgrade: false },
  { name: "default", transports: undefined, initial: "polling", final: "websocket", upgrade: true },
];

/**
 * Starts a Go test server binary from interop/.bin and waits for its
 * "LISTENING <port>" line. The process is killed when the test ends.
 *
 * @param {import('node:test').TestContext} t
 * @param {string[]} flags
 * @param {{binary?: string, timeout?: number}} [opts]
 */
export async function startServer(t, flags = [], { binary = "eioecho", timeout = 10000 } = {}) {
  const bin = path.join(BIN_DIR, binary);
  if (!existsSync(bin)) {
    throw new Error(`test server binary ${bin} is missing: build it with 'make interop' (or go build -o ${bin} ./interop/cmd/${binary})`);
  }
  const child = spawn(bin, flags, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    stderr += d;
    if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  const srv = {
    child,
    flags,
    port: 0,
    clients: new Set(),
    get stderr() {
      return stderr;
    },
    exited,
  };

  const stop = async () => {
    // Close the clients first so that the server's graceful shutdown has no
    // live sessions to wait for.
    for (const socket of srv.clients) closeQuietly(socket);
    srv.clients.clear();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  t.after(stop);
  srv.stop = stop;

  srv.port = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${binary} ${flags.join(" ")}: no LISTENING line within ${timeout}ms; stderr:\n${stderr}`));
    }, timeout);
    const onData = (d) => {
      out += d;
      const m = /^LISTENING (\d+)\r?\n/m.exec(out);
      if (m) {
        cleanup();
        resolve(Number(m[1]));
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`${binary} ${flags.join(" ")} exited (code=${code}, signal=${signal}) before LISTENING; stderr:\n${stderr}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });
  // Keep draining stdout so the child can never block on a full pipe.
  child.stdout.resume();

  srv.base = `http://127.0.0.1:${srv.port}`;
  /** URL of the engine endpoint with the given query parameters. */
  srv.eioURL = (query = {}) => {
    const u = new URL(EIO_PATH, srv.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  };
  /** Server-side view of a session (see interop/cmd/eioecho). */
  srv.session = async (sid) => (await fetchJSON(`${srv.base}/debug/session?sid=${encodeURIComponent(sid)}`)).body;
  /** Resolves once the server's OnClose ran for sid (or after timeoutMs); returns the session state. */
  srv.waitClose = async (sid, timeoutMs = DEFAULT_TIMEOUT) =>
    (
      await fetchJSON(
        `${srv.base}/debug/wait-close?sid=${encodeURIComponent(sid)}&timeout=${timeoutMs}ms`,
        {},
        timeoutMs + 2000,
      )
    ).body;
  return srv;
}

/**
 * Creates a client of the given line ("v6" or "v3") connected to srv.
 * The client is closed when the test ends.
 */
export function connect(t, kind, srv, opts = {}) {
  const uri = srv.base;
  const o = { path: EIO_PATH, ...opts };
  if (o.transports === undefined) delete o.transports;
  let socket;
  if (kind === "v6") {
    socket = new SocketV6(uri, o);
  } else if (kind === "v3") {
    socket = eioV3(uri, o);
  } else {
    throw new Error(`unknown client kind ${kind}`);
  }
  socket.on("error", () => {}); // errors are asserted through waitFor(…, "error") where relevant
  srv.clients?.add(socket);
  t.after(() => closeQuietly(socket));
  return socket;
}

function closeQuietly(socket) {
  try {
    socket.close();
  } catch {
    /* already closed */
  }
}

/**
 * Waits for `event` on an emitter (engine.io-client sockets of both lines,
 * or Node EventEmitters). Rejects after `timeout` ms, or as soon as one of the
 * `failOn` events fires first. Resolves with the event's arguments array.
 */
export function waitFor(emitter, event, { timeout = DEFAULT_TIMEOUT, failOn = [], label = "" } = {}) {
  return new Promise((resolve, reject) => {
    const handlers = [];
    const on = (ev, fn) => {
      emitter.on(ev, fn);
      handlers.push([ev, fn]);
    };
    const cleanup = () => {
      clearTimeout(timer);
      for (const [ev, fn] of handlers) off(emitter, ev, fn);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeout}ms waiting for "${event}"${label ? ` (${label})` : ""}`));
    }, timeout);
    on(event, (...args) => {
      cleanup();
      resolve(args);
    });
    for (const ev of failOn) {
      on(ev, (...args) => {
        cleanup();
        reject(new Error(`got "${ev}" (${args.map(describe).join(", ")}) while waiting for "${event}"${label ? ` (${label})` : ""}`));
      });
    }
  });
}

function off(emitter, ev, fn) {
  if (typeof emitter.off === "function") emitter.off(ev, fn);
  else emitter.removeListener(ev, fn);
}

function describe(v) {
  if (v instanceof Error) return `${v.name}: ${v.message}${v.description ? ` [${describe(v.description)}]` : ""}`;
  if (typeof v === "string") return JSON.stringify(v.length > 200 ? v.slice(0, 200) + "…" : v);
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Waits for the client's "open" event, failing on "close"/"error". */
export async function waitOpen(socket, timeout = DEFAULT_TIMEOUT) {
  await waitFor(socket, "open", { timeout, failOn: ["close", "error"], label: "handshake" });
}

/** Waits for the client's "close" event; resolves with [reason, description]. */
export function waitClose(socket, timeout = DEFAULT_TIMEOUT) {
  return waitFor(socket, "close", { timeout, label: "close" });
}

/**
 * Collects the next `n` messages on the client, failing on "close", on
 * timeout, and returning them in arrival order.
 */
export function collect(socket, n, { timeout = DEFAULT_TIMEOUT, label = "" } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeout}ms: got ${got.length}/${n} messages${label ? ` (${label})` : ""}; last: ${describe(got.at(-1))}`));
    }, timeout);
    const onMessage = (m) => {
      got.push(m);
      if (got.length === n) {
        cleanup();
        resolve(got);
      }
    };
    const onClose = (reason, desc) => {
      cleanup();
      reject(new Error(`connection closed (${describe(reason)} ${describe(desc)}) after ${got.length}/${n} messages${label ? ` (${label})` : ""}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      off(socket, "message", onMessage);
      off(socket, "close", onClose);
    };
    socket.on("message", onMessage);
    socket.on("close", onClose);
  });
}

/** Sends one message and returns the next message received. */
export async function roundTrip(socket, msg, opts) {
  const p = collect(socket, 1, opts);
  socket.send(msg);
  return (await p)[0];
}

/** Name of the client's current transport. */
export function transportName(socket) {
  return socket.transport && socket.transport.name;
}

/** Normalises a received binary message to a Buffer; throws on strings. */
export function toBuffer(data) {
  if (typeof data === "string") throw new Error(`expected binary data, got a string: ${describe(data)}`);
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`unexpected binary type ${Object.prototype.toString.call(data)}`);
}

/**
 * fetch with a bounded time. Returns {res, status, headers, text}.
 */
export async function fetchText(url, init = {}, timeout = DEFAULT_TIMEOUT) {
  const signal = AbortSignal.timeout(timeout);
  let res;
  try {
    res = await fetch(url, { ...init, signal });
    const text = await res.text();
    return { res, status: res.status, headers: res.headers, text };
  } catch (err) {
    if (err && (err.name === "TimeoutError" || err.name === "AbortError")) {
      throw new Error(`${init.method || "GET"} ${url}: no complete response within ${timeout}ms`);
    }
    throw err;
  }
}

/** Like fetchText, then parses the body as JSON (fails with the raw body otherwise). */
export async function fetchJSON(url, init = {}, timeout = DEFAULT_TIMEOUT) {
  const r = await fetchText(url, init, timeout);
  try {
    r.body = JSON.parse(r.text);
  } catch {
    throw new Error(`${init.method || "GET"} ${url}: status ${r.status}, body is not JSON: ${describe(r.text)}`);
  }
  return r;
}

/** Decodes an Engine.IO v4 polling payload (text). */
export function decodePayloadV4(text) {
  return text.split("\x1e").map((p) => {
    if (p[0] === "b") return { type: "message", binary: true, data: Buffer.from(p.slice(1), "base64") };
    return { type: PACKET_TYPES[p[0]], data: p.slice(1) };
  });
}

/** Decodes an Engine.IO v3 string polling payload ("<len>:<packet>…", len in UTF-16 code units). */
export function decodePayloadV3(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(":", i);
    if (colon < 0) throw new Error(`bad v3 payload at ${i}: ${describe(text)}`);
    const len = Number(text.slice(i, colon));
    if (!Number.isInteger(len)) throw new Error(`bad v3 payload length at ${i}: ${describe(text)}`);
    const p = text.slice(colon + 1, colon + 1 + len);
    if (p.length !== len) throw new Error(`truncated v3 payload: ${describe(text)}`);
    out.push(p[0] === "b" ? { type: PACKET_TYPES[p[1]], binary: true, data: Buffer.from(p.slice(2), "base64") } : { type: PACKET_TYPES[p[0]], data: p.slice(1) });
    i = colon + 1 + len;
  }
  return out;
}

/** Encodes packets as an Engine.IO v3 string payload. */
export function encodePayloadV3(packets) {
  return packets.map((p) => `${p.length}:${p}`).join("");
}

export const PACKET_TYPES = { 0: "open", 1: "close", 2: "ping", 3: "pong", 4: "message", 5: "upgrade", 6: "noop" };

/**
 * Performs a raw polling handshake and returns {sid, open, status, text}.
 * For EIO=4 the body is a single OPEN packet; for EIO=3 a string payload.
 */
export async function rawHandshake(srv, eio = 4, extra = {}) {
  const r = await fetchText(srv.eioURL({ EIO: eio, transport: "polling", ...extra }));
  if (r.status !== 200) throw new Error(`handshake EIO=${eio}: status ${r.status}: ${describe(r.text)}`);
  let packets;
  if (eio === 4) packets = decodePayloadV4(r.text);
  else packets = decodePayloadV3(r.text);
  const first = packets[0];
  if (!first || first.type !== "open") throw new Error(`handshake EIO=${eio}: first packet is not OPEN: ${describe(r.text)}`);
  const open = JSON.parse(first.data);
  return { sid: open.sid, open, packets, ...r };
}

/** Resolves after ms milliseconds. Only for asserting that nothing happens during a period, or pacing. */
export const delay = (ms) => sleep(ms);

/** Runs fn and fails if it has not settled within timeout ms. */
export async function within(timeout, label, promise) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeout}ms: ${label}`)), timeout);
  });
  try {
    return await Promise.race([promise, t]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes a client stop answering the server's heartbeats and disables its own
 * heartbeat timeout, so that any close that follows comes from the server.
 *  - v6 (protocol 4): the server pings; drop the client's "pong" packets.
 *  - v3 (protocol 3): the client pings; stop its ping timer.
 */
export function stopHeartbeat(kind, socket) {
  if (kind === "v6") {
    const orig = socket._sendPacket;
    if (typeof orig !== "function") throw new Error("engine.io-client v6: Socket#_sendPacket not found; update stopHeartbeat()");
    socket._sendPacket = function (type, ...rest) {
      if (type === "pong") return;
      return orig.call(this, type, ...rest);
    };
    if (typeof socket._resetPingTimeout !== "function") throw new Error("engine.io-client v6: Socket#_resetPingTimeout not found");
    socket.clearTimeoutFn(socket._pingTimeoutTimer);
    socket._resetPingTimeout = () => {};
    socket._pingTimeoutTime = Infinity;
  } else {
    if (typeof socket.setPing !== "function") throw new Error("engine.io-client v3: Socket#setPing not found; update stopHeartbeat()");
    clearTimeout(socket.pingIntervalTimer);
    clearTimeout(socket.pingTimeoutTimer);
    socket.setPing = () => {};
    socket.onHeartbeat = () => {};
    socket.off("heartbeat"); // removes the handler bound at handshake time
  }
}

// Helpers for the Socket.IO interop suites (socketio-*.test.mjs): the four
// socket.io-client lines under test, a server per suite, clients that are
// closed after each test, and bounded waits (no sleeps as synchronisation).

import { createRequire } from "node:module";
import { startServer, waitFor, DEFAULT_TIMEOUT } from "./helpers.mjs";
import { after } from "node:test";

const require = createRequire(import.meta.url);

function lib(pkg) {
  const m = require(pkg);
  const lookup = typeof m === "function" ? m : m.io || m.default;
  if (typeof lookup !== "function") throw new Error(`${pkg}: no lookup function exported`);
  return { lookup, Manager: m.Manager || lookup.Manager };
}

/** The socket.io-client lines under test. major 2 speaks Socket.IO protocol 4 over Engine.IO 3. */
export const SIO_CLIENTS = [
  { name: "v4.8", pkg: "socket.io-client", major: 4, ...lib("socket.io-client") },
  { name: "v3.1", pkg: "socket.io-client-v3", major: 3, ...lib("socket.io-client-v3") },
  { name: "v2.5", pkg: "socket.io-client-v25", major: 2, ...lib("socket.io-client-v25") },
  { name: "v2.1", pkg: "socket.io-client-v21", major: 2, ...lib("socket.io-client-v21") },
];

/** Transport modes under test. */
export const SIO_MODES = [
  { name: "polling", transports: ["polling"], final: "polling" },
  { name: "websocket", transports: ["websocket"], final: "websocket" },
  { name: "default", transports: undefined, final: "websocket" },
];

/**
 * Starts interop/.bin/siotest once for the enclosing describe (or file) and
 * kills it in the suite's `after` hook. Returns an object whose `srv` field
 * is set once the server is up (use it inside tests).
 */
export function suiteServer(flags = []) {
  const holder = { srv: null, ready: null };
  const cleanups = [];
  holder.ready = startServer({ after: (fn) => cleanups.push(fn) }, flags, { binary: "siotest" }).then((s) => {
    holder.srv = s;
    return s;
  });
  holder.ready.catch(() => {}); // reported by the tests that await it
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  return holder;
}

/**
 * Creates a client socket for namespace nsp ("/" by default) with forceNew,
 * the mode's transports and opts. The socket (and its manager) is closed
 * when the test t ends.
 */
export function sioConnect(t, client, srv, mode, nsp = "/", opts = {}) {
  const o = { forceNew: true, reconnection: false, timeout: 5000, ...opts };
  if (mode && mode.transports) o.transports = mode.transports;
  const socket = client.lookup(srv.base + (nsp === "/" ? "" : nsp), o);
  closeAfter(t, socket);
  return socket;
}

/** Closes socket and its manager when t ends. */
export function closeAfter(t, socket) {
  t.after(() => closeSocket(socket));
}

export function closeSocket(socket) {
  try {
    socket.disconnect();
  } catch {
    /* already closed */
  }
  try {
    const m = socket.io;
    if (m) {
      if (typeof m._close === "function") m._close();
      else if (typeof m.close === "function") m.close();
    }
  } catch {
    /* already closed */
  }
}

/** Failure events of a socket while waiting for its connection. */
const CONNECT_FAILURES = ["connect_error", "error", "connect_timeout", "disconnect"];

/**
 * Waits for the socket's "connect" together with the server's "hello" event.
 * Resolves with the hello payload. The "hello" listener is installed before
 * the connection can complete, so call this right after sioConnect.
 */
export async function connected(socket, { timeout = DEFAULT_TIMEOUT, label = "" } = {}) {
  const hello = waitFor(socket, "hello", { timeout, failOn: CONNECT_FAILURES, label: `hello ${label}` });
  hello.catch(() => {});
  if (!socket.connected) await waitFor(socket, "connect", { timeout, failOn: CONNECT_FAILURES, label: `connect ${label}` });
  return (await hello)[0];
}

/** Emits with an acknowledgement callback; resolves with the ack's arguments array. */
export function emitAck(socket, event, ...args) {
  let timeout = DEFAULT_TIMEOUT;
  if (args.length && args[args.length - 1] && args[args.length - 1].__timeout) timeout = args.pop().__timeout;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}" within ${timeout}ms`)), timeout);
    socket.emit(event, ...args, (...res) => {
      clearTimeout(timer);
      resolve(res);
    });
  });
}

/** The engine.io-client socket under a socket.io-client socket. */
export function engineOf(socket) {
  return socket.io && socket.io.engine;
}

/** Name of the transport the socket currently uses. */
export function transportOf(socket) {
  const e = engineOf(socket);
  return e && e.transport && e.transport.name;
}

/**
 * Waits until the socket's engine uses `name` (after an upgrade, for the
 * default mode). Resolves at once if it already does.
 */
export async function waitTransport(socket, name, timeout = DEFAULT_TIMEOUT) {
  if (transportOf(socket) === name) return;
  const e = engineOf(socket);
  await waitFor(e, "upgrade", { timeout, failOn: ["upgradeError", "close"], label: `upgrade to ${name}` });
  if (transportOf(socket) !== name) throw new Error(`transport is ${transportOf(socket)}, want ${name}`);
}

/**
 * Records every occurrence of `event` on the socket (arguments arrays) into
 * an array; `.next(n)` waits until n have arrived.
 */
export function recorder(socket, event) {
  const got = [];
  const waiters = [];
  socket.on(event, (...args) => {
    got.push(args);
    for (const w of waiters.slice()) w();
  });
  got.until = (n, { timeout = DEFAULT_TIMEOUT, label = event } = {}) =>
    new Promise((resolve, reject) => {
      if (got.length >= n) return resolve(got.slice(0, n));
      const check = () => {
        if (got.length >= n) {
          done();
          resolve(got.slice(0, n));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeout}ms: ${got.length}/${n} "${label}" events: ${JSON.stringify(got).slice(0, 300)}`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        const i = waiters.indexOf(check);
        if (i >= 0) waiters.splice(i, 1);
      };
      waiters.push(check);
    });
  return got;
}

/** Normalises a received binary value (Buffer, ArrayBuffer, typed array) to a Buffer. */
export function asBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new Error(`not binary: ${Object.prototype.toString.call(v)} ${JSON.stringify(v)?.slice(0, 100)}`);
}

export { waitFor, DEFAULT_TIMEOUT };

// Helpers for the protocol checks (protocol-*.test.mjs): a raw WebSocket
// whose events are queued so that none is missed between two awaits, and a
// server started once per file with the settings of the official protocol
// test suites (pingInterval 300 ms, pingTimeout 200 ms, maxPayload
// 1,000,000).
//
// Every wait is on an event or a response, bounded by a timer. The only
// pauses are the ones whose length is the behaviour under test (a client
// that stays silent for pingInterval + pingTimeout).

import { after } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import net from "node:net";
import WebSocket from "ws";
import { startServer, DEFAULT_TIMEOUT } from "./helpers.mjs";

export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;
export const MAX_PAYLOAD = 1_000_000;

/** The flags that give a test server the protocol suites' settings. */
export const SUITE_FLAGS = ["-ping-interval", `${PING_INTERVAL}ms`, "-ping-timeout", `${PING_TIMEOUT}ms`];

/**
 * Starts binary once for the enclosing file and stops it in its `after`
 * hook. Returns a holder whose `ready` resolves to the server.
 */
export function fileServer(binary, flags) {
  const cleanups = [];
  const ready = startServer({ after: (fn) => cleanups.push(fn) }, flags, { binary });
  ready.catch(() => {}); // reported by the tests that await it
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  return { ready };
}

/**
 * A raw WebSocket (the `ws` client) that queues its open, message, close
 * and error events: next(kind) returns the oldest unread one, or waits for
 * it. Closed when the test t ends.
 */
export class Wire {
  constructor(t, url, { binaryType = "nodebuffer" } = {}) {
    this.url = url;
    this.queues = { open: [], message: [], close: [], error: [] };
    this.waiters = { open: [], message: [], close: [], error: [] };
    const ws = new WebSocket(url);
    ws.binaryType = binaryType;
    this.ws = ws;
    ws.on("open", () => this.push("open", {}));
    ws.on("message", (data, isBinary) => this.push("message", isBinary ? { binary: true, data } : { binary: false, data: data.toString() }));
    ws.on("close", (code, reason) => this.push("close", { code, reason: reason.toString() }));
    ws.on("error", (err) => this.push("error", err));
    t.after(() => ws.terminate());
  }

  push(kind, ev) {
    const w = this.waiters[kind].shift();
    if (w) w(ev);
    else this.queues[kind].push(ev);
  }

  /** The next event of kind, failing after timeout ms. */
  next(kind, timeout = DEFAULT_TIMEOUT) {
    if (this.queues[kind].length) return Promise.resolve(this.queues[kind].shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters[kind].indexOf(done);
        if (i >= 0) this.waiters[kind].splice(i, 1);
        reject(new Error(`${this.url}: no "${kind}" within ${timeout}ms`));
      }, timeout);
      const done = (ev) => {
        clearTimeout(timer);
        resolve(ev);
      };
      this.waiters[kind].push(done);
    });
  }

  /** The next text message's content; fails on a binary one. */
  async text(timeout) {
    const m = await this.next("message", timeout);
    if (m.binary) throw new Error(`expected a text message, got binary ${m.data.toString("hex")}`);
    return m.data;
  }

  /** The next text message that is not a ping ("2"). */
  async textSkippingPings(timeout) {
    for (;;) {
      const t = await this.text(timeout);
      if (t !== "2") return t;
      this.send("3");
    }
  }

  /** Whether events of kind are queued, unread. */
  has(kind) {
    return this.queues[kind].length > 0;
  }

  send(data) {
    this.ws.send(data);
  }
}

/**
 * Performs a raw WebSocket handshake on a TCP socket and reports whether
 * the first read held more than the 101 response: the open packet too.
 */
export function firstReadHoldsOpenPacket(port, path) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error("no answer to the WebSocket handshake"));
    }, DEFAULT_TIMEOUT);
    s.once("data", (d) => {
      clearTimeout(timer);
      const head = d.toString("latin1");
      s.destroy();
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`not a 101: ${head.slice(0, 80)}`));
      resolve(d.length > head.indexOf("\r\n\r\n") + 4);
    });
    s.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Resolves once at least ms milliseconds of real time have passed since
 * `since` (a performance.now() reading). A timer alone may fire a
 * millisecond or so early: Node schedules it on the event loop's clock,
 * read when the loop turned, which a busy turn leaves behind.
 */
export async function sleepAtLeast(since, ms) {
  for (let left = ms; left > 0; left = since + ms - performance.now()) {
    await sleep(Math.ceil(left));
  }
}

/** The keys of the open packet's JSON, sorted. */
export const OPEN_KEYS = ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"];

// Socket.IO interop suite for the msgpack parser: socket.io-client 4.8 with
// socket.io-msgpack-parser 3.0.2 (notepack.io) against interop/cmd/siotest
// -parser msgpack, over polling, WebSocket and the upgrade. Every value type
// goes through and comes back in its own form; acks both ways carry binary;
// namespaces and connect_error with data work; typed Go listeners decode
// the values; a client using the JSON parser is closed, others are not.
// notepack.io's browser build (ArrayBuffers as bin) is run in Node with the
// same wire forms a browser has.
// The frames gosio sends are compared byte for byte with those of Node's
// socket.io 4.8 server with the same parser, for the same events.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import {
  SIO_CLIENTS,
  SIO_MODES,
  suiteServer,
  sioConnect,
  connected,
  emitAck,
  waitTransport,
  waitFor,
  recorder,
  closeAfter,
} from "./sio-helpers.mjs";

const require = createRequire(import.meta.url);
const msgpackParser = require("socket.io-msgpack-parser");
const { Server: NodeServer } = require("socket.io");

const browserEncode = require("notepack.io/browser/encode.js");
const browserDecode = require("notepack.io/browser/decode.js");

const server = suiteServer(["-parser", "msgpack"]);

/**
 * A parser with the wire forms of socket.io-msgpack-parser in a browser:
 * notepack.io's browser build (which bundlers pick), which writes an
 * ArrayBuffer as bin and reads bin as an ArrayBuffer. It is handed each
 * message as a browser's engine hands it: an ArrayBuffer of its own.
 */
const browserParser = {
  protocol: 5,
  Encoder: class {
    encode(packet) {
      return [browserEncode(packet)];
    }
  },
  Decoder: class extends EventEmitter {
    add(obj) {
      const bytes = typeof obj === "string" ? Buffer.from(obj) : new Uint8Array(obj);
      this.emit("decoded", browserDecode(bytes.slice().buffer));
    }
    destroy() {}
  },
};
const client = SIO_CLIENTS.find((c) => c.name === "v4.8");

/** socket.io-msgpack-parser with its decoder recording every frame received. */
function tappedParser(frames) {
  class Decoder extends msgpackParser.Decoder {
    add(obj) {
      frames.push(Buffer.from(obj));
      super.add(obj);
    }
  }
  return { protocol: msgpackParser.protocol, Encoder: msgpackParser.Encoder, Decoder };
}

function connect(t, srv, mode, nsp = "/", opts = {}) {
  return sioConnect(t, client, srv, mode, nsp, { parser: msgpackParser, ...opts });
}

// Integers of every msgpack width and sign, as far as JavaScript numbers
// reach, and the largest doubles below 2^64 and at -2^63.
const INTEGERS = [
  0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1,
  -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1),
  2 ** 64 - 2048, -(2 ** 63),
];
// Not 1e300: notepack.io writes integral numbers of 2^64 and above as
// integers and gets them wrong (1e300 goes out as uint 64 0).
const FLOATS = [1.5, -0.25, -1e-300, 0.1 + 0.2, 2 ** 53 + 0.5 - 0.5, Infinity, -Infinity];

function allValues() {
  return [
    ...INTEGERS,
    ...FLOATS,
    "", "héllo ✓ 日本語 😀", "x".repeat(300),
    true, false, null, undefined,
    { a: 1, nested: { list: [1, "two", { three: 3 }], empty: {} }, u: undefined },
    [1, [2, [3, [4]]], []],
    Buffer.from([1, 2, 3]),
    new Uint8Array([4, 5, 6]).buffer,
    new ArrayBuffer(0),
    new Uint8Array(8).buffer, // an 8-byte ArrayBuffer is not a Date
    new Uint8Array([7]).buffer, // a 1-byte ArrayBuffer is not undefined
    new Date(1700000000123),
  ];
}

/** Checks that got is want, in the same JavaScript form. */
function assertSameForm(got, want, path = "value") {
  if (want instanceof Date) {
    assert.ok(got instanceof Date, `${path}: Date expected, got ${Object.prototype.toString.call(got)}`);
    assert.equal(got.getTime(), want.getTime(), path);
  } else if (Buffer.isBuffer(want)) {
    assert.ok(Buffer.isBuffer(got), `${path}: Buffer expected`);
    assert.deepEqual(got, want, path);
  } else if (want instanceof ArrayBuffer) {
    assert.ok(got instanceof ArrayBuffer, `${path}: ArrayBuffer expected, got ${Object.prototype.toString.call(got)}`);
    assert.deepEqual(Buffer.from(got), Buffer.from(want), path);
  } else if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path}: array expected`);
    assert.equal(got.length, want.length, `${path}.length`);
    want.forEach((w, i) => assertSameForm(got[i], w, `${path}[${i}]`));
  } else if (want !== null && typeof want === "object") {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${path} keys`);
    for (const k of Object.keys(want)) assertSameForm(got[k], want[k], `${path}.${k}`);
  } else if (Number.isNaN(want)) {
    assert.ok(Number.isNaN(got), path);
  } else {
    assert.equal(got, want, path); // undefined stays undefined, not null
  }
}

for (const mode of SIO_MODES) {
  describe(`msgpack parser, socket.io-client v4.8 over ${mode.name}`, () => {
    test("connects to namespaces, with the transport expected", async (t) => {
      const srv = await server.ready;
      for (const nsp of ["/", "/admin", "/dyn-7"]) {
        const s = connect(t, srv, mode, nsp);
        const hello = await connected(s);
        assert.equal(hello.nsp, nsp);
        assert.equal(hello.id, s.id);
        await waitTransport(s, mode.final);
        const [me] = await emitAck(s, "whoami");
        assert.equal(me.transport, mode.final);
        assert.equal(me.nsp, nsp);
      }
    });

    test("every value comes back in its own form (any listener)", async (t) => {
      const srv = await server.ready;
      const s = connect(t, srv, mode);
      await connected(s);
      await waitTransport(s, mode.final);
      const values = allValues();
      const got = await emitAck(s, "echo", ...values);
      assertSameForm(got, values, "echo");
      const raw = await emitAck(s, "raw-echo", ...values);
      assertSameForm(raw, values, "raw-echo");
    });

    test("NaN and an undefined argument survive", async (t) => {
      const srv = await server.ready;
      const s = connect(t, srv, mode);
      await connected(s);
      const got = await emitAck(s, "echo", NaN, undefined, [undefined, null]);
      assert.equal(got.length, 3);
      assert.ok(Number.isNaN(got[0]));
      assert.equal(got[1], undefined);
      assert.deepEqual(got[2], [undefined, null]);
      assert.ok(got[2].length === 2 && 0 in got[2]);
    });

    test("typed listeners decode every width and give it back", async (t) => {
      const srv = await server.ready;
      const s = connect(t, srv, mode);
      await connected(s);
      const obj = { s: "str", n: -2147483648, list: [0, 65535], m: { x: 1.5, y: 2 }, inner: { b: true }, extra: "ignored" };
      const when = new Date(1700000000123);
      const got = await emitAck(s, "typed", obj, 2 ** 64 - 2048, -(2 ** 63), 0.5, Buffer.from([9, 8]), when);
      const { extra, ...kept } = obj;
      assert.deepEqual(got[0], kept);
      assert.equal(got[1], 2 ** 64 - 2048);
      assert.equal(got[2], -(2 ** 63));
      assert.equal(got[3], 0.5);
      assert.deepEqual(got[4], Buffer.from([9, 8]));
      assert.ok(got[5] instanceof Date);
      assert.equal(got[5].getTime(), when.getTime());
    });

    test("acks both ways carry binary", async (t) => {
      const srv = await server.ready;
      const s = connect(t, srv, mode);
      await connected(s);
      const back = waitFor(s, "binary-back");
      const payload = { file: Buffer.from("héllo"), parts: [new Uint8Array([1, 2]).buffer, Buffer.alloc(70000, 7)] };
      const [acked] = await emitAck(s, "binary", payload);
      assertSameForm(acked, payload, "ack");
      assertSameForm((await back)[0], payload, "binary-back");

      // Server to client: EmitWithAck("question", ...) answered with binary.
      s.on("question", (...args) => {
        const ack = args.pop();
        ack(Buffer.from([0xff, 0]), new Uint8Array([3]).buffer, ...args);
      });
      const answer = waitFor(s, "answer");
      const [asked] = await emitAck(s, "ask", { timeoutMs: 4000, args: [Buffer.from([1]), "q"] });
      assert.equal(asked, "asked");
      const [res] = await answer;
      assert.equal(res.ok, true, JSON.stringify(res));
      assertSameForm(res.args, [Buffer.from([0xff, 0]), new Uint8Array([3]).buffer, Buffer.from([1]), "q"], "answer");
    });

    test("connect_error carries its data; an unknown namespace is refused", async (t) => {
      const srv = await server.ready;
      const s = connect(t, srv, mode, "/private", { auth: { token: "wrong" } });
      const [err] = await waitFor(s, "connect_error", { failOn: ["connect"] });
      assert.equal(err.message, "unauthorized");
      assert.deepEqual(err.data, { code: 401 });
      const ok = connect(t, srv, mode, "/private", { auth: { token: "secret" } });
      await connected(ok);
      const u = connect(t, srv, mode, "/nope");
      const [uerr] = await waitFor(u, "connect_error", { failOn: ["connect"] });
      assert.equal(uerr.message, "Invalid namespace");
    });

    test("a broadcast reaches the other clients, undecoded relays unchanged", async (t) => {
      const srv = await server.ready;
      const a = connect(t, srv, mode);
      const b = connect(t, srv, mode);
      await Promise.all([connected(a), connected(b)]);
      await emitAck(a, "join", "mp-room");
      const got = recorder(b, "relayed");
      const values = allValues();
      a.emit("raw-relay", ...values);
      const [[...args]] = await got.until(1);
      assertSameForm(args, values, "relayed");
      const ev = recorder(b, "shout");
      assert.deepEqual(await emitAck(a, "broadcast", { event: "shout", data: { n: 2 ** 40, bin: Buffer.from([5]) } }), ["ok"]);
      const [[data]] = await ev.until(1);
      assert.equal(data.n, 2 ** 40);
      assert.deepEqual(data.bin, Buffer.from([5]));
    });

    test("a client using the JSON parser is closed, others are unaffected", async (t) => {
      const srv = await server.ready;
      const good = connect(t, srv, mode);
      await connected(good);
      const bad = sioConnect(t, client, srv, mode);
      const failure = await Promise.race([
        waitFor(bad, "connect_error", { failOn: ["connect"] }).then(() => "connect_error"),
        waitFor(bad, "disconnect", { failOn: ["connect"] }).then(() => "disconnect"),
      ]);
      assert.ok(failure, "the JSON client never connects");
      assert.deepEqual(await emitAck(good, "echo", 1, "two"), [1, "two"]);
    });
  });
}

for (const mode of SIO_MODES) {
  describe(`msgpack parser, notepack.io's browser build over ${mode.name}`, () => {
    test("ArrayBuffers travel as bin and come back as ArrayBuffers", async (t) => {
      const srv = await server.ready;
      const s = sioConnect(t, client, srv, mode, "/", { parser: browserParser });
      await connected(s);
      await waitTransport(s, mode.final);
      const values = [
        new Uint8Array([1, 2, 3]).buffer, { nested: [new Uint8Array(300).fill(9).buffer] },
        2 ** 40, -5, 1.25, "é", true, null, undefined, new Date(1700000000123),
      ];
      assertSameForm(await emitAck(s, "echo", ...values), values, "echo");
      assertSameForm(await emitAck(s, "raw-echo", ...values), values, "raw-echo");
      const back = waitFor(s, "binary-back");
      const [acked] = await emitAck(s, "binary", { file: new Uint8Array([7]).buffer });
      assertSameForm(acked, { file: new Uint8Array([7]).buffer }, "binary ack");
      assertSameForm((await back)[0], { file: new Uint8Array([7]).buffer }, "binary-back");
      const got = await emitAck(s, "typed", { s: "x", n: 1, list: [], m: {}, inner: { b: false } }, 1, -1, 0.5, new Uint8Array([4]).buffer, new Date(0));
      assertSameForm(got[4], new Uint8Array([4]).buffer, "[]byte sent by Go");
    });
  });
}

// Node's socket.io 4.8 server with the same parser, answering the same
// events, for byte-for-byte comparisons.
function startNodeServer() {
  const httpServer = http.createServer();
  const io = new NodeServer(httpServer, { parser: msgpackParser });
  io.on("connection", (socket) => {
    socket.emit("hello", { id: socket.id, nsp: socket.nsp.name });
    const echo = (...args) => {
      const ack = args.pop();
      ack(...args);
    };
    socket.on("echo", echo);
    socket.on("raw-echo", echo);
    socket.on("raw-relay", (...args) => socket.broadcast.emit("relayed", ...args));
  });
  return new Promise((resolve) => {
    httpServer.listen(0, "127.0.0.1", () => {
      resolve({ io, base: `http://127.0.0.1:${httpServer.address().port}` });
    });
  });
}

describe("msgpack parser, frames compared with Node's socket.io server", () => {
  let node;
  before(async () => {
    node = await startNodeServer();
  });
  after(() => node.io.close());

  /** Runs one client session against srv and returns the frames it received after the CONNECT. */
  async function session(t, srv, run) {
    const frames = [];
    const opts = { forceNew: true, reconnection: false, transports: ["websocket"], parser: tappedParser(frames) };
    const a = client.lookup(srv.base, opts);
    const b = client.lookup(srv.base, { ...opts, parser: msgpackParser });
    closeAfter(t, a);
    closeAfter(t, b);
    await Promise.all([connected(a), connected(b)]);
    const start = frames.length;
    await run(a, b);
    return frames.slice(start);
  }

  test("ack, relay and broadcast frames are Node's bytes", async (t) => {
    const srv = await server.ready;
    // Keys sorted, so that the decoding echo (map[string]any) keeps them.
    const values = allValues().filter((v) => !(v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof ArrayBuffer) && !Buffer.isBuffer(v)));
    values.push({ a: 1, b: { c: [1, 2.5, "x"], d: Buffer.from([1]) } });
    const unsorted = { z: 1, a: { y: [1], b: new Date(5) }, m: undefined };
    const run = async (a, b) => {
      await emitAck(a, "echo", ...values);
      await emitAck(a, "raw-echo", ...values, unsorted);
      const relayed = waitFor(a, "relayed");
      b.emit("raw-relay", ...values, unsorted);
      await relayed;
    };
    const goFrames = await session(t, srv, run);
    const nodeFrames = await session(t, node, run);
    assert.equal(goFrames.length, 3);
    assert.equal(nodeFrames.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(goFrames[i].toString("hex"), nodeFrames[i].toString("hex"), `frame ${i}`);
    }
  });
});

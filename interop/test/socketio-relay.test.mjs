// Socket.IO interop suite, byte for byte with Node: a Go relay of what a
// client sent (a func(*RawEvent) listener passing its socketio.RawArg
// arguments to s.Broadcast().Emit and to the Ack) must send the frames a
// Node socket.io 4.8 server relaying the same input sends. Both servers run
// here side by side; raw WebSocket clients (the `ws` package) send exact
// bytes, which socket.io-client could not (it re-encodes with
// JSON.stringify), and capture every frame the servers send back.

import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { WebSocket } from "ws";
import { suiteServer, sioConnect, connected, closeAfter } from "./sio-helpers.mjs";
import { DEFAULT_TIMEOUT, waitFor } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const { Server: NodeServer } = require("socket.io");
const sioClient = require("socket.io-client");

const goServer = suiteServer();

// Node's side of the contract: the same relays as interop/cmd/siotest.
const nodeServer = (async () => {
  const http = createServer();
  const io = new NodeServer(http);
  io.on("connection", (socket) => {
    socket.on("relay", (...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      socket.broadcast.emit("relay", ...args);
      if (ack) ack(...args);
    });
    socket.on("relay-field", (m) => socket.broadcast.emit(m.event, m.data));
  });
  io.of("/relay-any").on("connection", (socket) => {
    socket.onAny((event, ...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      socket.broadcast.emit(event, ...args);
      if (ack) ack(...args);
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  after(() => new Promise((resolve) => io.close(() => resolve())));
  return { base: `http://127.0.0.1:${http.address().port}` };
})();

/** A Socket.IO client on a bare WebSocket: exact bytes out, every frame in. */
class RawClient {
  static async open(t, base, auth = "", nsp = "") {
    const ws = new WebSocket(`${base.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    const c = new RawClient(ws);
    t.after(() => ws.terminate());
    await c.next((f) => !f.binary && f.text.startsWith("0{")); // engine open
    ws.send("40" + (nsp ? nsp + "," : "") + auth);
    await c.next((f) => !f.binary && f.text.startsWith("40" + (nsp ? nsp + "," : "")));
    return c;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.wake = null;
    ws.on("message", (data, isBinary) => {
      const buf = Buffer.from(data);
      if (!isBinary && buf.toString() === "2") {
        ws.send("3"); // heartbeat
        return;
      }
      this.frames.push({ binary: isBinary, buf, text: isBinary ? null : buf.toString("utf8") });
      if (this.wake) this.wake();
    });
  }

  send(...frames) {
    for (const f of frames) this.ws.send(f, { binary: Buffer.isBuffer(f) });
  }

  /** The next frame matching pred; frames before it are dropped. */
  async next(pred, timeout = DEFAULT_TIMEOUT) {
    const deadline = Date.now() + timeout;
    for (;;) {
      while (this.frames.length > 0) {
        const f = this.frames.shift();
        if (pred(f)) return f;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a frame");
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * The next Socket.IO packet whose text starts with one of prefixes, with
   * its attachments: [text frame bytes, ...attachment bytes], as hex.
   */
  async packet(prefixes) {
    const f = await this.next((f) => !f.binary && prefixes.some((p) => f.text.startsWith(p)));
    const out = [f.buf.toString("hex")];
    const m = /^4[56](\d+)-/.exec(f.text);
    for (let n = m ? Number(m[1]) : 0; n > 0; n--) {
      const a = await this.next(() => true);
      assert.ok(a.binary, `attachment expected, got ${a.text}`);
      out.push(a.buf.toString("hex"));
    }
    return { text: f.text, frames: out };
  }
}

/** Waits for a socket.io-client socket to connect (Node's server sends no "hello"). */
async function open(socket) {
  if (!socket.connected) await waitFor(socket, "connect", { failOn: ["connect_error"] });
}

const RELAYED = ['42["relay"', '45'];

/**
 * Sends frames from one raw client of the server at base and returns what a
 * second client receives from the relay, and the ack the sender gets (when
 * ackPrefix is given).
 */
async function relayOn(t, base, frames, ackPrefix) {
  const receiver = await RawClient.open(t, base);
  const sender = await RawClient.open(t, base);
  sender.send(...frames);
  const relayed = await receiver.packet(RELAYED);
  const ack = ackPrefix ? await sender.packet([ackPrefix]) : null;
  return { relayed, ack };
}

/** Runs the same input through both servers and compares every byte. */
async function sameAsNode(t, frames, ackPrefix) {
  const go = await relayOn(t, (await goServer.ready).base, frames, ackPrefix);
  const node = await relayOn(t, (await nodeServer).base, frames, ackPrefix);
  assert.deepEqual(go.relayed.frames, node.relayed.frames, `relay differs:\n go:   ${go.relayed.text}\n node: ${node.relayed.text}`);
  if (ackPrefix) {
    assert.deepEqual(go.ack.frames, node.ack.frames, `ack differs:\n go:   ${go.ack.text}\n node: ${node.ack.text}`);
  }
  return node;
}

const CASES = [
  {
    name: "object key order, integer keys, a repeated key, __proto__",
    frames: ['42["relay",{"b":1,"a":2,"2":3,"1":4,"b":5,"__proto__":{"x":1},"10":[],"01":0}]'],
    node: '42["relay",{"1":4,"2":3,"10":[],"b":5,"a":2,"__proto__":{"x":1},"01":0}]',
  },
  {
    name: "number spellings and big integers",
    frames: ['42["relay",1.0,-0,1e21,12345678901234567890,0.1,1.5e-7,100.00,-1E-7,123456789012345678901234567890,9007199254740993,1e400]'],
    node: '42["relay",1,0,1e+21,12345678901234567000,0.1,1.5e-7,100,-1e-7,1.2345678901234568e+29,9007199254740992,null]',
  },
  {
    name: "unicode escapes",
    frames: ['42["relay","\\u00e9\\u00E9","\\ud83d\\ude00","\\ud800","\\u2028","\\/","\\u0000\\u001f","\\"\\\\\\b\\f\\n\\r\\t","é😀"]'],
    node: '42["relay","éé","😀","\\ud800","\u2028","/","\\u0000\\u001f","\\"\\\\\\b\\f\\n\\r\\t","é😀"]',
  },
  {
    name: "white space",
    frames: ['42["relay" , { "a" : [ 1 , 2.0 ] , "b" : { } } ]'],
    node: '42["relay",{"a":[1,2],"b":{}}]',
  },
  {
    name: "an ack carrying the arguments",
    frames: ['4217["relay",{"k":1.0,"0":12345678901234567890}]'],
    ack: "4317",
    node: '42["relay",{"0":12345678901234567000,"k":1}]',
  },
  {
    name: "a binary attachment",
    frames: ['451-["relay",{"b":{"_placeholder":true,"num":0},"a":1.0}]', Buffer.from([1, 2, 3])],
    node: '451-["relay",{"b":{"_placeholder":true,"num":0},"a":1}]',
  },
  {
    name: "binary attachments numbered out of order, with an ack",
    frames: [
      '452-9["relay",{"_placeholder":true,"num":1},{"x":[{"num":0,"_placeholder":true}],"y":-0.0},2.50]',
      Buffer.from("A"),
      Buffer.from([0xff, 0x00, 0xfe]),
    ],
    ack: "462-9",
    node: '452-["relay",{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}],"y":0},2.5]',
  },
  {
    name: "a RawArg struct field",
    frames: ['42["relay-field",{"event":"relay","data":{"z":1.0,"a":[12345678901234567890,"\\u0041"]}}]'],
    node: '42["relay",{"z":1,"a":[12345678901234567000,"A"]}]',
  },
];

describe("a Go relay sends Node's bytes (raw WebSocket clients, socket.io 4.8.3 beside gosio)", () => {
  for (const c of CASES) {
    test(c.name, async (t) => {
      const node = await sameAsNode(t, c.frames, c.ack);
      // Guards the comparison itself: Node rewrote the input as expected.
      assert.equal(node.relayed.text, c.node);
    });
  }

  test("socket.io-client 4.8 sends Buffers with an ack; both relays match and decode", async (t) => {
    const results = [];
    for (const srv of [await goServer.ready, await nodeServer]) {
      const receiver = await RawClient.open(t, srv.base);
      const decoded = sioConnect(t, { lookup: sioClient.io }, srv, { transports: ["websocket"] });
      await open(decoded);
      const got = new Promise((resolve) => decoded.on("relay", (...args) => resolve(args)));
      const sender = sioConnect(t, { lookup: sioClient.io }, srv, { transports: ["websocket"] });
      await open(sender);
      const payload = { z: Buffer.from("zz"), list: [1.5, Buffer.from([0, 1]), { n: 2 ** 60 }], s: "é" };
      const acked = await new Promise((resolve) => sender.emit("relay", payload, "tail", (...a) => resolve(a)));
      const relayed = await receiver.packet(RELAYED);
      const args = await got;
      assert.deepEqual(args[1], "tail");
      assert.deepEqual(Buffer.from(args[0].z), Buffer.from("zz"));
      assert.deepEqual(Buffer.from(args[0].list[1]), Buffer.from([0, 1]));
      assert.deepEqual(args[0].list[2], { n: 2 ** 60 });
      assert.deepEqual(Buffer.from(acked[0].z), Buffer.from("zz"));
      results.push(relayed);
      decoded.disconnect();
      sender.disconnect();
    }
    assert.deepEqual(results[0].frames, results[1].frames, `go: ${results[0].text}\nnode: ${results[1].text}`);
  });

  test("an OnAnyRaw catch-all relays events of any name and arity, acks included, as Node's onAny", async (t) => {
    const input = [
      '42/relay-any,["any name",{"b":1.0,"1":2},12345678901234567890]',
      '452-/relay-any,5["bin",{"x":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0},"\\u00e9"]',
    ];
    const runs = [];
    for (const srv of [await goServer.ready, await nodeServer]) {
      const receiver = await RawClient.open(t, srv.base, "", "/relay-any");
      const sender = await RawClient.open(t, srv.base, "", "/relay-any");
      sender.send(input[0]);
      const plain = await receiver.packet(['42/relay-any,["any name"']);
      sender.send(input[1], Buffer.from("one"), Buffer.from("two"));
      const bin = await receiver.packet(["452-/relay-any,"]);
      const ack = await sender.packet(["462-/relay-any,5"]);
      runs.push({ plain, bin, ack });
    }
    const [go, node] = runs;
    for (const k of ["plain", "bin", "ack"]) {
      assert.deepEqual(go[k].frames, node[k].frames, `${k} differs:\n go:   ${go[k].text}\n node: ${node[k].text}`);
    }
    assert.equal(node.plain.text, '42/relay-any,["any name",{"1":2,"b":1},12345678901234567000]');
  });

  test("Handshake.AuthRaw keeps the auth text as the client sent it", async (t) => {
    const srv = await goServer.ready;
    const auth = '{"z":1,"a":12345678901234567890,"f":1.0,"s":"\\u00e9"}';
    const c = await RawClient.open(t, srv.base, auth);
    c.send('421["auth-raw"]');
    const ack = await c.packet(["431"]);
    assert.equal(ack.text, "431" + JSON.stringify([auth]));

    // And from socket.io-client 4.8's auth option: its own JSON text.
    const s = sioConnect(t, { lookup: sioClient.io }, srv, { transports: ["websocket"] }, "/", { auth: { z: 1, a: "x", n: 2 ** 60 } });
    closeAfter(t, s);
    await connected(s);
    const [text] = await new Promise((resolve) => s.emit("auth-raw", (...a) => resolve(a)));
    assert.equal(text, JSON.stringify({ z: 1, a: "x", n: 2 ** 60 }));
  });
});

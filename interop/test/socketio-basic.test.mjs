// Socket.IO interop suite, basics: connecting to namespaces, auth/query,
// middleware rejection, unknown namespaces, events with many arguments,
// binary data and acknowledgements in both directions, and server-side ack
// timeouts. Every socket.io-client line (4.8, 3.1, 2.5, 2.1) runs every test
// in every transport mode, against interop/cmd/siotest.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  SIO_CLIENTS,
  SIO_MODES,
  suiteServer,
  sioConnect,
  connected,
  emitAck,
  engineOf,
  transportOf,
  waitTransport,
  waitFor,
  asBuffer,
  recorder,
} from "./sio-helpers.mjs";

const server = suiteServer();

const UNICODE = "héllo wörld ✓ 日本語 😀 𝄞 \u{1F9EA}\u200d\u{1F52C} \"quotes\" \\ \n\t";
const MANY_ARGS = [
  "a string",
  42,
  -1.5,
  0,
  true,
  false,
  null,
  { nested: { list: [1, "two", { three: 3 }], emoji: "😀" }, empty: {} },
  [1, [2, [3, [4]]], []],
  UNICODE,
  "",
];

/** The socket id a 2.x client computes for itself in namespace nsp. */
function expectedV2Id(socket, nsp) {
  const sid = engineOf(socket).id;
  return nsp === "/" ? sid : `${nsp}#${sid}`;
}

for (const client of SIO_CLIENTS) {
  const v2 = client.major === 2;
  for (const mode of SIO_MODES) {
    describe(`socket.io-client ${client.name} over ${mode.name}`, () => {
      test("connects to the main namespace", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        const hello = await connected(s);
        assert.equal(hello.nsp, "/");
        assert.equal(hello.id, s.id, "server's socket id equals the client's");
        if (v2) assert.equal(s.id, expectedV2Id(s, "/"));
        assert.equal(hello.protocol, v2 ? 4 : 5);
        await waitTransport(s, mode.final);
        const [me] = await emitAck(s, "whoami");
        assert.equal(me.id, s.id);
        assert.equal(me.nsp, "/");
        assert.equal(me.transport, mode.final, "server-side transport");
        assert.equal(me.query.EIO, v2 ? "3" : "4");
      });

      test("connects to /admin", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode, "/admin");
        const hello = await connected(s);
        assert.equal(hello.nsp, "/admin");
        assert.equal(hello.id, s.id);
        if (v2) assert.equal(s.id, expectedV2Id(s, "/admin"));
        const [me] = await emitAck(s, "whoami");
        assert.equal(me.nsp, "/admin");
        assert.equal(me.id, s.id);
      });

      if (v2) {
        test("query reaches the server (handshake query, namespace query as auth)", async (t) => {
          const srv = await server.ready;
          const root = sioConnect(t, client, srv, mode, "/", { query: { token: "abc", word: UNICODE } });
          await connected(root);
          const [me] = await emitAck(root, "whoami");
          assert.equal(me.query.token, "abc");
          assert.equal(me.query.word, UNICODE);

          const admin = sioConnect(t, client, srv, mode, "/admin", { query: { token: "xyz", n: "1" } });
          await connected(admin);
          const [me2] = await emitAck(admin, "whoami");
          assert.equal(me2.query.token, "xyz");
          assert.equal(me2.query.n, "1");
          assert.deepEqual(me2.auth, { token: "xyz", n: "1" }, "namespace query exposed as auth");
        });
      } else {
        test("auth payload and query reach the server", async (t) => {
          const srv = await server.ready;
          const auth = { token: "abc", n: 1, nested: { word: UNICODE, list: [1, 2] } };
          const s = sioConnect(t, client, srv, mode, "/", { auth, query: { q: "v", word: UNICODE } });
          await connected(s);
          const [me] = await emitAck(s, "whoami");
          assert.deepEqual(me.auth, auth);
          assert.equal(me.query.q, "v");
          assert.equal(me.query.word, UNICODE);

          const admin = sioConnect(t, client, srv, mode, "/admin", { auth: { token: "xyz" } });
          await connected(admin);
          const [me2] = await emitAck(admin, "whoami");
          assert.deepEqual(me2.auth, { token: "xyz" });
        });
      }

      test("middleware rejects /private with data, accepts the right token", async (t) => {
        const srv = await server.ready;
        const bad = sioConnect(t, client, srv, mode, "/private", v2 ? { query: { token: "wrong" } } : { auth: { token: "wrong" } });
        if (v2) {
          const [data] = await waitFor(bad, "error", { failOn: ["connect", "hello"], label: "v2 error event" });
          assert.deepEqual(data, { code: 401 });
        } else {
          const [err] = await waitFor(bad, "connect_error", { failOn: ["connect", "hello"] });
          assert.ok(err instanceof Error, "connect_error receives an Error");
          assert.equal(err.message, "unauthorized");
          assert.deepEqual(err.data, { code: 401 });
          assert.equal(bad.connected, false);
        }

        const good = sioConnect(t, client, srv, mode, "/private", v2 ? { query: { token: "secret" } } : { auth: { token: "secret" } });
        const hello = await connected(good);
        assert.equal(hello.nsp, "/private");
        const [echo] = await emitAck(good, "echo", "private ok");
        assert.equal(echo, "private ok");
      });

      test("unknown namespace is refused", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode, "/nope");
        if (v2) {
          const [data] = await waitFor(s, "error", { failOn: ["connect", "hello"] });
          assert.equal(data, "Invalid namespace");
        } else {
          const [err] = await waitFor(s, "connect_error", { failOn: ["connect", "hello"] });
          assert.equal(err.message, "Invalid namespace");
          assert.equal(s.connected, false);
        }
        // A name that looks like a dynamic namespace but does not match.
        const s2 = sioConnect(t, client, srv, mode, "/dyn-x");
        if (v2) {
          const [data] = await waitFor(s2, "error", { failOn: ["connect", "hello"] });
          assert.equal(data, "Invalid namespace");
        } else {
          const [err] = await waitFor(s2, "connect_error", { failOn: ["connect", "hello"] });
          assert.equal(err.message, "Invalid namespace");
        }
      });

      test("events with several arguments, acknowledged", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        const res = await emitAck(s, "echo", ...MANY_ARGS);
        assert.deepEqual(res, MANY_ARGS);
        assert.deepEqual(await emitAck(s, "echo"), [], "ack with no arguments");
        assert.deepEqual(await emitAck(s, "echo", UNICODE), [UNICODE]);
      });

      test("events with several arguments, server to client", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        const got = waitFor(s, "echo-event");
        s.emit("echo-event", ...MANY_ARGS);
        assert.deepEqual(await got, MANY_ARGS);
        // Many in a row arrive in order.
        const rec = recorder(s, "echo-event");
        for (let i = 0; i < 50; i++) s.emit("echo-event", i, UNICODE);
        const all = await rec.until(50);
        assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => [i, UNICODE]));
      });

      test("binary both ways, top level and nested", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));

        // Top-level Buffer.
        const back1 = waitFor(s, "binary-back");
        const [ack1] = await emitAck(s, "binary", bytes);
        assert.deepEqual(asBuffer(ack1), bytes, "ack carries the bytes");
        const [ev1] = await back1;
        assert.deepEqual(asBuffer(ev1), bytes, "event carries the bytes");

        // Buffers nested in objects and arrays, with other values around.
        const payload = {
          name: "file 😀",
          head: Buffer.from([0, 1, 2, 255]),
          list: [1, { deep: Buffer.from("deep bytes ✓") }, Buffer.from([42])],
          n: 7,
        };
        const back2 = waitFor(s, "binary-back");
        const [ack2] = await emitAck(s, "binary", payload);
        const [ev2] = await back2;
        for (const [label, got] of [
          ["ack", ack2],
          ["event", ev2],
        ]) {
          assert.equal(got.name, payload.name, label);
          assert.equal(got.n, 7, label);
          assert.deepEqual(asBuffer(got.head), payload.head, `${label} head`);
          assert.equal(got.list[0], 1, label);
          assert.deepEqual(asBuffer(got.list[1].deep), payload.list[1].deep, `${label} deep`);
          assert.deepEqual(asBuffer(got.list[2]), Buffer.from([42]), `${label} buffer in array`);
        }

        // Several binary arguments in one event, echoed through the ack.
        const res = await emitAck(s, "echo", Buffer.from([1]), "mid", Buffer.from([2, 3]));
        assert.equal(res.length, 3);
        assert.deepEqual(asBuffer(res[0]), Buffer.from([1]));
        assert.equal(res[1], "mid");
        assert.deepEqual(asBuffer(res[2]), Buffer.from([2, 3]));
      });

      test("empty Buffer round-trips as an empty binary attachment", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        const res = await emitAck(s, "echo", Buffer.alloc(0), { e: Buffer.alloc(0) }, [Buffer.from("a"), Buffer.alloc(0)]);
        assert.equal(res.length, 3);
        assert.deepEqual(asBuffer(res[0]), Buffer.alloc(0), "top-level empty Buffer");
        assert.deepEqual(asBuffer(res[1].e), Buffer.alloc(0), "nested empty Buffer");
        assert.deepEqual(asBuffer(res[2][0]), Buffer.from("a"));
        assert.deepEqual(asBuffer(res[2][1]), Buffer.alloc(0), "empty Buffer after a non-empty one");
      });

      test("server-to-client acknowledgement (with binary in the answer)", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        const questions = [];
        s.on("question", (...args) => {
          const cb = args.pop();
          questions.push(args);
          cb(...args, "extra ✓", Buffer.from([9, 8, 7]));
        });
        const answer = waitFor(s, "answer");
        const args = [1, "two", { three: [3] }, UNICODE];
        assert.deepEqual(await emitAck(s, "ask", { timeoutMs: 3000, args }), ["asked"]);
        const [a] = await answer;
        assert.equal(a.ok, true, `server got an error: ${JSON.stringify(a)}`);
        assert.deepEqual(questions, [args], "the question's arguments");
        assert.deepEqual(a.args.slice(0, 5), [...args, "extra ✓"]);
        assert.deepEqual(asBuffer(a.args[5]), Buffer.from([9, 8, 7]), "binary in the ack");
      });

      test("server-side ack timeout when the client never answers", async (t) => {
        const srv = await server.ready;
        const s = sioConnect(t, client, srv, mode);
        await connected(s);
        let asked = 0;
        s.on("question", () => {
          asked++; // never calls the callback
        });
        const answer = waitFor(s, "answer", { timeout: 5000 });
        const started = Date.now();
        await emitAck(s, "ask", { timeoutMs: 400, args: ["hello?"] });
        const [a] = await answer;
        const waited = Date.now() - started;
        assert.equal(asked, 1);
        assert.equal(a.ok, false);
        assert.equal(a.timeout, true, `error should match ErrAckTimeout: ${a.error}`);
        assert.ok(a.elapsedMs >= 390, `server gave up after ${a.elapsedMs}ms, before the 400ms timeout`);
        assert.ok(a.elapsedMs < 1500, `server gave up after ${a.elapsedMs}ms, far after the 400ms timeout`);
        assert.ok(waited < 2500, `answer took ${waited}ms`);
        // The socket is still usable afterwards.
        assert.deepEqual(await emitAck(s, "echo", "still here"), ["still here"]);
        assert.equal(transportOf(s) !== undefined, true);
      });
    });
  }
}

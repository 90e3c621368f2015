// Engine.IO interop suite: the official engine.io-client 6.x (protocol 4) and
// 3.x (protocol 3) against the gosio engineio package, through the
// interop/cmd/eioecho test server.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CLIENTS,
  MODES,
  startServer,
  connect,
  waitFor,
  waitOpen,
  waitClose,
  collect,
  roundTrip,
  transportName,
  toBuffer,
  fetchText,
  fetchJSON,
  rawHandshake,
  decodePayloadV3,
  decodePayloadV4,
  encodePayloadV3,
  stopHeartbeat,
  delay,
  within,
} from "./helpers.mjs";
import WebSocket from "ws";

const ERR_UNKNOWN_TRANSPORT = { code: 0, message: "Transport unknown" };
const ERR_UNKNOWN_SID = { code: 1, message: "Session ID unknown" };
const ERR_BAD_HANDSHAKE_METHOD = { code: 2, message: "Bad handshake method" };
const ERR_BAD_REQUEST = { code: 3, message: "Bad request" };
const ERR_UNSUPPORTED_PROTOCOL = { code: 5, message: "Unsupported protocol version" };

const DEFAULT_MODE = MODES.find((m) => m.name === "default");

/**
 * Starts a server for `client` (with its protocol flags plus `flags`),
 * connects a client in `mode` and waits for "open".
 * `upgraded` resolves on the client's "upgrade" event (upgrade modes only).
 */
async function openSession(t, client, mode, { flags = [], opts = {} } = {}) {
  const srv = await startServer(t, [...client.serverFlags, ...flags]);
  const socket = connect(t, client.name, srv, { transports: mode.transports, ...opts });
  let upgraded = null;
  if (mode.upgrade) {
    upgraded = waitFor(socket, "upgrade", { timeout: 10000, failOn: ["upgradeError", "close"], label: "transport upgrade" });
    upgraded.catch(() => {}); // observed by the tests that await it
  }
  await waitOpen(socket);
  return { srv, socket, upgraded };
}

/** Asserts an HTTP response is a 400 with the given Engine.IO error JSON. */
function assertEngineError(r, expected, what = "") {
  assert.equal(r.status, 400, `${what} status (body ${JSON.stringify(r.text)})`);
  let body;
  try {
    body = JSON.parse(r.text);
  } catch {
    assert.fail(`${what} body is not JSON: ${JSON.stringify(r.text)}`);
  }
  assert.deepEqual(body, expected, `${what} body`);
  assert.match(r.headers.get("content-type") || "", /^application\/json/, `${what} content-type`);
}

/**
 * Asserts that the server ran OnClose for sid, and that the sid is now
 * unknown to the engine (HTTP 400, code 1). Returns the server-side state.
 */
async function assertSessionGone(srv, sid, eio, { timeout = 3000 } = {}) {
  const st = await srv.waitClose(sid, timeout);
  assert.equal(st.state, "closed", `server never ran OnClose for ${sid} within ${timeout}ms: ${JSON.stringify(st)}`);
  const r = await fetchText(srv.eioURL({ EIO: eio, transport: "polling", sid }));
  assertEngineError(r, ERR_UNKNOWN_SID, `request with closed sid ${sid}`);
  return st;
}

function numbered(n) {
  return Array.from({ length: n }, (_, i) => String(i));
}

function bytes(n, seed = 0) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** Variants of client options for the binary test. */
function binaryVariants(client, mode) {
  const v = [{ name: "default", opts: {} }];
  if (client.name === "v3" && mode.name !== "default") v.push({ name: "forceBase64", opts: { forceBase64: true } });
  return v;
}

for (const client of CLIENTS) {
  describe(`engine.io-client ${client.name} (protocol ${client.protocol})`, () => {
    for (const mode of MODES) {
      describe(`transports=${mode.name}`, () => {
        test("handshake", async (t) => {
          const { srv, socket, upgraded } = await openSession(t, client, mode);
          assert.equal(typeof socket.id, "string", "socket.id");
          assert.ok(socket.id.length > 0, "socket.id non-empty");
          assert.equal(transportName(socket), mode.initial, "initial transport");
          if (mode.upgrade) {
            await upgraded;
            assert.equal(transportName(socket), "websocket", "transport after upgrade");
          }
          // A round trip after the upgrade packet guarantees the server has
          // processed it before we look at its view of the session.
          assert.equal(await roundTrip(socket, "after-handshake"), "after-handshake");
          const st = await srv.session(socket.id);
          assert.deepEqual(
            { state: st.state, protocol: st.protocol, transport: st.transport },
            { state: "open", protocol: client.protocol, transport: mode.final },
            "server view of the session",
          );
        });

        test("text echo (incl. non-ASCII, astral, large)", async (t) => {
          const { socket } = await openSession(t, client, mode);
          const msgs = [
            "hello",
            "héllo €😀",
            "😀😀😀",
            "line1\nline2\r\n",
            "12:4notalength",
            "\u2028\u2029\u0000\u0001",
            '{"json":["x",1]}',
            "ü".repeat(3000),
            "z".repeat(70000),
          ];
          const got = collect(socket, msgs.length, { label: "text echo" });
          for (const m of msgs) socket.send(m);
          const received = await got;
          for (const r of received) assert.equal(typeof r, "string", "text must arrive as text");
          assert.deepEqual(received, msgs);

          const big = await roundTrip(socket, "big:200000", { timeout: 10000 });
          assert.equal(typeof big, "string");
          assert.equal(big.length, 200000, "big:200000 length");
          assert.ok(/^x+$/.test(big), "big:200000 content");
        });

        for (const variant of binaryVariants(client, mode)) {
          test(`binary echo (${variant.name})`, async (t) => {
            const { socket } = await openSession(t, client, mode, { opts: variant.opts });
            const a = bytes(1000);
            const b = Buffer.from([0xff, 0x00, 0x01, 0x80, 0x7f]);
            const c = Buffer.alloc(0);
            const d = bytes(100000, 3);
            const got = collect(socket, 5, { label: "binary echo" });
            socket.send(a);
            socket.send("text between binaries");
            socket.send(b);
            socket.send(c);
            socket.send(d);
            const [ra, rt, rb, rc, rd] = await got;
            assert.equal(rt, "text between binaries");
            assert.ok(toBuffer(ra).equals(Buffer.from(a)), "Uint8Array(1000) echoed exactly");
            assert.ok(toBuffer(rb).equals(b), "Buffer(5) echoed exactly");
            assert.equal(toBuffer(rc).length, 0, "empty binary echoed as empty binary");
            assert.ok(toBuffer(rd).equals(Buffer.from(d)), "Uint8Array(100000) echoed exactly");
          });
        }

        test("server close ('close' message)", async (t) => {
          const { srv, socket } = await openSession(t, client, mode);
          const sid = socket.id;
          const closed = waitClose(socket);
          socket.send("close");
          const [reason] = await closed;
          assert.equal(reason, "transport close", "client close reason");
          const st = await assertSessionGone(srv, sid, client.protocol);
          assert.equal(st.reason, "forced close", "server close reason");
        });

        test("client close", async (t) => {
          const { srv, socket, upgraded } = await openSession(t, client, mode);
          if (upgraded) await upgraded;
          const sid = socket.id;
          assert.equal(await roundTrip(socket, "before close"), "before close");
          const closed = waitClose(socket);
          socket.close();
          const [reason] = await closed;
          assert.equal(reason, "forced close", "client-side reason");
          const st = await assertSessionGone(srv, sid, client.protocol);
          assert.equal(st.reason, "transport close", "server close reason");
        });

        test("oversized message closes the session (-max-buffer 1000)", async (t) => {
          const { srv, socket, upgraded } = await openSession(t, client, mode, { flags: ["-max-buffer", "1000"] });
          if (upgraded) await upgraded;
          const sid = socket.id;
          assert.equal(await roundTrip(socket, "small"), "small");
          const closed = waitClose(socket);
          socket.send("y".repeat(2000));
          const [reason, desc] = await closed;
          t.diagnostic(`client close reason: ${reason} ${desc ? String(desc.message || desc.description || desc.type || "") : ""}`);
          const st = await assertSessionGone(srv, sid, client.protocol);
          t.diagnostic(`server close reason: ${st.reason} ${st.error || ""}`);
        });

        describe("heartbeat (-ping-interval 200ms -ping-timeout 300ms)", () => {
          const flags = ["-ping-interval", "200ms", "-ping-timeout", "300ms"];
          // The event that marks one completed heartbeat on each line.
          const beat = client.name === "v6" ? "ping" : "pong";

          test("connection stays open while the client answers", async (t) => {
            const { socket } = await openSession(t, client, mode, { flags });
            let closedWith = null;
            let beats = 0;
            socket.on("close", (r) => (closedWith = r));
            socket.on(beat, () => beats++);
            await delay(1600); // asserting that nothing bad happens during this period
            assert.equal(closedWith, null, "connection closed while heartbeats were answered");
            assert.ok(beats >= 3, `expected >= 3 heartbeats in 1.6s, got ${beats}`);
            assert.equal(await roundTrip(socket, "still alive"), "still alive");
          });

          test("server closes a client that stops answering", async (t) => {
            const { srv, socket, upgraded } = await openSession(t, client, mode, { flags });
            if (upgraded) await upgraded;
            const sid = socket.id;
            await waitFor(socket, beat, { timeout: 2000, failOn: ["close"], label: "first heartbeat" });
            const closed = waitClose(socket, 4000);
            stopHeartbeat(client.name, socket);
            const t0 = Date.now();
            const [reason] = await closed;
            const elapsed = Date.now() - t0;
            assert.ok(["transport close", "transport error"].includes(reason), `client close reason ${reason}`);
            // next ping in <= 200ms, then pingTimeout 300ms, plus slack.
            assert.ok(elapsed <= 200 + 300 + 900, `server closed after ${elapsed}ms`);
            const st = await assertSessionGone(srv, sid, client.protocol);
            assert.equal(st.reason, "ping timeout", "server close reason");
          });
        });
      });
    }

    describe("upgrade under traffic", () => {
      test("1000 numbered messages sent across the upgrade are echoed in order", async (t) => {
        const { socket, upgraded } = await openSession(t, client, DEFAULT_MODE);
        const N = 1000;
        const got = collect(socket, N, { timeout: 20000, label: "echo across upgrade" });
        let upgradedAt = -1;
        socket.once("upgrade", () => (upgradedAt = sent));
        let sent = 0;
        while (sent < N) {
          socket.send(String(sent++));
          if (sent % 10 === 0) {
            if (upgradedAt < 0 && sent >= N - 100) await upgraded; // keep traffic on both sides of the upgrade
            else await delay(1); // pacing so the sends straddle the upgrade
          }
        }
        await upgraded;
        t.diagnostic(`upgrade completed after ${upgradedAt} of ${N} messages were sent`);
        const received = await got;
        assert.deepEqual(received, numbered(N));
        assert.equal(transportName(socket), "websocket");
      });

      test("burst:1000 sent at open arrives in order across the upgrade", async (t) => {
        const srv = await startServer(t, client.serverFlags);
        const socket = connect(t, client.name, srv);
        const upgraded = waitFor(socket, "upgrade", { timeout: 10000, failOn: ["upgradeError", "close"] });
        upgraded.catch(() => {});
        const got = collect(socket, 1000, { timeout: 20000, label: "burst across upgrade" });
        socket.once("open", () => socket.send("burst:1000"));
        await upgraded;
        assert.deepEqual(await got, numbered(1000));
        // and the upgraded connection still works
        assert.equal(await roundTrip(socket, "after burst"), "after burst");
        assert.equal(transportName(socket), "websocket");
      });

      test("bursts sent while upgrading arrive in order", async (t) => {
        const { socket, upgraded } = await openSession(t, client, DEFAULT_MODE);
        const N = 5;
        const got = collect(socket, N * 200, { timeout: 20000, label: "bursts across upgrade" });
        socket.send("burst:200");
        socket.once("upgrading", () => socket.send("burst:200")); // buffered by the client until upgraded
        await waitFor(socket, "message", { failOn: ["close"] });
        socket.send("burst:200");
        await upgraded;
        socket.send("burst:200");
        socket.send("burst:200");
        const received = await got;
        const expected = [];
        for (let i = 0; i < N; i++) expected.push(...numbered(200));
        assert.deepEqual(received, expected);
      });
    });

    describe("transport configuration", () => {
      test("server -transports polling: no upgrade offered, client stays on polling", async (t) => {
        // client with its default transports (polling, then websocket if offered)
        const { srv, socket } = await openSession(t, client, { ...DEFAULT_MODE, upgrade: false }, {
          flags: ["-transports", "polling"],
        });
        let upgradedEv = false;
        socket.on("upgrade", () => (upgradedEv = true));
        assert.equal(await roundTrip(socket, "x"), "x");
        assert.equal(transportName(socket), "polling");
        const st = await srv.session(socket.id);
        assert.equal(st.transport, "polling");
        const hs = await rawHandshake(srv, client.protocol);
        assert.deepEqual(hs.open.upgrades, [], "upgrades advertised");
        assert.equal(upgradedEv, false);
      });

      test("server -transports websocket: websocket-only client connects, polling is refused", async (t) => {
        const { srv, socket } = await openSession(t, client, MODES.find((m) => m.name === "websocket"), {
          flags: ["-transports", "websocket"],
        });
        assert.equal(await roundTrip(socket, "ws only"), "ws only");
        const r = await fetchText(srv.eioURL({ EIO: client.protocol, transport: "polling" }));
        assertEngineError(r, ERR_UNKNOWN_TRANSPORT, "polling on websocket-only server");
      });

      test("-compress negotiates permessage-deflate and echoes", async (t) => {
        const ws = MODES.find((m) => m.name === "websocket");
        const { socket } = await openSession(t, client, ws, { flags: ["-compress"] });
        const ext = socket.transport.ws && socket.transport.ws.extensions;
        assert.match(String(ext), /permessage-deflate/, `negotiated extensions: ${JSON.stringify(ext)}`);
        const long = "compress me ".repeat(1000);
        assert.equal(await roundTrip(socket, long), long);
        const big = await roundTrip(socket, "big:100000");
        assert.equal(big, "x".repeat(100000));
        const bin = bytes(50000);
        assert.ok(toBuffer(await roundTrip(socket, bin)).equals(Buffer.from(bin)));
      });

      test("without -compress permessage-deflate is not negotiated", async (t) => {
        const ws = MODES.find((m) => m.name === "websocket");
        const { socket } = await openSession(t, client, ws);
        const ext = socket.transport.ws && socket.transport.ws.extensions;
        assert.doesNotMatch(String(ext ?? ""), /permessage-deflate/, `negotiated extensions: ${JSON.stringify(ext)}`);
      });
    });
  });
}

describe("raw HTTP (Engine.IO protocol)", () => {
  test("unknown sid -> 400 code 1", async (t) => {
    const srv = await startServer(t, []);
    const r = await fetchText(srv.eioURL({ EIO: 4, transport: "polling", sid: "doesnotexist" }));
    assertEngineError(r, ERR_UNKNOWN_SID, "GET unknown sid");
    const p = await fetchText(srv.eioURL({ EIO: 4, transport: "polling", sid: "doesnotexist" }), { method: "POST", body: "4hi" });
    assertEngineError(p, ERR_UNKNOWN_SID, "POST unknown sid");
  });

  test("unknown transport -> 400 code 0", async (t) => {
    const srv = await startServer(t, []);
    assertEngineError(await fetchText(srv.eioURL({ EIO: 4, transport: "flashsocket" })), ERR_UNKNOWN_TRANSPORT, "transport=flashsocket");
    assertEngineError(await fetchText(srv.eioURL({ EIO: 4 })), ERR_UNKNOWN_TRANSPORT, "no transport");
  });

  test("POST without sid -> 400 code 2 Bad handshake method", async (t) => {
    const srv = await startServer(t, []);
    const r = await fetchText(srv.eioURL({ EIO: 4, transport: "polling" }), { method: "POST", body: "4hello" });
    assertEngineError(r, ERR_BAD_HANDSHAKE_METHOD, "POST handshake");
  });

  test("unsupported protocol -> 400 code 5", async (t) => {
    const srv = await startServer(t, []);
    assertEngineError(await fetchText(srv.eioURL({ EIO: 5, transport: "polling" })), ERR_UNSUPPORTED_PROTOCOL, "EIO=5");
    assertEngineError(await fetchText(srv.eioURL({ EIO: 3, transport: "polling" })), ERR_UNSUPPORTED_PROTOCOL, "EIO=3 without -eio3");
  });

  test("overlapping GET polls -> 400 code 3 and the session is closed", async (t) => {
    const srv = await startServer(t, []);
    const { sid } = await rawHandshake(srv, 4);
    const url = srv.eioURL({ EIO: 4, transport: "polling", sid });
    // Default ping interval (25s): a lone GET would hang, so both are in flight together.
    const [a, b] = await Promise.all([fetchText(url, {}, 5000), fetchText(url, {}, 5000)]);
    // Whichever GET reaches the server second is rejected; the one already
    // pending is answered with a CLOSE packet when the session closes (as the
    // Node server does), so the client's long poll does not end in an error.
    const both = `${a.status} ${JSON.stringify(a.text)} / ${b.status} ${JSON.stringify(b.text)}`;
    const errs = [a, b].filter((r) => r.status === 400);
    assert.ok(errs.length >= 1, `one GET must be rejected; got ${both}`);
    assertEngineError(errs[0], ERR_BAD_REQUEST, "overlapping GET");
    await assertSessionGone(srv, sid, 4);
    const pending = errs[0] === a ? b : a;
    assert.equal(pending.status, 200, `the pending GET must be answered 200 with a CLOSE packet; got ${both}`);
    assert.deepEqual(decodePayloadV4(pending.text).map((p) => p.type), ["close"], `pending GET payload; got ${both}`);
  });

  test("POST of more than -max-buffer bytes is rejected", async (t) => {
    const srv = await startServer(t, ["-max-buffer", "1000"]);
    const { sid, open } = await rawHandshake(srv, 4);
    assert.equal(open.maxPayload, 1000, "maxPayload in OPEN");
    const url = srv.eioURL({ EIO: 4, transport: "polling", sid });
    const ok = await fetchText(url, { method: "POST", body: "4" + "a".repeat(500) });
    assert.equal(ok.status, 200, `POST within limit: ${JSON.stringify(ok.text)}`);
    const r = await fetchText(url, { method: "POST", body: "4" + "a".repeat(1999) });
    // The Node server answers 413 (Payload Too Large).
    assert.ok(r.status >= 400 && r.status < 500, `POST over the limit must fail with a 4xx, got ${r.status} ${JSON.stringify(r.text)}`);
    t.diagnostic(`oversized POST: ${r.status} ${JSON.stringify(r.text)}; session: ${JSON.stringify(await srv.session(sid))}`);
  });

  test("v4 OPEN packet carries maxPayload and the defaults", async (t) => {
    const srv = await startServer(t, []);
    const { open, text, headers } = await rawHandshake(srv, 4);
    assert.equal(text[0], "0", "single OPEN packet");
    assert.ok(!text.includes("\x1e"), "handshake response has only the OPEN packet");
    assert.match(headers.get("content-type") || "", /^text\/plain/);
    assert.equal(typeof open.sid, "string");
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.equal(open.maxPayload, 1000000);
  });

  test("protocol 3: pings POSTed by a client that does not GET queue one empty pong", async (t) => {
    const srv = await startServer(t, ["-eio3"]);
    const { sid } = await rawHandshake(srv, 3);
    const url = srv.eioURL({ EIO: 3, transport: "polling", sid });
    // 1,000 pings, with data, in each of three POSTs: Node answers each
    // ping with an empty pong; one pending pong answers them all.
    const pings = encodePayloadV3(Array.from({ length: 1000 }, (_, i) => `2ping${i}`));
    for (let i = 0; i < 3; i++) {
      const r = await fetchText(url, { method: "POST", body: pings });
      assert.equal(r.status, 200, `POST ${i}: ${r.status} ${JSON.stringify(r.text)}`);
    }
    const g = await fetchText(url);
    assert.equal(g.status, 200);
    assert.deepEqual(decodePayloadV3(g.text), [{ type: "pong", data: "" }], `GET after the pings: ${JSON.stringify(g.text.slice(0, 80))}`);
  });

  test("protocol 3: a pong is empty but the upgrade probe's", async (t) => {
    const srv = await startServer(t, ["-eio3"]);
    const { sid } = await rawHandshake(srv, 3);
    const wsURL = srv.eioURL({ EIO: 3, transport: "websocket", sid }).replace(/^http/, "ws");
    const ws = new WebSocket(wsURL);
    t.after(() => ws.close());
    const next = () => new Promise((resolve, reject) => {
      ws.once("message", (d) => resolve(String(d)));
      ws.once("error", reject);
    });
    await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
    let reply = next();
    ws.send("2probe");
    assert.equal(await within(5000, "probe answer", reply), "3probe");
    ws.send("5");
    for (const ping of ["2hello", "2probe", "2"]) {
      reply = next();
      ws.send(ping);
      assert.equal(await within(5000, `answer to ${ping}`, reply), "3", `after the upgrade, ${ping}`);
    }
  });

  test("v3 OPEN packet has no maxPayload", async (t) => {
    const srv = await startServer(t, ["-eio3"]);
    const { open } = await rawHandshake(srv, 3);
    assert.equal(typeof open.sid, "string");
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.ok(!("maxPayload" in open), `unexpected maxPayload in v3 OPEN: ${JSON.stringify(open)}`);
    // with -eio3, v4 clients still get maxPayload
    const v4 = await rawHandshake(srv, 4);
    assert.equal(v4.open.maxPayload, 1000000);
  });

  test("v4 polling: POST batch and GET payload round trip", async (t) => {
    const srv = await startServer(t, []);
    const { sid } = await rawHandshake(srv, 4);
    const url = srv.eioURL({ EIO: 4, transport: "polling", sid });
    const post = await fetchText(url, { method: "POST", body: ["4one", "4twö😀", "bAAEC/w=="].join("\x1e") });
    assert.equal(post.status, 200);
    assert.equal(post.text, "ok");
    const got = [];
    while (got.length < 3) {
      const r = await fetchText(url);
      assert.equal(r.status, 200, r.text);
      for (const p of decodePayloadV4(r.text)) if (p.type === "message") got.push(p.binary ? [...p.data] : p.data);
    }
    assert.deepEqual(got, ["one", "twö😀", [0, 1, 2, 255]]);
  });

  test("v3 JSONP polling (j=0)", async (t) => {
    const srv = await startServer(t, ["-eio3"]);
    const unwrap = (r) => {
      assert.equal(r.status, 200, `JSONP status: ${JSON.stringify(r.text)}`);
      // engine.io 3.x served text/javascript, 4+ text/plain
      assert.match(r.headers.get("content-type") || "", /^text\/(javascript|plain)/, "JSONP content-type");
      const m = /^___eio\[0\]\(("(?:[^"\\]|\\.)*")\);$/s.exec(r.text);
      assert.ok(m, `not a JSONP callback: ${JSON.stringify(r.text)}`);
      return decodePayloadV3(JSON.parse(m[1]));
    };
    const hs = unwrap(await fetchText(srv.eioURL({ EIO: 3, transport: "polling", j: 0 })));
    assert.equal(hs[0].type, "open");
    const open = JSON.parse(hs[0].data);
    const url = srv.eioURL({ EIO: 3, transport: "polling", j: 0, sid: open.sid });
    const post = await fetchText(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "d=" + encodeURIComponent(encodePayloadV3(["4hello", "4wörld"])),
    });
    assert.equal(post.status, 200, `JSONP POST: ${JSON.stringify(post.text)}`);
    const got = [];
    while (got.length < 2) {
      for (const p of unwrap(await fetchText(url))) if (p.type === "message") got.push(p.data);
    }
    assert.deepEqual(got, ["hello", "wörld"]);
  });

  test("v3 XHR polling payload lengths count UTF-16 code units", async (t) => {
    const srv = await startServer(t, ["-eio3"]);
    const { sid } = await rawHandshake(srv, 3);
    const url = srv.eioURL({ EIO: 3, transport: "polling", sid, b64: 1 });
    const msg = "héllo €😀";
    const post = await fetchText(url, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body: encodePayloadV3(["4" + msg]) });
    assert.equal(post.status, 200, post.text);
    const got = [];
    while (got.length < 1) {
      const r = await fetchText(url);
      assert.equal(r.status, 200, r.text);
      for (const p of decodePayloadV3(r.text)) if (p.type === "message") got.push(p.data);
    }
    assert.deepEqual(got, [msg]);
  });

  describe("CORS (-cors-origin http://allowed.example)", () => {
    const flags = ["-cors-origin", "http://allowed.example,http://other.example"];

    test("preflight from an allowed origin", async (t) => {
      const srv = await startServer(t, flags);
      const r = await fetchText(srv.eioURL({ EIO: 4, transport: "polling" }), {
        method: "OPTIONS",
        headers: {
          Origin: "http://allowed.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      assert.equal(r.status, 204, `preflight status (${JSON.stringify(r.text)})`);
      assert.equal(r.headers.get("access-control-allow-origin"), "http://allowed.example");
      assert.equal(r.headers.get("access-control-allow-credentials"), "true");
      const methods = (r.headers.get("access-control-allow-methods") || "").toUpperCase();
      assert.match(methods, /\bGET\b/, `allow-methods: ${methods}`);
      assert.match(methods, /\bPOST\b/, `allow-methods: ${methods}`);
    });

    test("preflight from a disallowed origin gets no allow-origin", async (t) => {
      const srv = await startServer(t, flags);
      const r = await fetchText(srv.eioURL({ EIO: 4, transport: "polling" }), {
        method: "OPTIONS",
        headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" },
      });
      assert.equal(r.headers.get("access-control-allow-origin"), null, "no allow-origin for a disallowed origin");
    });

    test("handshake from allowed / disallowed origins", async (t) => {
      const srv = await startServer(t, flags);
      const ok = await fetchText(srv.eioURL({ EIO: 4, transport: "polling" }), { headers: { Origin: "http://other.example" } });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("access-control-allow-origin"), "http://other.example");
      assert.equal(ok.headers.get("access-control-allow-credentials"), "true");
      const bad = await fetchText(srv.eioURL({ EIO: 4, transport: "polling" }), { headers: { Origin: "http://evil.example" } });
      assert.equal(bad.headers.get("access-control-allow-origin"), null);
    });

    test("no CORS headers when CORS is off", async (t) => {
      const srv = await startServer(t, []);
      const r = await fetchText(srv.eioURL({ EIO: 4, transport: "polling" }), { headers: { Origin: "http://allowed.example" } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("access-control-allow-origin"), null);
    });
  });
});

// Socket.IO protocol 5 (over Engine.IO 4), edge by edge, as the official
// test suite (socket.io repository, docs/socket.io-protocol/v5-test-suite)
// expects of a server, with its settings: pingInterval 300 ms, pingTimeout
// 200 ms, maxPayload 1,000,000, connectTimeout 1 s. Raw HTTP (fetch) and
// raw WebSocket (ws) clients; no retries.
//
// Server: interop/cmd/siosuite (the suite's reference server: "auth" on
// connect, "message" → "message-back", "message-with-ack" → ack, namespace
// "/custom").

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { fetchText } from "./helpers.mjs";
import { fileServer, Wire, sleepAtLeast, OPEN_KEYS, PING_INTERVAL, PING_TIMEOUT, MAX_PAYLOAD } from "./protocol-helpers.mjs";

const server = fileServer("siosuite", []); // its defaults are the suite's settings

const url = (srv, query) => {
  const u = new URL("/socket.io/", srv.base);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
};
const poll = (srv, sid) => fetchText(url(srv, { EIO: 4, transport: "polling", sid }));
const push = (srv, sid, body) => fetchText(url(srv, { EIO: 4, transport: "polling", sid }), { method: "POST", body });
const wsURL = (srv, query = {}) => url(srv, { EIO: 4, transport: "websocket", ...query }).replace(/^http/, "ws");

async function handshake(srv) {
  const r = await fetchText(url(srv, { EIO: 4, transport: "polling" }));
  assert.equal(r.status, 200);
  return JSON.parse(r.text.slice(1)).sid;
}

/** A WebSocket with its Engine.IO session open. */
async function engine(t, srv) {
  const w = new Wire(t, wsURL(srv), { binaryType: "arraybuffer" });
  const open = await w.text();
  assert.equal(open[0], "0");
  return w;
}

/** A WebSocket connected to the main namespace, its "auth" event read. */
async function connected(t, srv) {
  const w = await engine(t, srv);
  w.send("40");
  assert.match(await w.text(), /^40/);
  assert.equal(await w.text(), '42["auth",{}]');
  return w;
}

/** The next n messages that are not pings (answered), in order. */
async function packets(w, n) {
  const out = [];
  while (out.length < n) {
    const m = await w.next("message");
    if (!m.binary && m.data === "2") {
      w.send("3");
      continue;
    }
    out.push(m.binary ? [...new Uint8Array(m.data)] : m.data);
  }
  return out;
}

describe("Socket.IO protocol 5: the Engine.IO layer", () => {
  it("polling handshake: 200 and an open packet with exactly the five keys and the server's settings", async () => {
    const srv = await server.ready;
    const r = await fetchText(url(srv, { EIO: 4, transport: "polling" }));
    assert.equal(r.status, 200);
    const open = JSON.parse(r.text.slice(1));
    assert.equal(r.text[0], "0");
    assert.deepEqual(Object.keys(open).sort(), OPEN_KEYS);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, PING_INTERVAL);
    assert.equal(open.pingTimeout, PING_TIMEOUT);
    assert.equal(open.maxPayload, MAX_PAYLOAD);
  });

  it("polling handshake: 400 for a bad EIO, a bad transport, a POST or a PUT", async () => {
    const srv = await server.ready;
    const base = `${srv.base}/socket.io/`;
    for (const q of ["?transport=polling", "?EIO=abc&transport=polling", "?EIO=4", "?EIO=4&transport=abc"]) {
      assert.equal((await fetchText(base + q)).status, 400, q);
    }
    for (const method of ["POST", "PUT"]) {
      assert.equal((await fetchText(base + "?EIO=4&transport=polling", { method })).status, 400, method);
    }
  });

  it("WebSocket handshake: the open packet, no upgrades; a bad EIO or transport ends in a close", async (t) => {
    const srv = await server.ready;
    const w = new Wire(t, wsURL(srv));
    const open = JSON.parse((await w.text()).slice(1));
    assert.deepEqual(Object.keys(open).sort(), OPEN_KEYS);
    assert.deepEqual(open.upgrades, []);
    const base = `${srv.base.replace(/^http/, "ws")}/socket.io/`;
    for (const q of ["?transport=websocket", "?EIO=abc&transport=websocket", "?EIO=4", "?EIO=4&transport=abc"]) {
      const bad = new Wire(t, base + q);
      await bad.next("close");
      assert.equal(bad.has("open"), false, q);
    }
  });

  // Connected first: in the suite, three pings race the 1 s connectTimeout,
  // which a loaded machine can lose with any server; protocol-eio4 checks
  // the pings' timing without it.
  it("heartbeat: pings answered keep a polling session", async () => {
    const srv = await server.ready;
    const sid = await handshake(srv);
    assert.equal((await push(srv, sid, "40")).status, 200);
    let got = "";
    while (!got.includes('42["auth",{}]')) {
      const g = await poll(srv, sid);
      assert.equal(g.status, 200);
      got += g.text + "\x1e";
    }
    assert.match(got, /^40\{"sid":/);
    for (let i = 0; i < 3; i++) {
      const g = await poll(srv, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, "2");
      assert.equal((await push(srv, sid, "3")).status, 200);
    }
  });

  it("heartbeat: pings answered keep a WebSocket session", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    for (let i = 0; i < 3; i++) {
      assert.equal(await w.text(), "2");
      w.send("3");
    }
  });

  it("heartbeat: a GET pingInterval + pingTimeout after the handshake gets 400; a silent WebSocket is closed", async (t) => {
    const srv = await server.ready;
    const w = new Wire(t, wsURL(srv));
    const runs = Array.from({ length: 6 }, async (_, i) => {
      await sleep(i * 9);
      const sid = await handshake(srv);
      await sleepAtLeast(performance.now(), PING_INTERVAL + PING_TIMEOUT);
      const g = await poll(srv, sid);
      assert.equal(g.status, 400, `session ${i}: ${g.status} ${g.text}`);
    });
    await Promise.all([...runs, w.next("close")]);
  });

  it("close: the client's close packet answers its waiting GET with a noop; the next GET gets 400", async () => {
    const srv = await server.ready;
    const sid = await handshake(srv);
    const [g, p] = await Promise.all([poll(srv, sid), push(srv, sid, "1")]);
    assert.equal(p.status, 200);
    assert.equal(g.status, 200);
    assert.equal(g.text, "6");
    assert.equal((await poll(srv, sid)).status, 400);
  });

  it("close: the client's close packet on a WebSocket closes it", async (t) => {
    const srv = await server.ready;
    const w = await engine(t, srv);
    w.send("1");
    await w.next("close");
  });

  it("upgrade: probe, upgrade; a GET right after it gets 400; a second WebSocket is accepted and closed", async (t) => {
    const srv = await server.ready;
    for (let i = 0; i < 20; i++) {
      const sid = await handshake(srv);
      const w = new Wire(t, wsURL(srv, { sid }));
      await w.next("open");
      w.send("2probe");
      assert.equal(await w.text(), "3probe");
      w.send("5");
      const g = await poll(srv, sid);
      assert.equal(g.status, 400, `run ${i}: ${g.status} ${g.text}`);
      const w2 = new Wire(t, wsURL(srv, { sid }));
      await w2.next("close");
      assert.equal(w2.has("error"), false, "an HTTP error, not a closed WebSocket");
      w.send("40");
      assert.match((await packets(w, 1))[0], /^40\{"sid":/);
      w.ws.close();
    }
  });
});

describe("Socket.IO protocol 5: connect", () => {
  for (const [name, connect, prefix, auth] of [
    ["the main namespace", "40", "40", '42["auth",{}]'],
    ["the main namespace with a payload", '40{"token":"123"}', "40", '42["auth",{"token":"123"}]'],
    ["a custom namespace", "40/custom,", "40/custom,", '42/custom,["auth",{}]'],
    ["a custom namespace with a payload", '40/custom,{"token":"abc"}', "40/custom,", '42/custom,["auth",{"token":"abc"}]'],
  ]) {
    it(`${name}: CONNECT answered with exactly {sid}, then the auth event`, async (t) => {
      const srv = await server.ready;
      const w = await engine(t, srv);
      w.send(connect);
      const ok = await w.text();
      assert.ok(ok.startsWith(prefix), ok);
      const body = JSON.parse(ok.slice(prefix.length));
      assert.deepEqual(Object.keys(body), ["sid"]);
      assert.equal(typeof body.sid, "string");
      assert.equal(await w.text(), auth);
    });
  }

  it("an unknown namespace is refused with CONNECT_ERROR 'Invalid namespace'", async (t) => {
    const srv = await server.ready;
    const w = await engine(t, srv);
    w.send("40/random");
    assert.equal(await w.text(), '44/random,{"message":"Invalid namespace"}');
  });

  it("a malformed first packet closes the connection", async (t) => {
    const srv = await server.ready;
    const w = await engine(t, srv);
    w.send("4abc");
    await w.next("close");
  });

  it("no CONNECT within connectTimeout closes the connection", async (t) => {
    const srv = await server.ready;
    const w = new Wire(t, wsURL(srv));
    // Pings answered, so that only the missing CONNECT can end it.
    w.ws.on("message", (d, binary) => {
      if (!binary && d.toString() === "2") w.send("3");
    });
    const started = performance.now();
    await w.next("close", 3000);
    assert.ok(performance.now() - started >= 1000 - 1, "closed before connectTimeout");
  });
});

describe("Socket.IO protocol 5: disconnect", () => {
  it("DISCONNECT from the main namespace: nothing answers it, the next packet is a ping", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    w.send("41");
    assert.equal(await w.text(), "2");
  });

  it("connect then disconnect a custom namespace; the main one goes on", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    w.send("40/custom");
    assert.match((await packets(w, 1))[0], /^40\/custom,/);
    assert.equal((await packets(w, 1))[0], '42/custom,["auth",{}]');
    w.send("41/custom");
    w.send('42["message","message to main namespace"]');
    assert.equal((await packets(w, 1))[0], '42["message-back","message to main namespace"]');
  });
});

describe("Socket.IO protocol 5: messages", () => {
  it("an event is emitted back with its arguments", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    w.send('42["message",1,"2",{"3":[true]}]');
    assert.equal((await packets(w, 1))[0], '42["message-back",1,"2",{"3":[true]}]');
  });

  it("an event with binary attachments comes back with them, in order", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    w.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    w.send(Uint8Array.from([1, 2, 3]));
    w.send(Uint8Array.from([4, 5, 6]));
    assert.deepEqual(await packets(w, 3), [
      '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("an event with an ack id is acknowledged with its arguments", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    w.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal((await packets(w, 1))[0], '43456[1,"2",{"3":[false]}]');
  });

  it("an event with binary attachments and an ack id gets a binary ack", async (t) => {
    const srv = await server.ready;
    const w = await connected(t, srv);
    w.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    w.send(Uint8Array.from([1, 2, 3]));
    w.send(Uint8Array.from([4, 5, 6]));
    assert.deepEqual(await packets(w, 3), ['462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', [1, 2, 3], [4, 5, 6]]);
  });

  for (const [name, bad] of [
    ["an unknown packet type", "4abc"],
    ["a payload that is not an array", "42{}"],
    ["an ack id that is not a number", '42abc["message-with-ack",1,"2",{"3":[false]}]'],
  ]) {
    it(`${name} closes the connection`, async (t) => {
      const srv = await server.ready;
      const w = await connected(t, srv);
      w.send(bad);
      await w.next("close");
    });
  }
});

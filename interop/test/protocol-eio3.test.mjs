// Engine.IO protocol 3, edge by edge, as the official test suite (socket.io
// repository, docs/engine.io-protocol/v3-test-suite) expects of a server,
// with its settings: pingInterval 300 ms, pingTimeout 200 ms, maxPayload
// 1,000,000. Raw HTTP (fetch) and raw WebSocket (ws) clients; no retries.
//
// Server: interop/cmd/eioecho -eio3 (echoes every message).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { fetchText, rawHandshake, decodePayloadV3, DEFAULT_TIMEOUT } from "./helpers.mjs";
import {
  fileServer,
  Wire,
  firstReadHoldsOpenPacket,
  sleepAtLeast,
  PING_INTERVAL,
  PING_TIMEOUT,
  MAX_PAYLOAD,
  SUITE_FLAGS,
} from "./protocol-helpers.mjs";

const server = fileServer("eioecho", [...SUITE_FLAGS, "-max-buffer", String(MAX_PAYLOAD), "-eio3"]);

// b64=1: the text payload form ("<length>:<packet>"), which the suite's
// sessions use unless they test the binary form.
const poll = (srv, sid, query = { b64: 1 }) => fetchText(srv.eioURL({ EIO: 3, transport: "polling", sid, ...query }));
const push = (srv, sid, body) => fetchText(srv.eioURL({ EIO: 3, transport: "polling", sid }), { method: "POST", body });
const wsURL = (srv, query) => srv.eioURL({ EIO: 3, transport: "websocket", ...query }).replace(/^http/, "ws");
const handshake = async (srv, query = { b64: 1 }) => (await rawHandshake(srv, 3, query)).sid;

async function openWS(t, srv) {
  const w = new Wire(t, wsURL(srv));
  const first = await w.text();
  assert.equal(first[0], "0", `first message ${first}`);
  return { w, open: JSON.parse(first.slice(1)) };
}

async function upgraded(t, srv) {
  const sid = await handshake(srv);
  const w = new Wire(t, wsURL(srv, { sid }));
  await w.next("open");
  w.send("2probe");
  assert.equal(await w.text(), "3probe");
  w.send("5");
  return { sid, w };
}

describe("Engine.IO protocol 3: handshake", () => {
  it("polling: 200 and a payload of one open packet whose length prefix is right", async () => {
    const srv = await server.ready;
    const r = await fetchText(srv.eioURL({ EIO: 3, transport: "polling", b64: 1 }));
    assert.equal(r.status, 200);
    const colon = r.text.indexOf(":");
    const content = r.text.slice(colon + 1);
    assert.equal(r.text.slice(0, colon), String(content.length));
    assert.equal(content[0], "0");
    const open = JSON.parse(content.slice(1));
    assert.equal(typeof open.sid, "string");
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, PING_INTERVAL);
    assert.equal(open.pingTimeout, PING_TIMEOUT);
    assert.ok([undefined, MAX_PAYLOAD].includes(open.maxPayload), `maxPayload ${open.maxPayload}`);
  });

  it("polling: 400 for a missing or unknown transport and for a POST handshake", async () => {
    const srv = await server.ready;
    const base = `${srv.base}/engine.io/`;
    for (const q of ["?EIO=3", "?EIO=3&transport=abc"]) assert.equal((await fetchText(base + q)).status, 400, q);
    assert.equal((await fetchText(base + "?EIO=3&transport=polling", { method: "POST" })).status, 400);
  });

  it("WebSocket: the first message is the open packet, with no upgrades", async (t) => {
    const srv = await server.ready;
    const { open } = await openWS(t, srv);
    assert.equal(typeof open.sid, "string");
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.pingInterval, PING_INTERVAL);
    assert.equal(open.pingTimeout, PING_TIMEOUT);
  });

  it("WebSocket: a missing or unknown EIO or transport ends in a close", async (t) => {
    const srv = await server.ready;
    const base = `${srv.base.replace(/^http/, "ws")}/engine.io/`;
    for (const q of ["?transport=websocket", "?EIO=abc&transport=websocket", "?EIO=3", "?EIO=3&transport=abc"]) {
      const w = new Wire(t, base + q);
      await w.next("close");
      assert.equal(w.has("open"), false, q);
    }
  });

  it("WebSocket: a client that listens for messages only once open still gets the open packet", async (t) => {
    // The suite's pattern: await the open event, then register for the
    // next message. A packet read together with the 101 response is
    // emitted before that await returns, and lost. gosio before: 44 of 50
    // first reads held both. Node's own server misses about 1 in 4 on a
    // loaded machine; gosio must keep it rare even then.
    const srv = await server.ready;
    let missed = 0;
    for (let i = 0; i < 50; i++) {
      const ws = new WebSocket(wsURL(srv));
      t.after(() => ws.terminate());
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      const first = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), 1000);
        ws.once("message", (d) => {
          clearTimeout(timer);
          resolve(d.toString());
        });
      });
      if (first === null) missed++;
      else assert.equal(first[0], "0");
      ws.terminate();
    }
    assert.ok(missed <= 5, `${missed} of 50 missed the open packet`);
  });

  it("WebSocket: the open packet comes after the 101 response, not in the same read", async () => {
    const srv = await server.ready;
    let together = 0;
    for (let i = 0; i < 50; i++) {
      if (await firstReadHoldsOpenPacket(srv.port, "/engine.io/?EIO=3&transport=websocket")) together++;
    }
    assert.ok(together <= 10, `${together} of 50 first reads held the open packet`);
  });
});

describe("Engine.IO protocol 3: messages", () => {
  for (const [name, body] of [
    ["one text packet", "6:4hello"],
    ["several text packets", "6:4test16:4test26:4test3"],
    ["text and base64 binary packets", "6:4hello10:b4AQIDBA=="],
  ]) {
    it(`polling: a payload of ${name} is answered "ok" and echoed in one payload`, async () => {
      const srv = await server.ready;
      const sid = await handshake(srv);
      const p = await push(srv, sid, body);
      assert.equal(p.status, 200);
      assert.equal(p.text, "ok");
      const g = await poll(srv, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, body);
    });
  }

  it("polling: a client without b64 gets the binary payload form", async () => {
    const srv = await server.ready;
    const sid = await handshake(srv, {});
    assert.equal((await push(srv, sid, "6:4hello10:b4AQIDBA==")).text, "ok");
    const r = await fetch(srv.eioURL({ EIO: 3, transport: "polling", sid }), { signal: AbortSignal.timeout(DEFAULT_TIMEOUT) });
    assert.equal(r.status, 200);
    // 0 = string, length 6, 255, "4hello"; 1 = binary, length 5, 255, 4 (message), 1 2 3 4.
    assert.deepEqual([...new Uint8Array(await r.arrayBuffer())], [0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4]);
  });

  it("polling: a malformed packet ends the session: 400, then 400 for its next GET", async () => {
    const srv = await server.ready;
    const sid = await handshake(srv);
    assert.equal((await push(srv, sid, "abc")).status, 400);
    assert.equal((await poll(srv, sid)).status, 400);
    assert.equal((await srv.waitClose(sid)).reason, "parse error");
  });

  it("WebSocket: a text packet is echoed", async (t) => {
    const srv = await server.ready;
    const { w } = await openWS(t, srv);
    w.send("4hello");
    assert.equal(await w.text(), "4hello");
  });

  it("WebSocket: a binary packet (type byte 4, then the data) is echoed as binary", async (t) => {
    const srv = await server.ready;
    const { w } = await openWS(t, srv);
    w.send(Uint8Array.from([4, 1, 2, 3, 4]));
    const m = await w.next("message");
    assert.equal(m.binary, true);
    assert.deepEqual([...m.data], [4, 1, 2, 3, 4]);
  });

  it("WebSocket: a malformed packet closes the connection", async (t) => {
    const srv = await server.ready;
    const { w, open } = await openWS(t, srv);
    w.send("abc");
    await w.next("close");
    assert.equal((await srv.waitClose(open.sid)).reason, "parse error");
  });
});

describe("Engine.IO protocol 3: heartbeat", () => {
  it("polling: the client pings, the server pongs, three times over", async () => {
    const srv = await server.ready;
    const sid = await handshake(srv);
    for (let i = 0; i < 3; i++) {
      assert.equal((await push(srv, sid, "1:2")).status, 200);
      const g = await poll(srv, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, "1:3");
    }
  });

  it("polling: a POST pingInterval + pingTimeout after the handshake gets 400, every time", async () => {
    const srv = await server.ready;
    const runs = Array.from({ length: 8 }, async (_, i) => {
      await sleep(i * 7);
      const sid = await handshake(srv);
      await sleepAtLeast(performance.now(), PING_INTERVAL + PING_TIMEOUT);
      const p = await push(srv, sid, "1:2");
      assert.equal(p.status, 400, `session ${i}: ${p.status} ${p.text}`);
      assert.equal((await srv.waitClose(sid)).reason, "ping timeout");
    });
    await Promise.all(runs);
  });

  it("WebSocket: the client pings, the server pongs, three times over", async (t) => {
    const srv = await server.ready;
    const { w } = await openWS(t, srv);
    for (let i = 0; i < 3; i++) {
      w.send("2");
      assert.equal(await w.text(), "3");
    }
  });

  it("WebSocket: a client that never pings is gone pingInterval + pingTimeout after the handshake", async (t) => {
    const srv = await server.ready;
    const before = performance.now();
    const { w, open } = await openWS(t, srv);
    await sleepAtLeast(performance.now(), PING_INTERVAL + PING_TIMEOUT);
    const g = await poll(srv, open.sid);
    assert.equal(g.status, 400);
    assert.equal(JSON.parse(g.text).code, 1, g.text); // unknown, not just off polling
    await w.next("close");
    assert.ok(performance.now() - before >= PING_INTERVAL + PING_TIMEOUT - 1, "closed early");
    assert.equal((await srv.waitClose(open.sid)).reason, "ping timeout");
  });
});

describe("Engine.IO protocol 3: close", () => {
  it("polling: the client's close packet answers its waiting GET with a noop; the next GET gets 400", async () => {
    const srv = await server.ready;
    const sid = await handshake(srv);
    const [g, p] = await Promise.all([poll(srv, sid), push(srv, sid, "1:1")]);
    assert.equal(p.status, 200);
    assert.equal(g.status, 200);
    assert.deepEqual(decodePayloadV3(g.text).map((x) => x.type), ["noop"]);
    assert.equal(g.text, "1:6");
    assert.equal((await poll(srv, sid)).status, 400);
    assert.equal((await srv.waitClose(sid)).reason, "transport close");
  });

  it("WebSocket: the client's close packet closes the connection", async (t) => {
    const srv = await server.ready;
    const { w, open } = await openWS(t, srv);
    w.send("1");
    await w.next("close");
    assert.equal((await srv.waitClose(open.sid)).reason, "transport close");
  });
});

describe("Engine.IO protocol 3: upgrade", () => {
  it("probe, a noop for a GET during the probe within 100 ms, upgrade, then messages on the WebSocket", async (t) => {
    const srv = await server.ready;
    const sid = await handshake(srv);
    const w = new Wire(t, wsURL(srv, { sid }));
    await w.next("open");
    w.send("2probe");
    assert.equal(await w.text(), "3probe");
    const started = performance.now();
    const g = await poll(srv, sid);
    assert.equal(g.status, 200);
    assert.equal(g.text, "1:6");
    assert.ok(performance.now() - started < 100, "a GET during the upgrade is answered within 100 ms");
    w.send("5");
    w.send("4hello");
    assert.equal(await w.text(), "4hello");
  });

  it("a GET sent right after the upgrade packet gets 400, 100 times out of 100", async (t) => {
    const srv = await server.ready;
    for (let i = 0; i < 100; i++) {
      const { sid, w } = await upgraded(t, srv);
      const g = await poll(srv, sid);
      assert.equal(g.status, 400, `run ${i}: ${g.status} ${g.text}`);
      w.send("4hello");
      assert.equal(await w.text(), "4hello");
      w.ws.close();
    }
  });

  it("a second WebSocket for an upgraded session is accepted and closed; the first goes on", async (t) => {
    const srv = await server.ready;
    const { sid, w } = await upgraded(t, srv);
    const w2 = new Wire(t, wsURL(srv, { sid }));
    await w2.next("close");
    assert.equal(w2.has("error"), false, "an HTTP error, not a closed WebSocket");
    assert.equal(w2.has("message"), false);
    w.send("4hello");
    assert.equal(await w.text(), "4hello");
  });
});

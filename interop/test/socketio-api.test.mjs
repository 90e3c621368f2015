// Socket.IO interop suite for the server's API as an application uses it
// (issue 19): Shutdown's deadline, failures made visible, errors, typed
// request/response listeners, emit ownership and the handshake's request,
// driven by the real socket.io-client 4.8 against interop/cmd/apitest.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, fetchJSON } from "./helpers.mjs";
import { SIO_CLIENTS, SIO_MODES, sioConnect, emitAck, waitFor, recorder, asBuffer, waitTransport } from "./sio-helpers.mjs";

const client = SIO_CLIENTS.find((c) => c.name === "v4.8");

/** Starts apitest with flags for test t. */
function apiServer(t, flags = []) {
  return startServer(t, flags, { binary: "apitest" });
}

async function connect(t, srv, mode, nsp = "/", opts = {}) {
  const s = sioConnect(t, client, srv, mode, nsp, opts);
  if (!s.connected) await waitFor(s, "connect", { failOn: ["connect_error"], label: "connect" });
  return s;
}

for (const mode of SIO_MODES) {
  describe(`socket.io-client v4.8 over ${mode.name}: API`, () => {
    test("Shutdown returns by its deadline while a listener is stuck, and says how many are left", async (t) => {
      const srv = await apiServer(t);
      const s = await connect(t, srv, mode);
      const closed = waitFor(s, "disconnect", { label: "disconnect" });
      assert.deepEqual(await emitAck(s, "stuck"), ["stuck"]);
      t.after(() => fetchJSON(`${srv.base}/ctl/release`).catch(() => {}));
      const { body } = await fetchJSON(`${srv.base}/ctl/shutdown?ms=300`, {}, 8000);
      assert.ok(body.elapsedMs < 1000, `Shutdown took ${body.elapsedMs} ms with a 300 ms deadline`);
      assert.equal(body.deadline, true, `error ${body.error} does not match context.DeadlineExceeded`);
      assert.equal(body.running, 1, `error ${body.error}`);
      await closed; // the client was disconnected nonetheless
    });

    test("with no logger set, a listener's panic is logged through slog.Default()", async (t) => {
      const srv = await apiServer(t);
      const s = await connect(t, srv, mode);
      const gone = waitFor(s, "disconnect", { label: "disconnect" });
      s.emit("panic");
      await gone;
      // stderr is another pipe: it may come after the disconnection.
      await waitUntil(() => /handler panic.*listener bug/.test(srv.stderr), () => `stderr: ${srv.stderr}`, [[srv.child.stderr, "data"]]);
    });

    test("a listener whose signature cannot work stops the server where it is registered, with the reason", async (t) => {
      const srv = await apiServer(t, ["-bad-listener"]);
      const s = sioConnect(t, client, srv, mode);
      const exit = await srv.exited;
      assert.notEqual(exit.code, 0, "the server went on");
      assert.match(srv.stderr, /socketio: On\("bad"\): handler func\(string\) int may only return error/);
      void s;
    });

    test("broadcasts dropped on a full queue are counted and reported to OnDrop", async (t) => {
      const srv = await apiServer(t, ["-max-queued", "16"]);
      for (const volatile of [false, true]) {
        // A connection per round: the first round's flood may still fill
        // its queue.
        const s = await connect(t, srv, mode);
        assert.deepEqual(await emitAck(s, "flood", { n: 5000, volatile }), ["flooding"]);
        const { body: d } = await fetchJSON(`${srv.base}/ctl/flood-result`, {}, 12000);
        const [count, hooked] = volatile ? [d.volatile, d.hookVolatile] : [d.queueFull, d.hookQueueFull];
        assert.ok(count > 0, `no drop counted: ${JSON.stringify(d)}`);
        assert.equal(hooked, count, `OnDrop saw ${hooked} of ${count}`);
      }
    });

    test("an event rate limit without Burst or Policy admits a burst and drops the excess", async (t) => {
      const srv = await apiServer(t, ["-event-rate", "5"]);
      const s = await connect(t, srv, mode);
      const ticked = recorder(s, "ticked");
      const dropped = recorder(s, "dropped");
      const n = 40;
      for (let i = 0; i < n; i++) s.emit("tick");
      await waitUntil(() => ticked.length + dropped.length >= n, () => `${ticked.length} ticked, ${dropped.length} dropped`, [
        [s, "ticked"],
        [s, "dropped"],
      ]);
      assert.ok(ticked.length >= 5, `only ${ticked.length} of ${n} delivered: the zero Burst refused the burst`);
      assert.ok(dropped.length >= n - 15, `${dropped.length} of ${n} dropped: the default policy let the excess through`);
      assert.deepEqual(dropped[0], ["tick"]);
    });

    test("a wrapped ConnectError reaches the client with its message and data", async (t) => {
      const srv = await apiServer(t);
      const s = sioConnect(t, client, srv, mode, "/wrapped");
      const [err] = await waitFor(s, "connect_error", { failOn: ["connect"] });
      assert.equal(err.message, "unauthorized");
      assert.deepEqual(err.data, { code: 401 });
    });

    test("another middleware error gives the client a generic message and is logged", async (t) => {
      const srv = await apiServer(t);
      const s = sioConnect(t, client, srv, mode, "/internal");
      const [err] = await waitFor(s, "connect_error", { failOn: ["connect"] });
      assert.equal(err.message, "Internal server error");
      assert.doesNotMatch(JSON.stringify({ m: err.message, d: err.data }), /10\.1\.2\.3/);
      await waitUntil(() => /10\.1\.2\.3:5432/.test(srv.stderr), () => `stderr: ${srv.stderr}`, [[srv.child.stderr, "data"]]);
    });

    test("an ack wait ended by a cancelled context is not a timeout; one past its deadline is", async (t) => {
      const srv = await apiServer(t);
      const s = await connect(t, srv, mode);
      const [cancelled] = await emitAck(s, "ask-ended", { cancel: true });
      for (const k of ["socket", "broadcast"]) {
        assert.deepEqual(cancelled[k], { timeout: false, deadline: false, canceled: true }, k);
      }
      const [timedOut] = await emitAck(s, "ask-ended", { cancel: false });
      for (const k of ["socket", "broadcast"]) {
        assert.deepEqual(timedOut[k], { timeout: true, deadline: true, canceled: false }, k);
      }
    });

    test("the HTTP middleware's identity reaches connect middleware, and Address honours ClientIP", async (t) => {
      const srv = await apiServer(t);
      const s = await connect(t, srv, mode, "/ident", { extraHeaders: { "x-user": "ada", "x-real-ip": "203.0.113.7" } });
      const [me] = await emitAck(s, "whoami");
      assert.deepEqual(me, { user: "ada", address: "203.0.113.7" });
      const anon = sioConnect(t, client, srv, mode, "/ident");
      const [err] = await waitFor(anon, "connect_error", { failOn: ["connect"] });
      assert.equal(err.message, "no identity in the handshake's context");
    });

    test("after Emit returns the caller owns its data: later changes do not reach the client", async (t) => {
      const srv = await apiServer(t);
      const s = sioConnect(t, client, srv, mode, "/own");
      const got = ["owned", "owned-volatile", "owned-broadcast"].map((ev) => waitFor(s, ev, { label: ev }));
      for (const [m, b] of await Promise.all(got)) {
        assert.deepEqual(m, { v: "before" });
        assert.equal(asBuffer(b).toString(), "before");
      }
    });

    test("a request listener's return answers the ack, and so does every failure, in one error shape", async (t) => {
      const srv = await apiServer(t);
      const s = await connect(t, srv, mode);
      const ask = (...args) => s.timeout(3000).emitWithAck("add", ...args);
      assert.deepEqual(await ask({ a: 2, b: 3 }), { data: { sum: 5 } });
      assert.deepEqual(await ask({ a: -1, b: 3 }), {
        error: { code: "negative", message: "a must not be negative", data: { a: -1 } },
      });
      assert.deepEqual(await ask({ a: 13, b: 0 }), { error: { code: "internal", message: "Internal server error" } });
      await waitUntil(() => /10\.1\.2\.3:5432/.test(srv.stderr), () => `the detail is not logged: ${srv.stderr}`, [
        [srv.child.stderr, "data"],
      ]);
      const bad = await ask("not an object");
      assert.equal(bad.error.code, "bad_request", JSON.stringify(bad));
      assert.deepEqual(await ask({ a: 1, b: 1 }), { data: { sum: 2 } }, "the socket is still connected");
      const gone = waitFor(s, "disconnect", { label: "disconnect" });
      assert.deepEqual(await ask({ a: 666, b: 0 }), { error: { code: "internal", message: "Internal server error" } });
      await gone; // a panic still disconnects, after the answer
    });

    test("the recovery log keeps what was emitted, not what the caller changed afterwards", async (t) => {
      const srv = await apiServer(t, ["-recovery"]);
      const s = await connect(t, srv, mode, "/", { reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 });
      if (mode.final === "websocket") await waitTransport(s, "websocket");
      // The client recovers once it has an event's offset: "armed" has one.
      const armed = waitFor(s, "armed");
      assert.deepEqual(await emitAck(s, "emit-while-offline"), ["ok"]);
      await armed;
      const missed = waitFor(s, "missed", { label: "missed, replayed" });
      s.io.engine.close(); // drop the connection, as a network failure would
      const [m, b] = await missed;
      assert.equal(s.recovered, true);
      assert.deepEqual(m, { v: "before" });
      assert.equal(asBuffer(b).toString(), "before");
    });
  });
}

/**
 * Resolves once cond() holds, checked now and after each event of sources
 * ([emitter, eventName] pairs); fails after timeout ms.
 */
function waitUntil(cond, describe, sources, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!cond()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out: ${describe()}`));
    }, timeout);
    const done = () => {
      clearTimeout(timer);
      for (const [em, ev] of sources) em.off(ev, check);
    };
    for (const [em, ev] of sources) em.on(ev, check);
    check();
  });
}

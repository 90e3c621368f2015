// Socket.IO interop suite: a dynamic namespace's middleware guards every
// namespace whose name it accepts, however that namespace came to exist —
// made by a client, made by app code with io.Of (to emit to it) before any
// client joined, or made before the dynamic namespace was declared. Every
// socket.io-client line runs every test in every transport mode, against
// interop/cmd/siotest (dynamic namespaces ^/tenant-[\w-]+$, token "secret").

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { SIO_CLIENTS, SIO_MODES, suiteServer, sioConnect, connected, emitAck, waitFor } from "./sio-helpers.mjs";

const server = suiteServer();

/** Connection options carrying token, as each client line sends it. */
function withToken(v2, token) {
  return v2 ? { query: { token } } : { auth: { token } };
}

/** Asserts that a client of nsp without the right token is refused by the middleware. */
async function assertRefused(t, client, srv, mode, nsp) {
  const v2 = client.major === 2;
  const bad = sioConnect(t, client, srv, mode, nsp, withToken(v2, "wrong"));
  if (v2) {
    const [data] = await waitFor(bad, "error", { failOn: ["connect", "hello"], label: "v2 error event" });
    assert.deepEqual(data, { code: 401 });
  } else {
    const [err] = await waitFor(bad, "connect_error", { failOn: ["connect", "hello"] });
    assert.equal(err.message, "unauthorized");
    assert.deepEqual(err.data, { code: 401 });
  }
  const none = sioConnect(t, client, srv, mode, nsp);
  if (v2) {
    await waitFor(none, "error", { failOn: ["connect", "hello"], label: "v2 error event" });
  } else {
    const [err] = await waitFor(none, "connect_error", { failOn: ["connect", "hello"] });
    assert.equal(err.message, "unauthorized");
  }
}

/** Asserts that a client of nsp with the token gets in and is served by the parent's handler. */
async function assertAdmitted(t, client, srv, mode, nsp) {
  const good = sioConnect(t, client, srv, mode, nsp, withToken(client.major === 2, "secret"));
  const hello = await connected(good);
  assert.equal(hello.nsp, nsp);
  const [echo] = await emitAck(good, "echo", "tenant ok");
  assert.equal(echo, "tenant ok");
}

for (const client of SIO_CLIENTS) {
  for (const mode of SIO_MODES) {
    describe(`socket.io-client ${client.name} over ${mode.name}: dynamic namespace auth`, () => {
      test("a namespace made by io.Of before any client is still guarded", async (t) => {
        const srv = await server.ready;
        const app = sioConnect(t, client, srv, mode);
        await connected(app);
        const nsp = `/tenant-${randomUUID().slice(0, 8)}`;
        const [made] = await emitAck(app, "app-of", nsp);
        assert.deepEqual(made, { name: nsp, child: true });
        await assertRefused(t, client, srv, mode, nsp);
        await assertAdmitted(t, client, srv, mode, nsp);
      });

      test("a namespace made before its dynamic namespace was declared is guarded", async (t) => {
        const srv = await server.ready;
        await assertRefused(t, client, srv, mode, "/tenant-early");
        await assertAdmitted(t, client, srv, mode, "/tenant-early");
      });

      test("a namespace made by a client first is guarded, and io.Of finds that child", async (t) => {
        const srv = await server.ready;
        const nsp = `/tenant-${randomUUID().slice(0, 8)}`;
        await assertAdmitted(t, client, srv, mode, nsp);
        const app = sioConnect(t, client, srv, mode);
        await connected(app);
        const [made] = await emitAck(app, "app-of", nsp);
        assert.deepEqual(made, { name: nsp, child: true });
        await assertRefused(t, client, srv, mode, nsp);
      });
    });
  }
}

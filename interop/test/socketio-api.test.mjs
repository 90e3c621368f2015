// Socket.IO interop suite for the server's API as an application uses it
// (issue 19): Shutdown's deadline, failures made visible, errors, typed
// request/response listeners, emit ownership and the handshake's request,
// driven by the real socket.io-client 4.8 against interop/cmd/apitest.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, fetchJSON } from "./helpers.mjs";
import { SIO_CLIENTS, SIO_MODES, sioConnect, emitAck, waitFor } from "./sio-helpers.mjs";

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
  });
}

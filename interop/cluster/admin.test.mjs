// One Admin UI sees a mixed cluster: a Node.js socket.io server instrumented
// by @socket.io/admin-ui 0.5.1 and the Go clusternode instrumented by
// socketio/admin, on one Redis. socket.io-client plays the UI (listeners set
// in its connect handler, as the real UI's), connected to either server.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { once } from "node:events";
import { uniqueKey, startNodeServer, startGoServer, connectClient, call, eventually } from "./helpers.mjs";

const UI_EVENTS = ["config", "server_stats", "all_sockets", "socket_connected", "socket_updated", "socket_disconnected", "room_joined", "room_left"];

async function connectUI(port) {
  const ui = ioc(`http://127.0.0.1:${port}/admin`, { transports: ["websocket"], reconnection: false, forceNew: true });
  ui.heard = [];
  ui.once("connect", () => {
    for (const ev of UI_EVENTS) ui.on(ev, (...args) => ui.heard.push({ ev, args }));
  });
  await once(ui, "connect");
  return ui;
}

const heard = (ui, ev) => ui.heard.filter((e) => e.ev === ev).map((e) => e.args);

describe("admin UI on a mixed Go and Node cluster", () => {
  let key, node, go, g, n;

  before(async () => {
    key = uniqueKey("admin");
    node = await startNodeServer({ key, admin: "node-1" });
    go = await startGoServer({ key, admin: "go-1" });
    g = await connectClient(go.port, { tag: "g" });
    n = await connectClient(node.port, { tag: "n" });
    await eventually(async () => (await call(g, "server-count")) === 2 && (await call(n, "server-count")) === 2);
  });

  after(async () => {
    for (const s of [g, n]) s?.disconnect();
    await go?.close();
    await node?.close();
  });

  for (const side of ["go", "node"]) {
    it(`a UI on the ${side} server sees both servers' stats and sockets, and acts on both`, async () => {
      const ui = await connectUI(side === "go" ? go.port : node.port);
      try {
        // Stats of both servers, relayed through the admin namespace's adapter.
        await eventually(() => {
          const ids = new Set(heard(ui, "server_stats").map(([s]) => s.serverId));
          return ids.has("go-1") && ids.has("node-1");
        }, { timeout: 8000 });
        // The socket list is cluster-wide: the app sockets of both servers.
        await eventually(() => heard(ui, "all_sockets").length > 0);
        const [list] = heard(ui, "all_sockets")[0];
        const gs = list.find((s) => s.id === g.id);
        const ns = list.find((s) => s.id === n.id);
        assert.ok(gs && ns, `both app sockets in ${JSON.stringify(list.map((s) => [s.nsp, s.id]))}`);
        assert.deepEqual(gs.data, { runtime: "go", tag: "g" });
        assert.equal(ns.nsp, "/");
        assert.equal(gs.nsp, "/");
        // Whichever server answers for a socket, the UI gets its client id
        // and transport: Node keeps them in data._admin, which the Go side
        // reads, and the Go side puts them there in its fetchSockets
        // answers, for Node's UI to read; neither shows the entry as data.
        for (const [s, client] of [[ns, n], [gs, g]]) {
          assert.equal(s.transport, "websocket", `transport of ${s.id}`);
          assert.equal(s.clientId, client.io.engine.id.slice(0, 12), `client id of ${s.id}`);
          assert.equal(s.data._admin, undefined);
        }

        // Actions reach the other server's sockets; both servers report the joins.
        const room = `from-${side}-ui`;
        ui.emit("join", "/", room, g.id);
        ui.emit("join", "/", room, n.id);
        await eventually(() => {
          const ids = heard(ui, "room_joined").filter(([nsp, r]) => nsp === "/" && r === room).map(([, , id]) => id);
          return ids.includes(g.id) && ids.includes(n.id);
        });
        const fetched = await call(g, "fetch", { rooms: [room] });
        assert.deepEqual(fetched.map((s) => s.id).sort(), [g.id, n.id].sort());

        // Data set by either app shows live, whichever server the UI is on.
        const mood = `seen-from-${side}`;
        await call(g, "set-data", { runtime: "go", tag: "g", mood });
        await call(n, "set-data", { mood });
        await eventually(() => {
          const updated = (id) => heard(ui, "socket_updated").some(([u]) => u.id === id && u.data?.mood === mood);
          return updated(g.id) && updated(n.id);
        });
        const [[gu]] = heard(ui, "socket_updated").filter(([u]) => u.id === g.id && u.data?.mood === mood);
        assert.deepEqual(gu, { id: g.id, nsp: "/", data: { runtime: "go", tag: "g", mood } });
        await call(g, "set-data", { runtime: "go", tag: "g" }); // as the next round expects
      } finally {
        ui.disconnect();
      }
    });
  }
});

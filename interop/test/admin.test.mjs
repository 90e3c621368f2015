// The Admin UI's wire contract (@socket.io/admin-ui 0.5.x, read from its
// dist/index.js and ui/dist sources) against a gosio server instrumented
// with socketio/admin: socket.io-client 4.8 plays the UI (see admin-ui.mjs).

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { waitFor } from "./helpers.mjs";
import { closeAfter, emitAck, engineOf, waitTransport } from "./sio-helpers.mjs";
import { adminServer, adminUI } from "./admin-ui.mjs";

const ALL_FEATURES = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"];

/** An application client of namespace nsp. */
async function appClient(t, srv, nsp = "/", opts = {}) {
  const socket = io(srv.base + (nsp === "/" ? "" : nsp), { forceNew: true, reconnection: false, timeout: 5000, ...opts });
  closeAfter(t, socket);
  await waitFor(socket, "connect", { failOn: ["connect_error"] });
  return socket;
}

describe("admin: development mode, no authentication", () => {
  test("config, the socket list with every field the UI reads, and server stats come after CONNECT", async (t) => {
    const srv = await adminServer(t);
    const app = await appClient(t, srv, "/chat", { transports: ["websocket"], auth: { user: "ann" }, query: { room: "lobby" } });
    await emitAck(app, "join", "lobby");
    await emitAck(app, "set-data", { user: "ann", role: "mod" });

    const ui = adminUI(t, srv);
    await ui.connected;
    const [config] = await ui.wait("config");
    assert.deepEqual(config, { supportedFeatures: ALL_FEATURES });
    const [sockets] = await ui.wait("all_sockets");
    const s = sockets.find((x) => x.id === app.id);
    assert.ok(s, `app socket in ${JSON.stringify(sockets)}`);
    assert.equal(s.nsp, "/chat");
    assert.equal(s.clientId, engineOf(app).id.slice(0, 12));
    assert.equal(s.transport, "websocket");
    assert.deepEqual(s.data, { user: "ann", role: "mod" });
    assert.deepEqual([...s.rooms].sort(), [app.id, "lobby"].sort());
    assert.equal(s.handshake.address, "127.0.0.1");
    assert.equal(s.handshake.query.room, "lobby");
    assert.equal(s.handshake.query.EIO, "4");
    assert.ok(s.handshake.headers.host, "headers lower-cased, host included");
    assert.equal(typeof s.handshake.issued, "number");
    assert.ok(Math.abs(Date.now() - s.handshake.issued) < 60_000);
    assert.ok(!Number.isNaN(Date.parse(s.handshake.time)), s.handshake.time);
    assert.match(s.handshake.url, /^\/socket\.io\/\?/);
    assert.equal(s.handshake.secure, false);
    assert.equal(s.handshake.xdomain, false);
    // The UI itself is listed too, as by Node.
    assert.ok(sockets.some((x) => x.id === ui.socket.id && x.nsp === "/admin"));

    const [stats] = await ui.wait("server_stats", () => true, 5000);
    assert.equal(typeof stats.serverId, "string");
    assert.ok(stats.serverId.length > 0);
    assert.equal(typeof stats.hostname, "string");
    assert.equal(typeof stats.pid, "number");
    assert.equal(typeof stats.uptime, "number");
    assert.equal(stats.clientsCount, 2);
    assert.equal(typeof stats.pollingClientsCount, "number");
    assert.ok(Array.isArray(stats.aggregatedEvents));
    const nsps = Object.fromEntries(stats.namespaces.map((n) => [n.name, n.socketsCount]));
    assert.equal(nsps["/chat"], 1);
    assert.equal(nsps["/admin"], 1);
    assert.equal(nsps["/"], 0);
  });

  test("aggregated per-second counts add up to the traffic", async (t) => {
    const srv = await adminServer(t, ["-server-id", "go-1"]);
    const ui = adminUI(t, srv);
    await ui.connected;
    await ui.wait("server_stats"); // counting from here
    const app = await appClient(t, srv, "/", { transports: ["websocket"] });
    for (let i = 0; i < 10; i++) await emitAck(app, "echo", "x".repeat(100));
    app.disconnect();
    // The stats of the seconds that saw the traffic arrive within two emissions.
    const sum = (type, sub) =>
      ui
        .heard("server_stats")
        .flatMap(([st]) => st.aggregatedEvents)
        .filter((e) => e.type === type && (sub === undefined || e.subType === sub))
        .reduce((n, e) => n + e.count, 0);
    await ui.wait("server_stats", () => sum("rawDisconnection", "transport close") >= 1, 8000);
    const stats = ui.heard("server_stats").map(([st]) => st);
    assert.ok(stats.every((st) => st.serverId === "go-1"));
    for (const st of stats)
      for (const e of st.aggregatedEvents) {
        assert.equal(e.timestamp % 1000, 0, "per-second buckets");
        assert.ok(["rawConnection", "rawDisconnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"].includes(e.type), e.type);
      }
    assert.ok(sum("rawConnection") >= 1);
    // The app's 10 echoes (and its CONNECT) in; 10 acks (and the CONNECT answer) out,
    // on top of the UI's own traffic.
    assert.ok(sum("packetsIn") >= 11, `packetsIn ${sum("packetsIn")}`);
    assert.ok(sum("packetsOut") >= 11, `packetsOut ${sum("packetsOut")}`);
    assert.ok(sum("bytesIn") >= 10 * 100, `bytesIn ${sum("bytesIn")}`);
    assert.ok(sum("bytesOut") >= 10 * 100, `bytesOut ${sum("bytesOut")}`);
  });

  test("live updates: connected, upgraded, joined, events received and sent, left, disconnected", async (t) => {
    const srv = await adminServer(t);
    const ui = adminUI(t, srv);
    await ui.connected;
    await ui.wait("all_sockets");

    const app = io(srv.base, { forceNew: true, reconnection: false }); // polling, then upgrade
    closeAfter(t, app);
    await waitFor(app, "connect");
    const [connected, ts] = await ui.wait("socket_connected", (s) => s.id === app.id);
    assert.equal(connected.nsp, "/");
    assert.equal(connected.transport, "polling");
    assert.equal(connected.clientId, engineOf(app).id.slice(0, 12));
    assert.deepEqual(connected.rooms, [app.id]);
    assert.ok(!Number.isNaN(Date.parse(ts)));

    await waitTransport(app, "websocket");
    const [updated] = await ui.wait("socket_updated", (s) => s.id === app.id);
    assert.deepEqual(updated, { id: app.id, nsp: "/", transport: "websocket" });

    await emitAck(app, "join", "room-1");
    const [nsp, room, id] = await ui.wait("room_joined", (n, r) => r === "room-1");
    assert.deepEqual([nsp, room, id], ["/", "room-1", app.id]);

    await emitAck(app, "echo", { a: 1 });
    const recv = await ui.wait("event_received", (n, sid, args) => args[0] === "echo");
    assert.deepEqual(recv.slice(0, 3), ["/", app.id, ["echo", { a: 1 }]]);
    assert.ok(!Number.isNaN(Date.parse(recv[3])));

    app.emit("shout", "hey", 2);
    await waitFor(app, "shout");
    const sent = await ui.wait("event_sent", (n, sid, args) => args[0] === "shout");
    assert.deepEqual(sent.slice(0, 3), ["/", app.id, ["shout", "hey", 2]]);

    // Broadcasts reach the outgoing listeners, as Node's adapter tells them.
    const news = waitFor(app, "news");
    await emitAck(app, "broadcast", "room-1", { n: 7 });
    await news;
    const bsent = await ui.wait("event_sent", (n, sid, args) => args[0] === "news");
    assert.deepEqual(bsent.slice(0, 3), ["/", app.id, ["news", { n: 7 }]]);

    // Data set by the app shows at once, as Node's proxy of socket.data reports it.
    await emitAck(app, "set-data", { mood: "fine" });
    const [dataUpdate] = await ui.wait("socket_updated", (s) => s.id === app.id && "data" in s);
    assert.deepEqual(dataUpdate, { id: app.id, nsp: "/", data: { mood: "fine" } });

    const appID = app.id; // the client forgets it on disconnect
    app.disconnect();
    const [dnsp, did, reason] = await ui.wait("socket_disconnected", (n, sid) => sid === appID);
    assert.deepEqual([dnsp, did, reason], ["/", appID, "client namespace disconnect"]);
    await ui.wait("room_left", (n, r, sid) => r === "room-1" && sid === appID);
  });

  test("events of sockets older than the UI are reported, once, to each new UI", async (t) => {
    const srv = await adminServer(t);
    const app = await appClient(t, srv, "/", { transports: ["websocket"] });
    for (let round = 1; round <= 2; round++) {
      const ui = adminUI(t, srv);
      await ui.connected;
      await ui.wait("all_sockets");
      await emitAck(app, "echo", round);
      await emitAck(app, "join", `marker-${round}`); // heard after the echo
      await ui.wait("room_joined", (n, r) => r === `marker-${round}`);
      assert.deepEqual(
        ui.heard("event_received").map((a) => a[2]),
        [["echo", round], ["join", `marker-${round}`]],
        `round ${round}`,
      );
      const gone = waitFor(ui.socket, "disconnect");
      ui.socket.disconnect();
      await gone;
    }
  });

  test("actions: join and leave by socket id or room, emit, disconnect a socket or its client", async (t) => {
    const srv = await adminServer(t);
    const ui = adminUI(t, srv);
    await ui.connected;
    await ui.wait("config");
    const a = await appClient(t, srv, "/chat", { transports: ["websocket"] });
    const b = await appClient(t, srv, "/chat", { transports: ["websocket"] });
    const rooms = async (s) => (await emitAck(s, "join", s.id))[0]; // joining its own room changes nothing

    ui.socket.emit("join", "/chat", "vip", a.id); // by socket id, as the Socket page does
    await ui.wait("room_joined", (n, r, id) => r === "vip" && id === a.id);
    assert.deepEqual(await rooms(a), [a.id, "vip"].sort());
    assert.deepEqual(await rooms(b), [b.id]);

    const got = waitFor(a, "news");
    const notB = new Promise((resolve) => b.once("news", () => resolve("b got it")));
    ui.socket.emit("emit", "/chat", "vip", "news", { n: 1 }, "two"); // by room
    assert.deepEqual(await got, [{ n: 1 }, "two"]);

    ui.socket.emit("join", "/chat", "all"); // no filter: the whole namespace
    await ui.wait("room_joined", (n, r, id) => r === "all" && id === b.id);
    ui.socket.emit("leave", "/chat", "vip"); // as the Rooms page does
    await ui.wait("room_left", (n, r, id) => r === "vip" && id === a.id);
    assert.deepEqual(await rooms(a), [a.id, "all"].sort());
    ui.socket.emit("emit", "/chat", null, "fence");
    await Promise.all([waitFor(a, "fence"), waitFor(b, "fence")]);
    assert.equal(await Promise.race([notB, Promise.resolve("b did not")]), "b did not");

    // An unknown namespace is left alone, not created.
    ui.socket.emit("join", "/nope", "r");
    const [stats] = await ui.wait("server_stats", () => true, 5000);
    assert.ok(!stats.namespaces.some((n) => n.name === "/nope"));

    const aGone = waitFor(a, "disconnect");
    const aID = a.id;
    ui.socket.emit("_disconnect", "/chat", false, aID);
    assert.equal((await aGone)[0], "io server disconnect");
    assert.ok(b.connected);
    const [, , reason] = await ui.wait("socket_disconnected", (n, id) => id === aID);
    assert.equal(reason, "server namespace disconnect");

    const bGone = waitFor(b, "disconnect");
    const bClosed = waitFor(b.io.engine, "close");
    ui.socket.emit("_disconnect", "/chat", true, b.id); // the client: its connection closes
    const [bReason] = await bGone;
    assert.ok(["transport close", "io server disconnect"].includes(bReason), bReason);
    await bClosed;
  });

  test("a custom admin namespace", async (t) => {
    const srv = await adminServer(t, ["-admin-nsp", "/ops"]);
    const ui = adminUI(t, srv, { nsp: "/ops" });
    await ui.connected;
    const [sockets] = await ui.wait("all_sockets");
    assert.deepEqual(sockets.map((s) => s.nsp), ["/ops"]);
  });
});

describe("admin: modes", () => {
  test("read-only: no actions offered, none carried out", async (t) => {
    const srv = await adminServer(t, ["-readonly"]);
    const ui = adminUI(t, srv);
    await ui.connected;
    const [config] = await ui.wait("config");
    assert.deepEqual(config, { supportedFeatures: ["AGGREGATED_EVENTS", "ALL_EVENTS"] });
    const app = await appClient(t, srv, "/", { transports: ["websocket"] });
    const gone = new Promise((resolve) => app.once("disconnect", () => resolve("disconnected")));
    const watcher = adminUI(t, srv);
    await watcher.connected;
    await watcher.wait("all_sockets");
    const uiID = ui.socket.id;
    ui.socket.emit("join", "/", "vip", app.id);
    ui.socket.emit("_disconnect", "/", false, app.id);
    ui.socket.emit("emit", "/", null, "news");
    // The server handles a socket's packets in order: once it reports the
    // UI gone, it has seen (and refused) the actions sent before.
    ui.socket.disconnect();
    await watcher.wait("socket_disconnected", (n, id) => id === uiID);
    assert.deepEqual((await emitAck(app, "join", app.id))[0], [app.id]);
    assert.equal(await Promise.race([gone, Promise.resolve("connected")]), "connected");
    assert.equal(watcher.heard("room_joined", (n, r) => r === "vip").length, 0);
  });

  test("production: the dashboard's stats only", async (t) => {
    const srv = await adminServer(t, ["-production"]);
    const ui = adminUI(t, srv);
    await ui.connected;
    const [config] = await ui.wait("config");
    assert.deepEqual(config, { supportedFeatures: ALL_FEATURES.filter((f) => f !== "ALL_EVENTS") });
    const app = await appClient(t, srv, "/", { transports: ["websocket"] });
    await emitAck(app, "join", "r");
    const [stats] = await ui.wait("server_stats", () => true, 5000);
    assert.equal(stats.clientsCount, 2);
    assert.deepEqual(
      ui.log.map((e) => e.ev).filter((ev) => ev !== "server_stats"),
      ["config"],
      "no socket list nor live updates",
    );
  });
});

describe("admin: basic authentication", () => {
  const flags = ["-user", "admin", "-password", "s3cret"];

  test("a wrong password, a wrong user and no credentials are refused with invalid credentials", async (t) => {
    const srv = await adminServer(t, flags);
    for (const auth of [{ username: "admin", password: "nope" }, { username: "root", password: "s3cret" }, undefined, { sessionId: "0123456789abcdef" }]) {
      const ui = adminUI(t, srv, { auth });
      await assert.rejects(ui.connected, /invalid credentials/, JSON.stringify(auth));
    }
  });

  test("the right password opens a session the UI hears after CONNECT; a reload logs in with it", async (t) => {
    const srv = await adminServer(t, flags);
    const ui = adminUI(t, srv, { auth: { username: "admin", password: "s3cret" } });
    await ui.connected;
    const [sessionId] = await ui.wait("session");
    assert.match(sessionId, /^[0-9a-f]{16}$/);
    // Before config: the UI stores it first, as with Node.
    assert.deepEqual(ui.log.slice(0, 2).map((e) => e.ev), ["session", "config"]);
    ui.socket.disconnect();

    // The reload: the UI connects with the stored session id only.
    const again = adminUI(t, srv, { auth: { sessionId } });
    await again.connected;
    await again.wait("config");
    assert.equal(again.heard("session").length, 0, "no new session for a session login");
    // Any number of times.
    const third = adminUI(t, srv, { auth: { sessionId } });
    await third.connected;
  });
});

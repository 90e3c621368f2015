// A stand-in for the Socket.IO Admin UI (@socket.io/admin-ui's ui/dist) made
// of socket.io-client 4.8, for the admin*.test.mjs suites: it connects and
// listens exactly as the UI's App.vue does — its listeners are registered in
// its "connect" handler, so what a server sends before the namespace's
// CONNECT is lost to it, as to the real UI — and records what it hears.

import { io } from "socket.io-client";
import { startServer, waitFor, DEFAULT_TIMEOUT } from "./helpers.mjs";
import { closeAfter } from "./sio-helpers.mjs";

/** Every event the UI listens to (App.vue's registerEventListeners). */
export const UI_EVENTS = [
  "session",
  "config",
  "server_stats",
  "all_sockets",
  "socket_connected",
  "socket_updated",
  "socket_disconnected",
  "room_joined",
  "room_left",
  "event_received",
  "event_sent",
];

/** Starts interop/.bin/adminsrv with flags for test t. */
export function adminServer(t, flags = []) {
  return startServer(t, flags, { binary: "adminsrv" });
}

/**
 * Connects a UI to srv's admin namespace with auth ({username, password} or
 * {sessionId}, as the UI sends them). `ui.connected` resolves on connect and
 * rejects with the connect_error.
 */
export function adminUI(t, srv, { nsp = "/admin", auth, transports } = {}) {
  const socket = io(srv.base + nsp, { forceNew: true, reconnection: false, timeout: 5000, auth, transports });
  closeAfter(t, socket);
  const log = [];
  const waiters = new Set();
  const ui = { socket, log };
  socket.once("connect", () => {
    for (const ev of UI_EVENTS) {
      socket.on(ev, (...args) => {
        log.push({ ev, args });
        for (const w of waiters) w();
      });
    }
  });
  ui.connected = waitFor(socket, "connect", { failOn: ["connect_error", "disconnect"], label: "admin connect" });
  ui.connected.catch(() => {});
  /** Events heard so far named ev whose arguments satisfy pred. */
  ui.heard = (ev, pred = () => true) => log.filter((e) => e.ev === ev && pred(...e.args)).map((e) => e.args);
  /**
   * Resolves with the arguments of the first event named ev (heard already
   * or to come) that satisfies pred.
   */
  ui.wait = (ev, pred = () => true, timeout = DEFAULT_TIMEOUT) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = log.find((e) => e.ev === ev && pred(...e.args));
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found.args);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`UI: no "${ev}" as wanted within ${timeout}ms; heard ${JSON.stringify(log.map((e) => e.ev))}`));
      }, timeout);
      if (!check()) waiters.add(check);
    });
  return ui;
}

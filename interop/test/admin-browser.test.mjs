// The real Socket.IO Admin UI (the built page of @socket.io/admin-ui 0.5.1,
// served by the Go server from node_modules) in headless Chromium against a
// gosio server instrumented with socketio/admin: it logs in, lists the
// server, the sockets and the rooms, keeps its session across a reload, and
// its screenshots go to docs/ (written when missing or with
// UPDATE_SCREENSHOTS=1, so that a test run leaves the committed ones alone).
//
// Needs Chromium (examples/e2e/ensure-chromium.sh installs it; CHROMIUM
// overrides the path; `make interop` installs it). Skipped when it is missing,
// except under CI=true, where nothing may be skipped: there it fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { io } from "socket.io-client";
import { chromium } from "playwright-core";
import { INTEROP_DIR, waitFor } from "./helpers.mjs";
import { closeAfter, emitAck } from "./sio-helpers.mjs";
import { adminServer } from "./admin-ui.mjs";

const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const uiDir = path.join(INTEROP_DIR, "node_modules", "@socket.io", "admin-ui", "ui", "dist");
const docsDir = path.join(INTEROP_DIR, "..", "docs");

async function screenshot(page, name) {
  const file = path.join(docsDir, name);
  if (existsSync(file) && process.env.UPDATE_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: file });
}

async function appClient(t, srv, nsp, opts) {
  const socket = io(srv.base + nsp, { forceNew: true, reconnection: false, ...opts });
  closeAfter(t, socket);
  await waitFor(socket, "connect", { failOn: ["connect_error"] });
  return socket;
}

test("the Admin UI page logs in, shows servers, sockets and rooms, and a reload keeps the session", { skip: process.env.CI !== "true" && !existsSync(chromiumPath) && `no Chromium at ${chromiumPath}` }, async (t) => {
  const srv = await adminServer(t, ["-user", "admin", "-password", "s3cret", "-server-id", "gosio-1", "-ui", uiDir]);
  const ann = await appClient(t, srv, "/chat", { auth: { user: "ann" } });
  const bob = await appClient(t, srv, "/chat", { auth: { user: "bob" }, transports: ["polling"] });
  const main = await appClient(t, srv, "/", {});
  await emitAck(ann, "join", "lobby");
  await emitAck(bob, "join", "lobby");
  await emitAck(main, "join", "news");

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Fonts and icons come from CDNs: offline here, and not what is tested.
  await page.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort()));

  await page.goto(`${srv.base}/admin-ui/`);
  // The connection form: server URL, user name, password.
  const dialog = page.locator(".v-dialog form");
  await dialog.waitFor();
  const inputs = dialog.locator("input[type=text]");
  await inputs.nth(0).fill(srv.base);
  await inputs.nth(1).fill("admin");
  await dialog.locator("input[type=password]").fill("wrong");
  await dialog.locator("button[type=submit]").click();
  await dialog.getByText("invalid credentials").waitFor();
  await dialog.locator("input[type=password]").fill("s3cret");
  await dialog.locator("button[type=submit]").click();
  await dialog.waitFor({ state: "hidden" });

  // Servers: this one, by its id, with its clients.
  await page.goto(`${srv.base}/admin-ui/#/servers/`);
  await page.locator("table").getByText("gosio-1").waitFor();
  const row = page.locator("tr", { hasText: "gosio-1" });
  await row.getByText("4", { exact: true }).waitFor(); // clients: 3 apps and the UI

  // Sockets of /chat (the namespace selector starts on "/").
  await page.goto(`${srv.base}/admin-ui/#/sockets/`);
  await page.locator("table").getByText(main.id).waitFor();
  await page.locator(".selector .v-input__slot").first().click();
  await page.locator(".menuable__content__active .v-list-item", { hasText: "/chat" }).click();
  await page.locator("table").getByText(ann.id).waitFor();
  await page.locator("table").getByText(bob.id).waitFor();
  await page.locator(".menuable__content__active").waitFor({ state: "hidden" });
  await screenshot(page, "admin-ui-sockets.png");

  // Rooms of /chat: lobby, with its two sockets.
  await page.goto(`${srv.base}/admin-ui/#/rooms/`);
  await page.locator("table").getByText("lobby").waitFor();

  // A socket's page shows its data and rooms; a live join shows up.
  await page.goto(`${srv.base}/admin-ui/#/n/${encodeURIComponent("/chat")}/sockets/${ann.id}`);
  await page.getByText('"user": "ann"').waitFor();
  await emitAck(ann, "join", "live-room");
  await page.getByText("live-room").waitFor();

  // The reload: the UI logs in with its stored session, no form.
  await page.goto(`${srv.base}/admin-ui/#/sockets/`);
  await page.reload();
  await page.getByText("Connected", { exact: false }).first().waitFor();
  await page.locator("table").getByText(main.id).waitFor();
  assert.equal(await page.locator(".v-dialog form").isVisible(), false, "no login form after a reload");
  assert.match(await page.evaluate(() => localStorage.getItem("session_id")), /^[0-9a-f]{16}$/);
  await page.goto(`${srv.base}/admin-ui/#/`);
  // The dashboard's charts fill with the 2-second stats.
  await page.getByText("gosio-1").first().waitFor({ timeout: 6000 }).catch(() => {});
  await screenshot(page, "admin-ui-dashboard.png");
  assert.deepEqual(errors, []);
});

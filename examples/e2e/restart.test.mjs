// Stopping an example with pages open on either transport: it is gone in
// under a second, the pages say so, and they reconnect by themselves once it
// is back on the same port (the feed with its posts). And a second feed on
// the same data file says the file is in use and exits at once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { build, clientDir, examplesDir, launch, newPage, start, waitForText, withServerLog } from "./helpers.mjs";

const transports = ["polling", "websocket"];
const dir = mkdtempSync(join(tmpdir(), "gosio-restart-"));
let browser, server;
const errors = [];

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(errors, [], "no uncaught exceptions in the pages");
});

// stopTimed stops the server and checks that it was quick and clean.
async function stopTimed() {
  const t0 = performance.now();
  const exit = await server.stop();
  const took = performance.now() - t0;
  assert.deepEqual(exit, { code: 0, signal: null }, "a clean exit on SIGTERM");
  assert.ok(took < 1000, `stopped in ${took.toFixed(0)} ms`);
  return took;
}

// onTransport checks that page's socket uses transport, and only it.
async function onTransport(page, transport) {
  await page.waitForFunction((t) => socket.io.engine?.transport?.name === t, transport);
  assert.deepEqual(await page.evaluate(() => socket.io.opts.transports), [transport]);
}

test("chat: stopped with pages open on either transport, back on the same port, they rejoin", async (t) => {
  const bin = build("chat");
  server = await start(bin);
  const port = server.port;
  await withServerLog(() => server, async () => {
    const pages = [];
    for (const [i, transport] of transports.entries()) {
      const page = await newPage(browser, errors, { width: 900, height: 600 });
      await page.goto(`${server.url}/?transport=${transport}`);
      await page.fill("#name", `user-${transport}`);
      await page.click("#login button");
      await page.waitForSelector("#status.online");
      await onTransport(page, transport);
      pages[i] = page;
    }
    await waitForText(pages[0], "#users li", "user-websocket");

    const took = await stopTimed();
    t.diagnostic(`chat stopped in ${took.toFixed(0)} ms with a polling and a WebSocket page open`);
    for (const page of pages) await page.waitForSelector("#status:not(.online)");

    server = await start(bin, ["-addr", `127.0.0.1:${port}`]);
    for (const page of pages) await page.waitForSelector("#status.online", { timeout: 15000 });
    for (const [i, transport] of transports.entries()) await onTransport(pages[i], transport);
    // Both joined their room again: they see each other and can talk.
    await waitForText(pages[0], "#users li", "user-websocket");
    await waitForText(pages[1], "#users li", "user-polling");
    await pages[1].fill("#input", "back again");
    await pages[1].press("#input", "Enter");
    await waitForText(pages[0], "#messages .message", "back again");
    for (const page of pages) await page.context().close();
  });
  await stopTimed();
  server = null;
});

test("feed: stopped with pages open on either transport, back on the same port, they reload and go live", async (t) => {
  const bin = build("feed");
  const db = join(dir, "feed.db");
  server = await start(bin, ["-db", db]);
  const port = server.port;
  const create = async (title) => {
    const res = await fetch(`${server.url}/posts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title, content: "Made over REST.", creator: { name: "Ada" } }),
    });
    assert.equal(res.status, 201);
  };
  await withServerLog(() => server, async () => {
    await create("Before the restart");
    const pages = [];
    for (const transport of transports) {
      const page = await newPage(browser, errors, { width: 1000, height: 700 });
      await page.goto(`${server.url}/?transport=${transport}`);
      await page.waitForSelector("#status.online");
      await onTransport(page, transport);
      await waitForText(page, ".post h3", "Before the restart");
      pages.push(page);
    }

    const took = await stopTimed();
    t.diagnostic(`feed stopped in ${took.toFixed(0)} ms with a polling and a WebSocket page open`);
    for (const page of pages) await page.waitForSelector("#status:not(.online)");

    server = await start(bin, ["-addr", `127.0.0.1:${port}`, "-db", db]);
    // A post made while the pages were still reconnecting shows up too:
    // they reload the list when they are back.
    await create("During the reconnection");
    for (const page of pages) {
      await page.waitForSelector("#status.online", { timeout: 15000 });
      await waitForText(page, ".post h3", "During the reconnection");
      await waitForText(page, ".post h3", "Before the restart");
    }
    for (const [i, transport] of transports.entries()) await onTransport(pages[i], transport);
    await create("After the restart");
    for (const page of pages) await waitForText(page, ".post h3", "After the restart");
    for (const page of pages) await page.context().close();
  });
});

test("feed: a second feed on the same data file says it is in use and exits non-zero within 1 s", async (t) => {
  // The first feed is the one the previous test left running on dir/feed.db.
  assert.ok(server, "a feed runs on the data file");
  const db = join(dir, "feed.db");
  const t0 = performance.now();
  const second = spawn(join(examplesDir, ".bin", "feed"), ["-addr", "127.0.0.1:0", "-db", db, "-client-dir", clientDir], {
    cwd: examplesDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "", stdout = "";
  second.stderr.on("data", (d) => (stderr += d));
  second.stdout.on("data", (d) => (stdout += d));
  const exit = await new Promise((resolve) => second.on("exit", (code, signal) => resolve({ code, signal })));
  const took = performance.now() - t0;
  t.diagnostic(`second feed exited after ${took.toFixed(0)} ms: ${stderr.trim()}`);
  assert.notEqual(exit.code, 0, "a non-zero exit");
  assert.equal(exit.signal, null);
  assert.ok(took < 1000, `exited after ${took.toFixed(0)} ms`);
  assert.match(stderr, /in use by another process/);
  assert.ok(stderr.includes(db), `the message names the file: ${stderr}`);
  assert.doesNotMatch(stdout, /LISTENING/, "it never listened");
  // The first feed is unaffected.
  const res = await fetch(`${server.url}/posts`);
  assert.equal(res.status, 200);
});

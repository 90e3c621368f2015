import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { build, examplesDir, launch, newPage, start, textOf, waitForText, saveScreenshot, withServerLog } from "./helpers.mjs";

let bin, browser, server;
const errors = [];
const dir = mkdtempSync(join(tmpdir(), "gosio-feed-"));
const db = join(dir, "feed.db");

before(async () => {
  bin = build("feed");
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(errors, [], "no errors in the pages");
  rmSync(dir, { recursive: true, force: true });
});

async function open(url) {
  const page = await newPage(browser, errors, { width: 1000, height: 720 });
  await page.goto(url);
  await page.waitForSelector("#status.online");
  return page;
}

const titles = (page) => textOf(page, ".post h3");
// post is a Playwright selector for the post titled title.
const post = (title) => `.post:has(h3:text-is("${title}"))`;

test("feed: changes made on one page show up live on another, and persist", () => withServerLog(() => server, async () => {
  server = await start(bin, ["-db", db]);
  const a = await open(server.url);
  const b = await open(server.url);
  await b.evaluate(() => (window.notReloaded = true));

  // Validation errors are shown on the page.
  await a.fill("#title", "Hi");
  await a.fill("#content", "Too short");
  await a.click("#save");
  await waitForText(a, "#errors li", "title must be at least 5 characters");

  // Create three posts on page A; page B shows them, newest first.
  await a.fill("#name", "Ada");
  for (const [title, content] of [
    ["Hello, gosio", "A Socket.IO server in Go."],
    ["Rooms and namespaces", "Broadcast to exactly who should hear it."],
    ["Typo in the tilte", "This one will be fixed, then removed."],
  ]) {
    await a.fill("#title", title);
    await a.fill("#content", content);
    await a.click("#save");
    await waitForText(b, ".post h3", title);
  }
  assert.deepEqual(await titles(b), ["Typo in the tilte", "Rooms and namespaces", "Hello, gosio"]);
  await waitForText(b, ".post .meta", "by Ada");
  await waitForText(b, "#page-info", "3 posts");

  // Edit on A, B updates in place.
  await a.click(`${post("Typo in the tilte")} .edit`);
  await a.fill("#title", "Typo in the title");
  await a.click("#save");
  await waitForText(b, ".post h3", "Typo in the title");
  await b.locator(`${post("Typo in the title")} .meta`).filter({ hasText: "edited" }).waitFor();
  assert.deepEqual(await titles(b), ["Typo in the title", "Rooms and namespaces", "Hello, gosio"]);

  // Delete on A, B drops it.
  await a.click(`${post("Typo in the title")} .delete`);
  await b.waitForFunction(() => document.querySelectorAll(".post").length === 2);
  assert.deepEqual(await titles(b), ["Rooms and namespaces", "Hello, gosio"]);
  await waitForText(b, "#page-info", "2 posts");
  assert.equal(await b.evaluate(() => window.notReloaded), true, "page B was not reloaded");

  // Restart the server on the same database: the posts are still there.
  const exit = await server.stop();
  assert.equal(exit.code, 0, "feed exits cleanly on SIGTERM");
  await b.waitForSelector("#status:not(.online)");
  server = await start(bin, ["-db", db]);
  const c = await open(server.url);
  await waitForText(c, "#page-info", "2 posts");
  assert.deepEqual(await titles(c), ["Rooms and namespaces", "Hello, gosio"]);
}));

test("feed: pagination", () => withServerLog(() => server, async () => {
  const page = await open(server.url);
  // 2 posts exist; add 4 through the API to get two pages of 4.
  const more = [
    ["Graceful shutdown", "SIGTERM: io.Shutdown, then http.Server.Shutdown.", "Ken"],
    ["Polling or WebSocket?", "Both: clients start with polling and upgrade.", "Grace"],
    ["Old clients welcome", "AllowEIO3 lets socket.io-client 2.x connect.", "Linus"],
    ["Posts survive restarts", "They live in a bbolt file in the data directory.", "Ada"],
  ];
  for (const [title, content, name] of more) {
    const res = await fetch(`${server.url}/posts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title, content, creator: { name } }),
    });
    assert.equal(res.status, 201);
  }
  await waitForText(page, "#page-info", "Page 1 of 2 · 6 posts");
  assert.deepEqual(await titles(page), more.map(([t]) => t).reverse());
  await page.click("#next");
  await waitForText(page, "#page-info", "Page 2 of 2");
  assert.deepEqual(await titles(page), ["Rooms and namespaces", "Hello, gosio"]);
  await page.click("#prev");
  await waitForText(page, "#page-info", "Page 1 of 2");
  await saveScreenshot(page, join(examplesDir, "feed", "screenshot.png"), { fullPage: true });
}));

test("feed: a change that arrives while the page loads is kept", () => withServerLog(() => server, async () => {
  // The page's first GET /posts is answered by the server at once, but the
  // answer is held back from the page until a new post's live event has
  // arrived: the page must not let that older answer undo the post.
  const page = await newPage(browser, errors, { width: 1000, height: 720 });
  let answered, release;
  const fetched = new Promise((r) => (answered = r));
  const held = new Promise((r) => (release = r));
  let gets = 0;
  await page.route(/\/posts\?/, async (route) => {
    if (++gets > 1) return route.continue();
    const response = await route.fetch();
    answered();
    await held;
    await route.fulfill({ response });
  });
  await page.goto(server.url);
  await page.waitForSelector("#status.online");
  await fetched;
  const res = await fetch(`${server.url}/posts`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ title: "Live while loading", content: "The event beats the list.", creator: { name: "Ada" } }),
  });
  assert.equal(res.status, 201);
  await waitForText(page, ".post h3", "Live while loading");
  release();
  // The page asks again and shows the list with the post in it.
  await waitForText(page, "#page-info", "7 posts");
  assert.equal(gets, 2, "the page asked for the list again");
  assert.equal((await titles(page))[0], "Live while loading");
}));

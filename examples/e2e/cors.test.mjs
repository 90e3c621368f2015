// Frontends served from another origin (a dev server on its own port, as in
// the Node tutorial) use the feed's REST API and Socket.IO, with the one
// -cors-origin setting covering both:
//   - "*": a socket.io-client 4.x page creates, edits and deletes posts over
//     REST while a page on a third origin sees the "posts" events;
//   - the exact origin: credentialed requests work, for 4.x with
//     withCredentials and for socket.io-client 2.x, which always sends
//     credentials on long-polling, and which "*" therefore cannot serve;
//   - an origin not listed is refused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { build, examplesDir, launch, start, withServerLog } from "./helpers.mjs";

const v2Bundle = readFileSync(join(examplesDir, "node_modules", "socket.io-client-v2", "dist", "socket.io.js"));
let browser, site, anyFeed, exactFeed;

// frontend is the cross-origin page: the client (4.x from the feed itself,
// 2.x from the site, as a frontend bundling it would), a socket on the feed,
// and rest(), which calls the feed's API.
const frontend = ({ feed, client, credentials }) => `<!doctype html>
<title>frontend on another origin</title>
<link rel="icon" href="data:,">
<script src="${client === "v2" ? "/socket.io-v2.js" : `${feed}/socket.io.min.js`}"></script>
<script>
  const FEED = ${JSON.stringify(feed)};
  window.events = [];
  window.connectError = null;
  const socket = io(FEED, ${client === "v2" ? "{}" : `{ withCredentials: ${credentials} }`});
  socket.on("connect", () => (window.connected = true));
  socket.on("connect_error", (e) => (window.connectError = String((e && e.message) || e)));
  socket.on("posts", (e) => window.events.push(e));
  window.rest = async (method, path, body) => {
    const res = await fetch(FEED + path, {
      method,
      credentials: ${credentials ? '"include"' : '"same-origin"'},
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
</script>`;

before(async () => {
  const bin = build("feed");
  // The static site first: its origin goes into the feed's -cors-origin.
  site = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/socket.io-v2.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(v2Bundle);
    }
    const feed = { any: anyFeed, exact: exactFeed }[url.searchParams.get("feed")];
    if (url.pathname !== "/" || !feed) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(frontend({
      feed: feed.url,
      client: url.searchParams.get("client"),
      credentials: url.searchParams.get("credentials") === "1",
    }));
  });
  await new Promise((resolve) => site.listen(0, "127.0.0.1", resolve));
  anyFeed = await start(bin, ["-db", "", "-cors-origin", "*"]);
  exactFeed = await start(bin, ["-db", "", "-cors-origin", `http://localhost:5173, ${siteURL()}`]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  assert.equal((await anyFeed?.stop())?.code, 0);
  assert.equal((await exactFeed?.stop())?.code, 0);
  site?.close();
});

// siteURL is the site's origin; host "localhost" makes another origin on
// the same server.
const siteURL = (host = "127.0.0.1") => `http://${host}:${site.address().port}`;

// open loads the frontend and records what went wrong in the page.
async function open(query, host) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`exception: ${e}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${siteURL(host)}/?${query}`);
  return { page, problems };
}

const connected = (page) => page.waitForFunction(() => window.connected === true || window.connectError !== null)
  .then(() => page.evaluate(() => window.connectError ?? "connected"));

// nextEvent waits for the page's n-th "posts" event (from 1).
async function nthEvent(page, n) {
  await page.waitForFunction((k) => window.events.length >= k, n);
  return page.evaluate((k) => window.events[k - 1], n);
}

test("cors '*': a page on another origin creates, edits and deletes posts over REST; a page on a third origin sees it live", () =>
  withServerLog(() => anyFeed, async () => {
    const writer = await open("feed=any&client=v4");
    const reader = await open("feed=any&client=v4", "localhost");
    assert.equal(await connected(writer.page), "connected");
    assert.equal(await connected(reader.page), "connected");

    const created = await writer.page.evaluate(() =>
      window.rest("POST", "/posts", { title: "Cross-origin post", content: "Sent from another origin.", creator: { name: "Ada" } }));
    assert.equal(created.status, 201, JSON.stringify(created));
    const id = created.body.post._id;
    let ev = await nthEvent(reader.page, 1);
    assert.deepEqual([ev.action, ev.post._id, ev.post.title], ["create", id, "Cross-origin post"]);

    // PUT and DELETE need a preflight: the REST routes must answer it.
    const edited = await writer.page.evaluate((id) =>
      window.rest("PUT", `/posts/${id}`, { title: "Cross-origin edit", content: "Edited from another origin." }), id);
    assert.equal(edited.status, 200, JSON.stringify(edited));
    ev = await nthEvent(reader.page, 2);
    assert.deepEqual([ev.action, ev.post._id, ev.post.title], ["update", id, "Cross-origin edit"]);

    const deleted = await writer.page.evaluate((id) => window.rest("DELETE", `/posts/${id}`), id);
    assert.equal(deleted.status, 200, JSON.stringify(deleted));
    ev = await nthEvent(reader.page, 3);
    assert.deepEqual(ev, { action: "delete", post: id });

    // The writer saw its own changes live too, and nothing went wrong.
    assert.equal((await nthEvent(writer.page, 3)).action, "delete");
    assert.deepEqual([...writer.problems, ...reader.problems], []);
    await writer.page.context().close();
    await reader.page.context().close();
  }));

test("cors exact origin: 4.x with credentials and 2.x frontends connect and call the API", () =>
  withServerLog(() => exactFeed, async () => {
    const v4 = await open("feed=exact&client=v4&credentials=1");
    const v2 = await open("feed=exact&client=v2&credentials=1");
    assert.equal(await connected(v4.page), "connected");
    assert.equal(await connected(v2.page), "connected");
    assert.equal(await v2.page.evaluate(() => String(socket.io.engine.transport.query.EIO)), "3", "2.x speaks Engine.IO 3");

    const created = await v2.page.evaluate(() => window.rest("POST", "/posts", { title: "From a 2.x page", content: "With credentials." }));
    assert.equal(created.status, 201, JSON.stringify(created));
    for (const p of [v4.page, v2.page]) {
      const ev = await nthEvent(p, 1);
      assert.deepEqual([ev.action, ev.post._id], ["create", created.body.post._id]);
    }
    const deleted = await v4.page.evaluate((id) => window.rest("DELETE", `/posts/${id}`), created.body.post._id);
    assert.equal(deleted.status, 200);
    assert.deepEqual((await nthEvent(v2.page, 2)).action, "delete");
    assert.deepEqual([...v4.problems, ...v2.problems], []);
    await v4.page.context().close();
    await v2.page.context().close();
  }));

test("cors '*' cannot serve a 2.x frontend: it sends credentials, which need the exact origin", async () => {
  const v2 = await open("feed=any&client=v2");
  assert.notEqual(await connected(v2.page), "connected");
  await v2.page.context().close();
});

test("cors: an origin not listed is refused, over REST and Socket.IO", async () => {
  // The same page, from http://localhost:<port>: not in the exact list.
  const p = await open("feed=exact&client=v4&credentials=1", "localhost");
  assert.notEqual(await connected(p.page), "connected");
  const failed = await p.page.evaluate(() =>
    window.rest("POST", "/posts", { title: "Should not pass", content: "Refused." }).then(() => false, () => true));
  assert.ok(failed, "the cross-origin fetch is blocked");
  await p.page.context().close();
});

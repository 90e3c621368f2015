// A page served from another origin loads the socket.io client from the
// feed server, connects to it cross-origin and calls its REST API.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { build, launch, newPage, start } from "./helpers.mjs";

let browser, feed, site;
const errors = [];

// page is the cross-origin frontend, for a feed server at feedURL.
const page = (feedURL) => `<!doctype html>
<title>other origin</title>
<script src="${feedURL}/socket.io.min.js"></script>
<script>
  window.events = [];
  window.connectError = null;
  const socket = io(${JSON.stringify(feedURL)}, { withCredentials: true });
  socket.on("connect", () => (window.connected = true));
  socket.on("connect_error", (e) => (window.connectError = e.message));
  socket.on("posts", (e) => window.events.push(e));
  window.createPost = async (title) => {
    const res = await fetch(${JSON.stringify(feedURL)} + "/posts", {
      method: "POST",
      credentials: "include",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title, content: "Sent from another origin." }),
    });
    return { status: res.status, body: await res.json() };
  };
</script>`;

before(async () => {
  const bin = build("feed");
  // The static site first: its origin goes into the feed's -cors-origin.
  let html = "";
  site = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(html);
  });
  await new Promise((resolve) => site.listen(0, "127.0.0.1", resolve));
  const siteOrigin = `http://127.0.0.1:${site.address().port}`;
  feed = await start(bin, ["-db", "", "-cors-origin", `http://localhost:5173,${siteOrigin}`]);
  html = page(feed.url);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await feed?.stop();
  site?.close();
  assert.deepEqual(errors, [], "no errors in the pages");
});

test("cors: an allowed origin connects and posts cross-origin", async () => {
  const p = await newPage(browser, errors);
  await p.goto(`http://127.0.0.1:${site.address().port}/`);
  await p.waitForFunction(() => window.connected === true);

  const res = await p.evaluate(() => window.createPost("Cross-origin post"));
  assert.equal(res.status, 201);
  assert.equal(res.body.post.title, "Cross-origin post");

  await p.waitForFunction(() => window.events.length === 1);
  const [ev] = await p.evaluate(() => window.events);
  assert.equal(ev.action, "create");
  assert.equal(ev.post._id, res.body.post._id);
});

test("cors: another origin is refused", async () => {
  // Same page, but from http://localhost:<port>: a different origin.
  const p = await newPage(browser, errors);
  await p.goto(`http://localhost:${site.address().port}/`);
  await p.waitForFunction(() => window.connectError !== null);
  const failed = await p.evaluate(() => window.createPost("Should not pass").then(() => false, () => true));
  assert.ok(failed, "the cross-origin fetch is blocked");
  assert.notEqual(await p.evaluate(() => window.connected), true);
});

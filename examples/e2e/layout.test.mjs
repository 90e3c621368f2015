// The chat and the feed on a phone (390×844) and on a desktop: nothing
// overflows sideways, the input is on screen, and loading the page leaves no
// console error and no failed request (favicon included). The screenshots
// in e2e/screenshots are written when missing or with UPDATE_SCREENSHOTS=1.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { build, examplesDir, launch, saveScreenshot, start, waitForText, withServerLog } from "./helpers.mjs";

const viewports = [
  { name: "390x844", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: "1280x800", viewport: { width: 1280, height: 800 } },
];
const shots = join(examplesDir, "e2e", "screenshots");
const dir = mkdtempSync(join(tmpdir(), "gosio-layout-"));
let browser, chat, feed;

before(async () => {
  browser = await launch();
  chat = await start(build("chat"));
  feed = await start(build("feed"), ["-db", join(dir, "feed.db")]);
  // Posts to show, one with a long unbreakable word that must wrap.
  for (const [title, content, name] of [
    ["Hello, gosio", "A Socket.IO server in Go: rooms, acks, namespaces.", "Ada"],
    ["Phones welcome", "This page fits a 390 px screen: Supercalifragilisticexpialidocious-and-then-some-more-letters.", "Grace"],
    ["Live updates", "Every change made over REST reaches every open page as a posts event.", "Linus"],
  ]) {
    const res = await fetch(`${feed.url}/posts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title, content, creator: { name } }),
    });
    assert.equal(res.status, 201);
  }
});

after(async () => {
  await browser?.close();
  assert.deepEqual((await chat?.stop())?.code, 0);
  assert.deepEqual((await feed?.stop())?.code, 0);
  rmSync(dir, { recursive: true, force: true });
});

// open loads url in a fresh context with the device settings and records
// every problem the browser reports: console errors, uncaught exceptions,
// failed requests and HTTP error answers.
async function open(device, url) {
  const ctx = await browser.newContext({
    viewport: device.viewport,
    isMobile: device.isMobile ?? false,
    hasTouch: device.hasTouch ?? false,
    deviceScaleFactor: 1,
  });
  const page = await ctx.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`exception: ${e}`));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
  await page.goto(url);
  return { page, problems };
}

// fits checks that the page does not scroll sideways and that each of
// selectors is entirely on screen.
async function fits(page, selectors) {
  const m = await page.evaluate((sels) => ({
    width: innerWidth,
    height: innerHeight,
    scrollWidth: document.documentElement.scrollWidth,
    boxes: sels.map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return { s, top: r.top, left: r.left, bottom: r.bottom, right: r.right };
    }),
  }), selectors);
  assert.ok(m.scrollWidth <= m.width, `the page is ${m.scrollWidth} px wide in a ${m.width} px viewport`);
  for (const b of m.boxes) {
    assert.ok(b.top >= 0 && b.left >= 0 && b.bottom <= m.height && b.right <= m.width,
      `${b.s} is off screen: ${JSON.stringify(b)} in ${m.width}×${m.height}`);
  }
}

// iconServed checks the icon the page names, and /favicon.ico, which
// other clients ask for: headless Chromium fetches neither by itself.
async function iconServed(page) {
  const answers = await page.evaluate(async () => {
    const href = document.querySelector('link[rel="icon"]')?.href;
    return Promise.all([href, "/favicon.ico"].map(async (u) => {
      if (!u) return "no icon named";
      const r = await fetch(u);
      return `${r.status} ${r.headers.get("content-type")}`;
    }));
  });
  assert.deepEqual(answers, ["200 image/svg+xml", "200 image/svg+xml"]);
}

for (const device of viewports) {
  test(`chat at ${device.name}`, () => withServerLog(() => chat, async () => {
    const { page, problems } = await open(device, chat.url);
    await page.waitForSelector("#status.online");
    await fits(page, ["#name", "#login button"]);
    await page.fill("#name", "Ada");
    await page.click("#login button");
    await waitForText(page, "#users li", "Ada (you)");
    assert.deepEqual(problems, [], "nothing went wrong loading the chat");

    // A second person, and enough messages to fill the screen: the input
    // stays on screen and long words wrap.
    const other = await open(device, chat.url);
    await other.page.fill("#name", "Grace");
    await other.page.click("#login button");
    await waitForText(page, "#users li", "Grace");
    const lines = [
      "Hi Grace! Does the chat fit on your phone?",
      "It does: the rooms are a row under the title, the people online a line above the messages.",
      "And a long word? Supercalifragilisticexpialidocious-and-then-some-more-letters-to-wrap",
      "Wraps. The input stays at the bottom of the screen, above the keyboard.",
    ];
    for (let i = 0; i < 3; i++) {
      for (const [n, text] of lines.entries()) {
        const who = n % 2 === 0 ? page : other.page;
        await who.fill("#input", text);
        await who.press("#input", "Enter");
        await waitForText(page, "#messages .message", text);
      }
    }
    await other.page.type("#input", "typing…");
    await waitForText(page, "#typing", "Grace is typing");
    await fits(page, ["#input", "#form button", "#rooms", "#status"]);
    await iconServed(page);
    await saveScreenshot(page, join(shots, `chat-${device.name}.png`));
    assert.deepEqual(problems, [], "nothing went wrong in the chat");
    await other.page.context().close();
    await page.context().close();
  }));

  test(`feed at ${device.name}`, () => withServerLog(() => feed, async () => {
    const { page, problems } = await open(device, feed.url);
    await page.waitForSelector("#status.online");
    await waitForText(page, "#page-info", "3 posts");
    assert.deepEqual(problems, [], "nothing went wrong loading the feed");
    await fits(page, ["#name", "#title", "#content", "#save", "#status"]);
    // The posts below the editor fit the width too (the phone scrolls down to them).
    const widest = await page.$$eval(".post, .pager", (els) => Math.max(...els.map((e) => e.getBoundingClientRect().right)));
    assert.ok(widest <= device.viewport.width, `posts reach ${widest} px in ${device.viewport.width}`);
    await iconServed(page);
    await saveScreenshot(page, join(shots, `feed-${device.name}.png`), { fullPage: true });
    assert.deepEqual(problems, [], "nothing went wrong in the feed");
    await page.context().close();
  }));
}

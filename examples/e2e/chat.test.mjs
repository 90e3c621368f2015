import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { build, examplesDir, launch, newPage, start, textOf, waitForText, saveScreenshot } from "./helpers.mjs";

let server, browser;
const errors = [];

before(async () => {
  server = await start(build("chat"));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  assert.deepEqual(errors, [], "no errors in the pages");
  const exit = await server?.stop();
  assert.equal(exit?.code, 0, "chat exits cleanly on SIGTERM");
});

// open loads the chat in a fresh browser context and enters a nickname.
async function open(name) {
  const page = await newPage(browser, errors, { width: 900, height: 560 });
  await page.goto(server.url);
  await page.fill("#name", name);
  await page.click("#login button");
  await page.waitForSelector("#status.online");
  await waitForText(page, "#users li", `${name} (you)`);
  return page;
}

test("chat: messages, notices, typing, rooms", async () => {
  const alice = await open("Alice");
  const bob = await open("Bob");

  // Alice sees Bob arrive, and both see each other online.
  await waitForText(alice, "#messages .notice", "Bob joined");
  await waitForText(alice, "#users li", "Bob");
  await waitForText(bob, "#users li", "Alice");

  // Typing indicator, shown to Bob while Alice types, gone once she sends.
  await alice.type("#input", "Hello Bob");
  await waitForText(bob, "#typing", "Alice is typing");
  await alice.press("#input", "Enter");
  await waitForText(bob, "#messages .message", "Hello Bob");
  await bob.waitForFunction(() => document.getElementById("typing").textContent === "");
  await waitForText(alice, "#messages .mine", "Hello Bob");

  await bob.fill("#input", "Hi Alice!");
  await bob.press("#input", "Enter");
  await waitForText(alice, "#messages .message", "Hi Alice!");
  await bob.type("#input", "How is the Go server?");
  await waitForText(alice, "#typing", "Bob is typing");
  await saveScreenshot(alice, join(examplesDir, "chat", "screenshot.png"));

  await bob.press("#input", "Enter");
  await waitForText(alice, "#messages .message", "How is the Go server?");

  // Rooms: Bob moves to #go; Alice (in #general) sees him leave, and
  // messages no longer cross rooms.
  await bob.click('#rooms button[data-room="go"]');
  await waitForText(alice, "#messages .notice", "Bob left");
  await alice.waitForFunction(() => ![...document.querySelectorAll("#users li")].some((li) => li.textContent === "Bob"));
  await waitForText(bob, "#room-name", "#go");
  assert.deepEqual(await textOf(bob, "#users li"), ["Bob (you)"]);

  await alice.fill("#input", "only for general");
  await alice.press("#input", "Enter");
  await waitForText(alice, "#messages .mine", "only for general");
  await bob.fill("#input", "only for go");
  await bob.press("#input", "Enter");
  await waitForText(bob, "#messages .mine", "only for go");

  // Alice follows Bob into #go: the rooms' messages stayed apart.
  await alice.click('#rooms button[data-room="go"]');
  await waitForText(bob, "#messages .notice", "Alice joined");
  await alice.fill("#input", "found you");
  await alice.press("#input", "Enter");
  await waitForText(bob, "#messages .message", "found you");
  const bobSaw = (await textOf(bob, "#messages li")).join("\n");
  assert.ok(!bobSaw.includes("only for general"), bobSaw);
  const aliceSaw = (await textOf(alice, "#messages li")).join("\n");
  assert.ok(!aliceSaw.includes("only for go"), aliceSaw);

  // Closing Alice's page: Bob sees her leave.
  await alice.context().close();
  await waitForText(bob, "#messages .notice", "Alice left");
  await bob.waitForFunction(() => document.querySelectorAll("#users li").length === 1);
});

// The cluster example: two gosio servers in one process, joined by Redis
// (Pub/Sub, then Streams with -adapter streams). Pages on different servers
// chat in a room and see each other online; another room stays apart.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { build, launch, newPage, textOf, waitForText } from "./helpers.mjs";
import { startCluster, uniqueKey } from "./cluster-helpers.mjs";

let cluster, browser;
const errors = [];

// open loads server i's page in a fresh browser context and joins room. It
// records in polling any long-polling request: the page connects over
// WebSocket only, so none should reach the servers (no sticky sessions needed).
const polling = [];
async function open(i, name, room) {
  const page = await newPage(browser, errors, { width: 900, height: 560 });
  page.on("request", (r) => r.url().includes("transport=polling") && polling.push(r.url()));
  await page.goto(cluster.urls[i]);
  await waitForText(page, "#server", `server :${cluster.ports[i]}`);
  await page.fill("#name", name);
  await page.selectOption("#room", room);
  await page.click("#login button");
  await page.waitForSelector("#status.online");
  await waitForText(page, "#users li", `${name} (you)`);
  return page;
}

// waitForUsers waits until page lists exactly names, in this order.
function waitForUsers(page, names) {
  return page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll("#users li")].map((li) => li.dataset.name)) === want,
    JSON.stringify(names),
  );
}

// send types text into page's message box and sends it.
async function send(page, text) {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}

const messagesOf = async (page) => (await textOf(page, "#messages li")).join("\n");

for (const adapter of ["pubsub", "streams"]) {
  describe(`cluster (${adapter})`, () => {
    before(async () => {
      errors.length = 0;
      cluster = await startCluster(build("cluster"), { key: uniqueKey(`cluster-${adapter}`), args: ["-adapter", adapter] });
      browser = await launch();
    });

    after(async () => {
      await browser?.close();
      assert.deepEqual(errors, [], "no errors in the pages");
      const exit = await cluster?.stop();
      assert.equal(exit?.code, 0, `cluster exits cleanly on SIGTERM:\n${cluster?.logs()}`);
    });

    test("two servers, one room, over Redis", async () => {
      const [port1, port2] = cluster.ports;
      assert.notEqual(port1, port2);

      // #general has a user on each server, and so does #random.
      const alice = await open(0, "Alice", "general");
      const bob = await open(1, "Bob", "general");
      const carol = await open(1, "Carol", "random");
      const dave = await open(0, "Dave", "random");

      // Both online lists show both names, each with the server it is on; the
      // other room's users are not listed.
      await waitForUsers(alice, ["Alice", "Bob"]);
      await waitForUsers(bob, ["Alice", "Bob"]);
      await waitForUsers(carol, ["Carol", "Dave"]);
      await waitForUsers(dave, ["Carol", "Dave"]);
      await waitForText(alice, "#messages .notice", `Bob joined on server :${port2}`);
      await waitForText(alice, '#users li[data-name="Bob"] .via', `:${port2}`);
      await waitForText(bob, '#users li[data-name="Alice"] .via', `:${port1}`);

      // Alice (server 1) → Bob (server 2).
      await send(alice, "Hello from server one");
      await waitForText(bob, "#messages .message", "Hello from server one");
      await waitForText(bob, "#messages .message .via", `:${port1}`);
      await waitForText(alice, "#messages .mine", "Hello from server one");

      // Bob (server 2) → Alice (server 1).
      await send(bob, "Hi back from server two");
      await waitForText(alice, "#messages .message", "Hi back from server two");
      await waitForText(alice, "#messages .message .via", `:${port2}`);
      await waitForText(bob, "#messages .mine", "Hi back from server two");

      // #random (Carol on server 2, Dave on server 1) got neither message.
      // Carol writes once both were delivered in #general: had either server
      // also sent them to #random, they would be queued before hers.
      await send(carol, "anyone in random?");
      await waitForText(dave, "#messages .message", "anyone in random?");
      await waitForText(carol, "#messages .mine", "anyone in random?");
      for (const page of [carol, dave]) {
        const saw = await messagesOf(page);
        assert.ok(!saw.includes("Hello from server one"), saw);
        assert.ok(!saw.includes("Hi back from server two"), saw);
      }
      // ...and Carol's message stayed in #random: Alice writes after Dave got
      // it, and both #general pages see hers but not Carol's.
      await send(alice, "still here");
      await waitForText(bob, "#messages .message", "still here");
      await waitForText(alice, "#messages .mine", "still here");
      for (const page of [alice, bob]) {
        const saw = await messagesOf(page);
        assert.ok(!saw.includes("anyone in random?"), saw);
      }

      // Bob leaves: Alice, on the other server, sees him go.
      await bob.context().close();
      await waitForText(alice, "#messages .notice", "Bob left");
      await waitForUsers(alice, ["Alice"]);

      assert.deepEqual(polling, [], "the pages never use HTTP long-polling");
    });
  });
}

// A frontend written for a Node server with socket.io 2.x (Engine.IO 3)
// listens to "posts" and sees the changes made over REST.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import io from "socket.io-client-v2";
import { build, start } from "./helpers.mjs";

let feed, socket;

before(async () => {
  feed = await start(build("feed"), ["-db", ""]);
});

after(async () => {
  socket?.close();
  await feed?.stop();
});

// events queues the "posts" events; next() resolves with the next one.
function queue() {
  const items = [];
  const waiters = [];
  return {
    push(v) {
      const w = waiters.shift();
      w ? w(v) : items.push(v);
    },
    next() {
      return items.length ? Promise.resolve(items.shift()) : new Promise((r) => waiters.push(r));
    },
  };
}

async function rest(method, path, body) {
  const res = await fetch(feed.url + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test("socket.io-client 2.x receives create, update and delete", async () => {
  const events = queue();
  socket = io(feed.url, { transports: ["polling", "websocket"] });
  socket.on("posts", (data) => events.push(data));
  await new Promise((resolve, reject) => {
    socket.on("connect", resolve);
    socket.on("connect_error", reject);
  });
  assert.equal(String(socket.io.engine.transport.query.EIO), "3", "the 2.x client speaks Engine.IO 3");

  const created = await rest("POST", "/posts", { title: "From the old days", content: "Engine.IO 3 still works." });
  assert.equal(created.status, 201);
  const id = created.body.post._id;
  let ev = await events.next();
  assert.equal(ev.action, "create");
  assert.equal(ev.post._id, id);
  assert.equal(ev.post.title, "From the old days");
  assert.equal(ev.post.creator.name, "Anonymous");

  assert.equal((await rest("PUT", `/posts/${id}`, { title: "Still here", content: "Edited over REST." })).status, 200);
  ev = await events.next();
  assert.equal(ev.action, "update");
  assert.equal(ev.post.title, "Still here");

  assert.equal((await rest("DELETE", `/posts/${id}`)).status, 200);
  ev = await events.next();
  assert.deepEqual(ev, { action: "delete", post: id });
});

// The cluster page: one socket, over WebSocket only (no sticky sessions
// needed behind a load balancer), a nickname and a room.
const $ = (id) => document.getElementById(id);

const socket = io({ transports: ["websocket"] });
let name = "";
let room = "";

function addItem(className, ...parts) {
  const li = document.createElement("li");
  li.className = className;
  for (const p of parts) li.append(p);
  $("messages").append(li);
  li.scrollIntoView({ block: "end" });
}

const notice = (text) => addItem("notice", text);

function badge(server) {
  const b = document.createElement("small");
  b.className = "via";
  b.textContent = server;
  b.title = "connected to server " + server;
  return b;
}

// The online list is pulled from the server, which asks the whole cluster
// (FetchSockets). Only the answer to the latest request is shown: it was
// computed after every change this page has heard of.
let seq = 0;
function showUsers(n, users) {
  if (n !== seq || !Array.isArray(users)) return;
  $("users").replaceChildren(...users.map((u) => {
    const li = document.createElement("li");
    li.dataset.name = u.name;
    const who = document.createElement("span");
    who.textContent = u.name === name ? `${u.name} (you)` : u.name;
    li.append(who, " ", badge(u.server));
    return li;
  }));
}
async function request(event, ...args) {
  const n = ++seq;
  try {
    showUsers(n, await socket.timeout(10000).emitWithAck(event, ...args));
  } catch {
    // timed out: the next change asks again
  }
}
const join = () => request("join", name, room);
const refreshUsers = () => request("users");

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  name = $("name").value.trim();
  room = $("room").value;
  if (!name) return;
  document.body.classList.add("ready");
  $("room-name").textContent = "#" + room;
  notice(`Welcome, ${name}! You are in #${room}`);
  join();
  $("input").focus();
});

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text) return;
  socket.emit("chat", text);
  $("input").value = "";
});

socket.on("connect", () => {
  $("status").textContent = "online";
  $("status").className = "status online";
  // Back after a reconnection: join again, unless the server recovered the
  // session (Redis Streams), which kept the room and the name.
  if (name && !socket.recovered) join();
});
socket.on("disconnect", () => {
  $("status").textContent = "offline";
  $("status").className = "status";
});

socket.on("chat", (m) => {
  const who = document.createElement("b");
  who.textContent = m.name;
  const time = document.createElement("time");
  time.textContent = new Date(m.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  addItem(m.name === name ? "message mine" : "message", who, " ", badge(m.server), " ", m.text, time);
});
socket.on("joined", (u) => {
  notice(`${u.name} joined on server ${u.server}`);
  refreshUsers();
});
socket.on("left", (u) => {
  notice(`${u.name} left`);
  refreshUsers();
});

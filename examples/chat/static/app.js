// The chat page: one socket, a nickname, a current room.
const ROOMS = ["general", "random", "go"];
const $ = (id) => document.getElementById(id);

// ?transport=polling or ?transport=websocket keeps the page on that one
// transport, to try each (the browser tests do); by default the client
// starts with long-polling and upgrades to a WebSocket.
const transport = new URLSearchParams(location.search).get("transport");
const socket = io(["polling", "websocket"].includes(transport) ? { transports: [transport] } : {});
let name = "";
let room = ROOMS[0];
const typers = new Set(); // who is typing in the current room

function addItem(className, ...parts) {
  const li = document.createElement("li");
  li.className = className;
  for (const p of parts) li.append(p);
  $("messages").append(li);
  li.scrollIntoView({ block: "end" });
}

function notice(text) {
  addItem("notice", text);
}

function renderRooms() {
  $("rooms").replaceChildren(...ROOMS.map((r) => {
    const b = document.createElement("button");
    b.textContent = "#" + r;
    b.dataset.room = r;
    b.className = r === room ? "active" : "";
    b.onclick = () => switchRoom(r);
    return b;
  }));
  $("room-name").textContent = "#" + room;
}

function renderTyping() {
  const names = [...typers];
  $("typing").textContent = names.length === 0 ? "" :
    names.join(", ") + (names.length === 1 ? " is typing…" : " are typing…");
}

function join() {
  socket.emit("join", name, room);
}

function switchRoom(r) {
  if (r === room) return;
  stopTyping();
  room = r;
  typers.clear();
  renderTyping();
  renderRooms();
  $("messages").replaceChildren();
  notice(`You joined #${room}`);
  join();
}

// Typing indicator: "typing" on the first key, "stop typing" after a pause.
let typingTimer = null;
function stopTyping() {
  if (typingTimer === null) return;
  clearTimeout(typingTimer);
  typingTimer = null;
  socket.emit("stop typing");
}
$("input").addEventListener("input", () => {
  if (typingTimer === null) socket.emit("typing");
  else clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, 1500);
});

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text) return;
  socket.emit("chat", text);
  $("input").value = "";
  stopTyping();
});

$("login-form").addEventListener("submit", () => {
  name = $("name").value.trim();
  if (!name) return;
  document.body.classList.add("ready");
  notice(`Welcome, ${name}! You are in #${room}`);
  join();
  $("input").focus();
});

socket.on("connect", () => {
  $("status").textContent = "online";
  $("status").className = "status online";
  if (name) join(); // back after a reconnection
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
  addItem(m.name === name ? "message mine" : "message", who, " ", m.text, time);
  typers.delete(m.name);
  renderTyping();
});
socket.on("joined", (n) => notice(`${n} joined`));
socket.on("left", (n) => {
  notice(`${n} left`);
  typers.delete(n);
  renderTyping();
});
socket.on("typing", (n) => { typers.add(n); renderTyping(); });
socket.on("stop typing", (n) => { typers.delete(n); renderTyping(); });
socket.on("users", (names) => {
  $("users").replaceChildren(...names.map((n) => {
    const li = document.createElement("li");
    li.textContent = n === name ? `${n} (you)` : n;
    return li;
  }));
});

renderRooms();
$("login").showModal();

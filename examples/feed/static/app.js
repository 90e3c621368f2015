// The feed page: REST for reading and writing, Socket.IO for live updates.
const PER_PAGE = 4;
const $ = (id) => document.getElementById(id);

let page = 1;
let posts = [];      // the posts shown on this page, newest first
let total = 0;       // total number of posts on the server
let editing = null;  // id of the post being edited, or null
let changes = 0;     // live changes applied so far (see load)
let loads = 0;       // loads started so far: only the latest one is shown

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json();
  if (!res.ok) throw Object.assign(new Error(data.message), { data });
  return data;
}

async function load(p = page) {
  const id = ++loads, seen = changes;
  const data = await api("GET", `/posts?page=${p}&perPage=${PER_PAGE}`);
  if (id !== loads) return; // a later load (another page, say) shows its own answer
  // A change that arrived while the request was out may be missing from the
  // answer, which would then undo it on screen: ask again.
  if (changes !== seen) return load(p);
  if (data.posts.length === 0 && p > 1) return load(p - 1); // page emptied
  page = p;
  posts = data.posts;
  total = data.totalItems;
  render();
}

function render() {
  $("posts").replaceChildren(...posts.map(renderPost));
  $("empty").hidden = total > 0;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  $("page-info").textContent = `Page ${page} of ${pages} · ${total} post${total === 1 ? "" : "s"}`;
  $("prev").disabled = page <= 1;
  $("next").disabled = page >= pages;
}

function renderPost(p) {
  const el = document.createElement("article");
  el.className = "post";
  el.dataset.id = p._id;
  const h = document.createElement("h3");
  h.textContent = p.title;
  const meta = document.createElement("p");
  meta.className = "meta";
  const edited = p.updatedAt !== p.createdAt ? " · edited" : "";
  meta.textContent = `by ${p.creator.name} · ${new Date(p.createdAt).toLocaleString()}${edited}`;
  const body = document.createElement("p");
  body.className = "content";
  body.textContent = p.content;
  const edit = document.createElement("button");
  edit.textContent = "Edit";
  edit.className = "edit";
  edit.onclick = () => startEdit(p);
  const del = document.createElement("button");
  del.textContent = "Delete";
  del.className = "delete";
  // On failure (say, already deleted elsewhere) reloading shows the truth too.
  del.onclick = () => api("DELETE", `/posts/${p._id}`).catch(() => {}).then(() => onPosts({ action: "delete", post: p._id }));
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(edit, del);
  el.append(h, meta, body, actions);
  return el;
}

function startEdit(p) {
  editing = p._id;
  $("editor-title").textContent = "Edit post";
  $("save").textContent = "Save";
  $("cancel").hidden = false;
  $("title").value = p.title;
  $("content").value = p.content;
  $("errors").replaceChildren();
  $("title").focus();
}

function resetEditor() {
  editing = null;
  $("editor-title").textContent = "New post";
  $("save").textContent = "Publish";
  $("cancel").hidden = true;
  $("title").value = "";
  $("content").value = "";
  $("errors").replaceChildren();
}

$("cancel").onclick = resetEditor;
$("prev").onclick = () => load(page - 1);
$("next").onclick = () => load(page + 1);

$("editor").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {
    title: $("title").value,
    content: $("content").value,
    creator: { name: $("name").value },
  };
  const id = editing;
  try {
    const data = id
      ? await api("PUT", `/posts/${id}`, body)
      : await api("POST", "/posts", body);
    resetEditor();
    onPosts({ action: id ? "update" : "create", post: data.post });
  } catch (err) {
    const errs = err.data?.errors?.length ? err.data.errors.map((x) => x.msg) : [err.message];
    $("errors").replaceChildren(...errs.map((m) => {
      const li = document.createElement("li");
      li.textContent = m;
      return li;
    }));
  }
});

// onPosts applies a change, whether this page made it (after the REST call
// returns) or another one did (the "posts" event). It is idempotent, since
// this page sees its own changes both ways.
function onPosts({ action, post }) {
  changes++;
  switch (action) {
    case "create":
      if (posts.some((p) => p._id === post._id)) return;
      total++;
      if (page === 1) {
        posts.unshift(post);
        if (posts.length > PER_PAGE) posts.pop();
      }
      render();
      break;
    case "update":
      posts = posts.map((p) => (p._id === post._id ? post : p));
      render();
      break;
    case "delete":
      load(); // a post from the next page moves up: ask the server
      break;
  }
}

// ?transport=polling or ?transport=websocket keeps the page on that one
// transport, to try each (the browser tests do); by default the client
// starts with long-polling and upgrades to a WebSocket.
const transport = new URLSearchParams(location.search).get("transport");
const socket = io(["polling", "websocket"].includes(transport) ? { transports: [transport] } : {});
socket.on("connect", () => {
  $("status").textContent = "live";
  $("status").className = "status online";
  load(); // catch up on anything missed while disconnected
});
socket.on("disconnect", () => {
  $("status").textContent = "offline";
  $("status").className = "status";
});
socket.on("posts", onPosts);

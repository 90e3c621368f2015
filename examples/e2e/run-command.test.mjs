// The README's run command, stopped the way a process manager or a test
// harness stops it: one signal to the PID it started. Everything it started
// must be gone, and port 3000 free, within 2 s, even with clients connected
// on both transports.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { io } from "socket.io-client";
import { examplesDir } from "./helpers.mjs";

const repoDir = join(examplesDir, "..");
const PORT = 3000;

// readmeCommand is the command in the README's "run the main example" row.
function readmeCommand() {
  const readme = readFileSync(join(repoDir, "README.md"), "utf8");
  const row = readme.split("\n").find((l) => l.startsWith("| run the main example"));
  assert.ok(row, "README.md has a 'run the main example' row");
  const m = row.match(/`([^`]+)`\s*\|\s*$/);
  assert.ok(m, `a command in: ${row}`);
  return m[1];
}

// portOpen reports whether something accepts connections on 127.0.0.1:port.
const portOpen = (port) =>
  new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => (c.destroy(), resolve(true)));
    c.once("error", () => resolve(false));
  });

// run starts command (split on spaces, no shell of ours in between) from the
// repository root and resolves once it prints LISTENING.
function run(command) {
  const [file, ...args] = command.split(/\s+/);
  const proc = spawn(file, args, { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      if (/LISTENING \d+/.test(out)) resolve({ proc, exited, logs: () => stderr });
    });
    exited.then(({ code }) => reject(new Error(`${command} exited (${code}) before listening:\n${stderr}`)));
  });
}

// connected opens a Socket.IO client on one transport and resolves once it
// is connected.
function connected(transport) {
  const socket = io(`http://localhost:${PORT}`, { transports: [transport], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

async function stopsWithin(command, signal, limit, wantExit = { code: 0, signal: null }) {
  assert.equal(await portOpen(PORT), false, `port ${PORT} is free before the test (something else uses it?)`);
  const server = await run(command);
  const sockets = [await connected("polling"), await connected("websocket")];
  const gone = sockets.map((s) => new Promise((r) => s.once("disconnect", r)));
  try {
    assert.equal(await portOpen(PORT), true, `${command} listens on ${PORT}`);
    const t0 = performance.now();
    process.kill(server.proc.pid, signal);
    while (await portOpen(PORT)) {
      assert.ok(performance.now() - t0 < limit, `port ${PORT} still open ${limit} ms after ${signal}:\n${server.logs()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const exit = await server.exited;
    const took = performance.now() - t0;
    assert.ok(took < limit, `${command} took ${took.toFixed(0)} ms to exit after ${signal}`);
    assert.deepEqual(exit, wantExit, `exit after ${signal}:\n${server.logs()}`);
    await Promise.all(gone); // the clients were told, not left hanging
    return took;
  } finally {
    for (const s of sockets) s.close();
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill("SIGKILL");
  }
}

test("the README's run command stops on SIGINT to its PID within 2 s, freeing port 3000", async (t) => {
  const took = await stopsWithin(readmeCommand(), "SIGINT", 2000);
  t.diagnostic(`${readmeCommand()}: stopped ${took.toFixed(0)} ms after SIGINT`);
});

test("the README's run command stops on SIGTERM to its PID within 2 s, freeing port 3000", async (t) => {
  const took = await stopsWithin(readmeCommand(), "SIGTERM", 2000);
  t.diagnostic(`${readmeCommand()}: stopped ${took.toFixed(0)} ms after SIGTERM`);
});

test("make run stops on SIGTERM to make's PID within 2 s, freeing port 3000", async (t) => {
  // make passes SIGTERM on to its recipe (not SIGINT: see the Makefile),
  // waits for it, then ends itself by the same signal.
  const took = await stopsWithin("make --no-print-directory run", "SIGTERM", 2000, { code: null, signal: "SIGTERM" });
  t.diagnostic(`make run: stopped ${took.toFixed(0)} ms after SIGTERM`);
});

// The README's run command (make run) and examples/run.sh, stopped the way
// a process manager or a test harness stops them: one signal to the PID they
// started; and the way a terminal's Ctrl-C does: SIGINT to the whole process
// group. Everything they started must be gone, and port 3000 free, within
// 2 s, even with clients connected on both transports.
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
  // detached: a process group of its own, as a terminal's foreground job has.
  const proc = spawn(file, args, { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"], detached: true });
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

// stopsWithin runs command, signals it (its PID, or with group its whole
// process group) and checks that port 3000 is free and the command gone
// within limit ms. make ends itself by the signal it got, once its recipe
// has exited; the example exits with status 0.
async function stopsWithin(command, signal, limit, { group = false } = {}) {
  const wantExit = command.startsWith("make") ? { code: null, signal } : { code: 0, signal: null };
  assert.equal(await portOpen(PORT), false, `port ${PORT} is free before the test (something else uses it?)`);
  const server = await run(command);
  const sockets = [await connected("polling"), await connected("websocket")];
  const gone = sockets.map((s) => new Promise((r) => s.once("disconnect", r)));
  try {
    assert.equal(await portOpen(PORT), true, `${command} listens on ${PORT}`);
    const t0 = performance.now();
    process.kill(group ? -server.proc.pid : server.proc.pid, signal);
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
    if (server.proc.exitCode === null && server.proc.signalCode === null) process.kill(-server.proc.pid, "SIGKILL");
  }
}

for (const command of [readmeCommand(), "examples/run.sh chat"]) {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    test(`${command}: ${signal} to its PID stops it within 2 s, freeing port ${PORT}`, async (t) => {
      const took = await stopsWithin(command, signal, 2000);
      t.diagnostic(`${command}: stopped ${took.toFixed(0)} ms after ${signal} to its PID`);
    });
  }
  test(`${command}: Ctrl-C (SIGINT to its process group) stops it within 2 s, freeing port ${PORT}`, async (t) => {
    const took = await stopsWithin(command, "SIGINT", 2000, { group: true });
    t.diagnostic(`${command}: stopped ${took.toFixed(0)} ms after SIGINT to its process group`);
  });
}

test("the README's run command is make run", () => {
  assert.equal(readmeCommand(), "make run");
});

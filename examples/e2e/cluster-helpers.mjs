// Helpers for the cluster example's end-to-end test: it listens on two ports
// and needs Redis, so helpers.mjs's start (one -addr) does not fit.
import { spawn } from "node:child_process";
import { clientDir, examplesDir } from "./helpers.mjs";

export const redisAddr = process.env.REDIS_ADDR || "127.0.0.1:6379";

// uniqueKey is a Redis channel prefix of this run only, so that concurrent
// runs (or other servers on the same Redis) do not join our cluster.
export const uniqueKey = (name) => `gosio-e2e-${name}-${process.pid}-${Date.now().toString(36)}`;

// startCluster runs the built cluster example on two free ports and resolves
// once it prints "LISTENING <port1> <port2>". stop() sends SIGTERM and waits
// for the exit.
export function startCluster(bin, { key, redis = redisAddr, args = [] } = {}) {
  const proc = spawn(
    bin,
    ["-addrs", "127.0.0.1:0,127.0.0.1:0", "-redis", redis, "-key", key, "-client-dir", clientDir, ...args],
    { cwd: examplesDir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/LISTENING (\d+) (\d+)/);
      if (!m) return;
      const ports = [Number(m[1]), Number(m[2])];
      resolve({
        ports,
        urls: ports.map((p) => `http://127.0.0.1:${p}`),
        logs: () => stderr,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
          return exited;
        },
      });
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`${bin} exited (${code ?? signal}) before listening (is Redis up at ${redis}?):\n${stderr}`)),
    );
  });
}

// Shared helpers for the end-to-end tests: build and run the example servers,
// launch headless Chromium.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const examplesDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(examplesDir, ".bin");
export const clientDir = join(examplesDir, "node_modules", "socket.io-client", "dist");

// build compiles ./<name> into .bin/<name>. Test files run in parallel, so
// each builds to a private file and renames it into place atomically.
export function build(name) {
  mkdirSync(binDir, { recursive: true });
  const bin = join(binDir, name);
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync("go", ["build", "-o", tmp, `./${name}`], { cwd: examplesDir, stdio: "inherit" });
  renameSync(tmp, bin);
  return bin;
}

// start runs a built example on a free port and resolves once it prints
// "LISTENING <port>". stop() sends SIGTERM and waits for a clean exit.
export function start(bin, args = []) {
  const proc = spawn(bin, ["-addr", "127.0.0.1:0", "-client-dir", clientDir, ...args], {
    cwd: examplesDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/LISTENING (\d+)/);
      if (!m) return;
      const port = Number(m[1]);
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        logs: () => stderr,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
          return exited;
        },
      });
    });
    exited.then(({ code }) => reject(new Error(`${bin} exited (${code}) before listening:\n${stderr}`)));
  });
}

export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

export async function launch() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} not found: run examples/e2e/ensure-chromium.sh`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

// newPage opens a page in a fresh browser context (its own cookies) and
// records the page's uncaught errors in errors.
export async function newPage(browser, errors, viewport) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  return page;
}

// textOf returns the text of every element matching selector.
export const textOf = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent));

// waitForText waits until an element matching selector contains text. When
// it gives up, the error shows what the page showed instead.
export async function waitForText(page, selector, text) {
  try {
    await page.waitForFunction(
      ([sel, t]) => [...document.querySelectorAll(sel)].some((e) => e.textContent.includes(t)),
      [selector, text],
    );
  } catch (err) {
    const shown = await page.evaluate(() => document.body.innerText).catch((e) => `(unreadable: ${e.message})`);
    err.message += `\nwaited for ${JSON.stringify(text)} in ${selector}; the page showed:\n${shown}`;
    throw err;
  }
}

// withServerLog runs fn and, when it fails, adds to the error what the
// server that server() returns has logged: its view of the same moments.
export async function withServerLog(server, fn) {
  try {
    return await fn();
  } catch (err) {
    err.message += `\nserver log:\n${server()?.logs() ?? "(no server)"}`;
    throw err;
  }
}

// saveScreenshot writes the README's picture of a page when it is missing or
// when UPDATE_SCREENSHOTS=1, so that ordinary test runs leave the committed
// PNG alone (the pages show times, which change on every run).
export async function saveScreenshot(page, path, opts = {}) {
  const { existsSync } = await import("node:fs");
  if (existsSync(path) && process.env.UPDATE_SCREENSHOTS !== "1") return;
  await page.screenshot({ path, ...opts });
}

// Shared by the browser tests: start the real `omnify` binary, call its API, poll,
// launch Debian's Chromium through playwright-core.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
export const binary =
  process.env.OMNIFY_BIN || join(process.env.CARGO_TARGET_DIR || join(repo, "target"), "debug", "omnify");
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const artifacts = join(here, "artifacts");

/** The repository's seed documents, for tests that ask knowledge questions. */
export const seedDocuments = join(repo, "knowledge", "docs");

/**
 * Start `omnify serve --port 0` and read the demo key and address it prints.
 * Resolves to { base, apiKey, dataDir, log(), stop({ keepData }) }.
 *
 * Options: `dataDir` and `apiKey` to start again on an existing directory (the key
 * is printed only when the demo tenant is created), `env` for extra `OMNIFY_…`
 * settings. The directory is removed on stop unless `keepData` is set.
 */
export function startServer({ dataDir, apiKey, env: extra = {} } = {}) {
  dataDir = dataDir || mkdtempSync(join(tmpdir(), "omnify-browser-"));
  // Only the settings this test means: no OMNIFY_… from the caller's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OMNIFY_")));
  env.OMNIFY_DEMO__TODAY = "2026-11-25";
  Object.assign(env, extra);
  env.RUST_LOG = env.RUST_LOG || "warn";
  const server = spawn(binary, ["serve", "--port", "0", "--data-dir", join(dataDir, "data")], {
    cwd: dataDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serverLog = "";
  let base;
  const stop = async ({ keepData = false } = {}) => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start in 60 s:\n" + serverLog)), 60_000);
    const seen = () => {
      const printed = serverLog.match(/\b(omk_[A-Za-z0-9_]+)/);
      const key = printed ? printed[1] : apiKey;
      const addr = serverLog.match(/listening on (http:\/\/[0-9.:\[\]a-z]+)/);
      if (key && addr && !base) {
        clearTimeout(timer);
        base = addr[1];
        resolvePromise({ base, apiKey: key, dataDir, log: () => serverLog, stop });
      }
    };
    server.stdout.on("data", (d) => {
      serverLog += d.toString();
      seen();
    });
    server.stderr.on("data", (d) => {
      serverLog += d.toString();
    });
    server.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error("cannot start " + binary + ": " + e.message));
    });
    server.on("exit", (code) => {
      if (!base) {
        clearTimeout(timer);
        reject(new Error("the server exited with " + code + ":\n" + serverLog));
      }
    });
  });
}

/** A JSON API call; resolves to { status, body }. */
export async function request(base, method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = "Bearer " + token;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

/** Poll `read` until `ok` holds for its value, or fail with the last value. */
export async function eventually(what, read, ok, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(what + "; last seen: " + JSON.stringify(last));
}

export function launchChromium() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page, name, log = "") {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name), fullPage: true }).catch(() => {});
  if (log) console.error("screenshot: " + join(artifacts, name) + "\nserver log:\n" + log);
}

#!/usr/bin/env bash
# The expert console and the chat widget in a real headless Chromium (tests/browser/*.test.mjs).
# Installs Debian's Chromium and Node (18 or later) if missing, builds the server
# binary, installs playwright-core from the lockfile (no browser download) and runs
# `node --test`. OMNIFY_BIN=path skips the build; CHROMIUM_PATH picks another browser.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

if [ -z "${OMNIFY_BIN:-}" ]; then
  target="${CARGO_TARGET_DIR:-target}"
  case "$target" in /*) ;; *) target="$repo/$target" ;; esac
  # A no-op when the binary is current; never test a stale one.
  cargo build -p omnify-server --bin omnify --locked
  export OMNIFY_BIN="$target/debug/omnify"
fi

cd "$here"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
node --test *.test.mjs

#!/usr/bin/env bash
# Installs Chromium (Debian package) for the browser tests unless it is
# already there. Set CHROMIUM to use another binary instead.
set -euo pipefail
bin="${CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$bin" ]]; then
  exit 0
fi
if [[ -n "${CHROMIUM:-}" ]]; then
  echo "CHROMIUM=$bin is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "Chromium not found at $bin and apt-get is unavailable: install Chromium and set CHROMIUM=/path/to/chromium" >&2
  exit 1
fi
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium

#!/bin/sh
# Ensure Debian's Chromium is at /usr/bin/chromium, for the dashboard's browser test
# (test/dashboard/browser.test.ts drives it with playwright-core; no browser download).
# Idempotent: does nothing when it is already installed. Needs root (or sudo) for apt-get.
set -eu

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: need root (or sudo) to apt-get install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium

/usr/bin/chromium --version

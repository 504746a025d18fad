#!/usr/bin/env bash
# Installs axe-core (pinned in package.json / package-lock.json) into node_modules/ for the
# accessibility tests (tests/test_accessibility.py). Runs `npm ci` only when node_modules/axe-core
# is missing or package-lock.json changed since the last install; nothing from npm ships in a pack.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=package-lock.json
stamp=node_modules/.kpitools-package-lock.sha256
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f node_modules/axe-core/axe.min.js ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's nodejs and npm for the accessibility tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "npm is not installed and cannot be installed here: install Node.js and npm" >&2
    echo "(the accessibility tests need axe-core from package-lock.json: run 'npm ci')" >&2
    exit 1
  fi
fi
echo "Installing axe-core from package-lock.json (npm ci)..."
npm ci --no-audit --no-fund
echo "$want" > "$stamp"

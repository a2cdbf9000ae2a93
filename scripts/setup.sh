#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine: the Debian packages vipd's tests and demo use, then npm ci
# (which also builds the native raw-socket addon and compiles the TypeScript). Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
mapfile -t pkgs < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts packaged daemons on install; vipd's tests start their own copies inside namespaces.
for svc in keepalived nginx frr; do systemctl stop "$svc" >/dev/null 2>&1 || true; done
npm ci

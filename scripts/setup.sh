#!/usr/bin/env bash
# Installs what haops and its lab need on a Debian machine (run as root), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for cmd in debootstrap:debootstrap systemd-nspawn:systemd-container dpkg-scanpackages:dpkg-dev ip:iproute2 ssh:openssh-client ssh-keygen:openssh-client curl:curl chromium:chromium nft:nftables wrk:wrk ab:apache2-utils shellcheck:shellcheck; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || need+=("${cmd##*:}")
done
# wrk and ab (apache2-utils): kept-alive and new-connection load through the VIP in the lab test and bench.
# shellcheck lints every node-side script (test/scripts).
# Tests: Prometheus's parser reads `status --prom` output; chromium (above) renders the drill report.
/usr/bin/python3 -c 'import prometheus_client.parser' >/dev/null 2>&1 || need+=(python3-prometheus-client)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "haops setup: missing ${need[*]}: run as root, or apt-get install -y ${need[*]}" >&2; exit 2; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
npm run -s build

#!/usr/bin/env bash
# The main job on the built-in lab, from nothing: set-up, boot two Debian nodes, deploy the pair
# to them, then prove it (status, failover drill). Run as root on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
haops() { node bin/haops.js "$@"; }
haops lab up
haops deploy --accept-new inventory/lab.yaml
echo "--- a second deploy changes nothing:"
haops deploy inventory/lab.yaml
if node bin/haops.js --help | grep -q failover-drill; then
  haops status inventory/lab.yaml
  haops failover-drill inventory/lab.yaml
fi
echo "The lab stays up for you to explore: 'node bin/haops.js lab status', 'node bin/haops.js lab down'."

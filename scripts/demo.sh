#!/usr/bin/env bash
# The main job on the built-in lab, from nothing: set-up, boot two Debian nodes, deploy the pair
# to them, show that a second deploy changes nothing, then prove it: status and a failover drill.
# Run as root on Debian. The lab stays up afterwards; `node bin/haops.js lab down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
haops() { node bin/haops.js "$@"; }
haops lab up
haops deploy inventory/lab.yaml
echo "--- a second deploy changes nothing:"
haops deploy inventory/lab.yaml
haops status inventory/lab.yaml
haops notify-test inventory/lab.yaml
haops failover-drill inventory/lab.yaml

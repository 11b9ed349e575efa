#!/usr/bin/env bash
# The main job on the built-in lab, from nothing: set-up, boot two Debian nodes, deploy the pair
# to them, show that a second deploy changes nothing, then prove it: status, a client over HTTPS
# through the VIP, and a failover drill (its probe asks the HTTPS site).
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
echo "--- a client through the VIP, over HTTPS, trusting only the lab CA written beside the inventory:"
mapfile -t vips < <(node scripts/lab-vips.mjs inventory/lab.yaml)
for vip in "${vips[@]}"; do
  url="https://$vip/"
  [[ $vip == *:* ]] && url="https://[$vip]/"
  echo "curl --cacert inventory/lab-ca.pem $url"
  curl -sS -g --max-time 5 --cacert inventory/lab-ca.pem "$url"
done
haops notify-test inventory/lab.yaml
haops failover-drill inventory/lab.yaml

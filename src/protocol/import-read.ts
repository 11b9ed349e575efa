// What import reads on a node, in one round trip: keepalived.conf and every file it includes (the
// include closure is followed on the node), the notify scripts it names, and with ALL also the OS,
// the versions, whether the daemons run, the IPv4 addresses and `nginx -T`. One section per answer.
import { RUN_FUNCTION } from './sections.js';
import { nodeScript } from './script.js';

export const READ_HEADER = '# haops import v1';
export const KEEPALIVED_MAIN = '/etc/keepalived/keepalived.conf';
/** Files larger than this are cut: a keepalived.conf or notify script is a few KiB. */
export const MAX_BYTES = 262144;

const TEXT = `${RUN_FUNCTION}
probe_os_release() { cat /etc/os-release; }
probe_redhat_release() { cat /etc/redhat-release; }
probe_keepalived_version() { keepalived -v 2>&1 | head -n 1; }
probe_nginx_version() { nginx -v 2>&1 | head -n 1; }
probe_kafile() { if [ -f "$1" ]; then head -c ${MAX_BYTES} "$1"; else return 2; fi; }
probe_script() { if [ -f "$1" ]; then head -c ${MAX_BYTES} "$1"; else return 2; fi; }
probe_nginx_t() { nginx -T 2>&1; }
probe_addr() { ip -o -4 addr show; }
probe_running() { pidof "$1"; }
if [ -n "$ALL" ]; then
  run os_release
  run redhat_release
  run keepalived_version
  run nginx_version
  run running keepalived
  run running nginx
  run addr
fi
# The include closure, followed here: a queue of paths, each read once; the \`include\` words of each
# file are globbed relative to its directory, as keepalived does.
kq=${KEEPALIVED_MAIN}; ks=' '; kn=0
while [ -n "$kq" ] && [ $kn -lt 64 ]; do
  # shellcheck disable=SC2086
  set -f; set -- $kq; set +f; kf=$1; shift; kq="$*"
  case "$ks" in *" $kf "*) continue ;; esac
  ks="$ks$kf "; kn=$((kn + 1)); run kafile "$kf"; [ -f "$kf" ] || continue
  kd=$(dirname "$kf"); set -f
  for kp in $(sed -n 's/^[[:space:]]*include[[:space:]][[:space:]]*\\([^#!]*\\).*/\\1/p' "$kf"); do
    case $kp in /*) ;; *) kp="$kd/$kp" ;; esac; set +f
    for kg in $kp; do [ -f "$kg" ] && kq="$kq $kg"; done; set -f
  done; set +f
done
# The scripts keepalived runs on a state change (the first word of each notify line).
for kf in $ks; do sed -n 's/^[[:space:]]*notify[a-z_]*[[:space:]][[:space:]]*"\\{0,1\\}\\(\\/[^"[:space:]]*\\).*/\\1/p' "$kf"; done | sort -u | while read -r kp; do run script "$kp"; done
[ -z "$ALL" ] || run nginx_t
`;

/** ALL: the whole node (import); without it, keepalived.conf and its includes only (deploy --check's comparison). */
export const IMPORT_READ = nodeScript('import read', { ALL: true }, TEXT, READ_HEADER);

// The facts script: what a node is, in one round trip (OS, package manager, init, packages,
// services, files, pending handlers, and on EL the firewall, SELinux, EPEL, sysctl, repositories and
// nginx's module), and `factsSections`, which turns its output into one section per question.
//
// It is cheap on purpose (a no-op deploy is mostly this script): one dpkg-query or rpm for every
// package, one `systemctl is-enabled` and one `is-active` for every service, one sha256sum and one
// stat for every file, and shell builtins where a builtin answers (`[ -e ]`, `read`, `command -v`).

import { splitSections, type Section } from '../core/sections.js';
import { RUN_FUNCTION } from './sections.js';
import { byInit, IS_SYSTEMD } from './init.js';
import { nodeScript } from './script.js';

/** The simulated hosts (test/sim) know the script by this first line. */
export const FACTS_HEADER = '# haops facts v2';

const TEXT = `${RUN_FUNCTION}
NL='
'
# A file's lines with the shell's own read (no cat); a missing file answers with status 1.
lines() { [ -r "$1" ] || { echo "cannot read $1"; return 1; }; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$1"; }
# The first line a command prints (on stdout or stderr), without a pipe to head.
first() { v=$("$@" 2>&1); printf '%s\\n' "\${v%%"$NL"*}"; }
probe_os_release() { lines /etc/os-release; }
probe_redhat_release() { lines /etc/redhat-release; }
probe_pm() { command -v dnf || command -v yum || command -v apt-get; }
probe_init() { ${byInit('echo systemd', 'echo sysv')}; }
# Every package in one query: dpkg-query's "NAME STATUS VERSION", or rpm's "NAME VERSION-RELEASE".
# EL9 images ship curl-minimal, which provides the curl command and conflicts with the curl package.
probe_packages() {
  if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='\${Package} \${Status} \${Version}\\n' "$@"
  else case " $* " in *' curl '*) set -- "$@" curl-minimal ;; esac; rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' "$@"; fi
}
probe_keepalived_version() { first keepalived -v; }
# The site's forms follow the nginx installed (HTTP/2: a listen flag from 1.9.5, \`http2 on;\` from 1.25.1).
probe_nginx_version() { first nginx -v; }
# A container with its own network namespace gets no proc events (track_process cannot work).
probe_container() { if command -v systemd-detect-virt >/dev/null 2>&1; then systemd-detect-virt --container; else echo none; fi; }
# One systemctl for every service, when its answer is one word per service whose exit status is known
# (is-enabled stops at a unit it cannot read, and speaks of a SysV script on stderr): else one each.
units() {
  u=$(systemctl "$1" $SERVICES 2>&1); n=0
  for w in $u; do
    case "$1 $w" in 'is-enabled enabled' | 'is-enabled disabled' | 'is-active active' | 'is-active inactive' | 'is-active failed' | 'is-active unknown') n=$((n + 1)) ;; *) return 1 ;; esac
  done
  [ "$n" -eq "$NS" ]
}
probe_units() { printf '%s\\n' "$u"; }
# Debian without systemd has no chkconfig: its rc links are printed in chkconfig's format.
probe_enabled() {
  if ${IS_SYSTEMD}; then systemctl is-enabled "$1"; elif command -v chkconfig >/dev/null 2>&1; then chkconfig --list "$1"
  elif [ -x "/etc/init.d/$1" ]; then printf '%s \\t' "$1"; set +f; for l in 0 1 2 3 4 5 6; do if ls /etc/rc$l.d/S[0-9][0-9]"$1" >/dev/null 2>&1; then printf '%s:on\\t' $l; else printf '%s:off\\t' $l; fi; done; set -f; echo
  else echo "$1: unrecognized service"; return 1; fi
}
# Debian's keepalived init script has no \`status\` action: then the daemon's pid says it.
probe_active() { if ${IS_SYSTEMD}; then systemctl is-active "$1"; elif [ -f "/etc/init.d/$1" ] && ! grep -q 'status)' "/etc/init.d/$1"; then pidof "$1"; else service "$1" status; fi; }
probe_pending() { set +f; for p in /var/lib/haops/pending/*; do [ -e "$p" ] && printf '%s\\n' "\${p##*/}"; done; set -f; true; }
# The first lines of every file haops writes say "Managed by haops": anything else was written by someone else.
# Whose a file is: haops' marker in its first three lines (read by the shell: no head, no grep).
probe_owner() {
  [ -e "$1" ] || { echo missing; return; }
  o=foreign; n=0; l=
  while [ $n -lt 3 ] && { IFS= read -r l || [ -n "$l" ]; }; do
    case $l in *'Managed by haops'*) o=haops; break ;; esac
    n=$((n + 1)); l=
  done < "$1"
  echo "$o"
}
# Every file in one sha256sum and one stat: "missing PATH", "HASH  PATH", "MODE OWNER:GROUP PATH".
probe_files() {
  set --; for f in $FILES; do if [ -e "$f" ]; then set -- "$@" "$f"; else echo "missing $f"; fi; done
  [ $# -eq 0 ] || { sha256sum "$@"; stat -c '%a %U:%G %n' "$@"; }
}
# EL: firewalld first (EL7+), then the EL6 iptables service; both answer only when running.
probe_firewall() {
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
    z=$(firewall-cmd --get-zone-of-interface="$1" 2>/dev/null) || z=$(firewall-cmd --get-default-zone); echo "firewalld $z"
    firewall-cmd --zone="$z" --list-all; echo '@@permanent'; firewall-cmd --permanent --zone="$z" --list-all
  # The iptables service: EL6's init script, or EL7+'s iptables-services (its init helper in /usr/libexec).
  elif { [ -x /etc/init.d/iptables ] || [ -x /usr/libexec/iptables/iptables.init ]; } && service iptables status >/dev/null 2>&1; then
    echo iptables; iptables -S INPUT; echo '@@saved'; cat /etc/sysconfig/iptables
  # firewalld installed but stopped (--state exits 252, "not running"): nothing filters now, but its zone will when started.
  elif command -v firewall-cmd >/dev/null 2>&1; then echo 'none firewalld-stopped'; else echo none; fi
}
probe_selinux() { if command -v getenforce >/dev/null 2>&1; then getenforce; else echo Disabled; fi; command -v semanage; true; }
probe_secontext() { if [ -e "$1" ]; then stat -c %C "$1"; else echo missing; fi; matchpathcon -n "$1"; }
probe_sebool() { getsebool "$1"; }
probe_seports() { semanage port -l; }
# The running value, then every line of the files that persist it (grep -H: FILE:LINE).
probe_sysctl() { sysctl -n "$1" || return 1; grep -sH "^[[:space:]]*$1[[:space:]]*=" $SYSCTL_FILES; return 0; }
# The mirror pre-flight: only where yum (not dnf) installs and a wanted package is missing.
# stdout is dropped (the repo table); yum's own error lines and exit code are the answer.
probe_repos() {
  if command -v dnf >/dev/null 2>&1 || ! command -v yum >/dev/null 2>&1; then echo skipped; return 0; fi
  if [ $# -gt 0 ] && ! rpm -q "$@" >/dev/null 2>&1; then { yum -q repolist >/dev/null; } 2>&1; return $?; fi; echo skipped
}
# nginx's module stream (EL8/9): the installed package's MODULARITYLABEL, else the streams on offer.
probe_module() {
  if ! command -v dnf >/dev/null 2>&1; then echo none; return 0; fi
  if l=$(rpm -q --qf '%{MODULARITYLABEL}' "$1" 2>/dev/null); then echo "installed $l"; return 0; fi; dnf -q module list "$1" 2>&1
}
# Paths are plain words: split, never globbed.
set -f
run os_release
run redhat_release
run pm
run init
# shellcheck disable=SC2086
[ -z "$PACKAGES" ] || run packages $PACKAGES
run keepalived_version
[ -z "$NGINX" ] || run nginx_version
run container
NS=0; for s in $SERVICES; do NS=$((NS + 1)); done
if [ "$NS" -gt 0 ] && ${IS_SYSTEMD} && units is-enabled; then run units is-enabled; else for s in $SERVICES; do run enabled "$s"; done; fi
if [ "$NS" -gt 0 ] && ${IS_SYSTEMD} && units is-active; then run units is-active; else for s in $SERVICES; do run active "$s"; done; fi
[ -z "$FILES" ] || run files
for p in $OWNED; do run owner "$p"; done
run pending
if [ -n "$EL" ]; then
  run firewall "$IFACE"
  run selinux
  # Without SELinux's tools (Debian) there is no label, boolean or port type to read.
  if command -v getenforce >/dev/null 2>&1; then
    for p in $SECONTEXT; do run secontext "$p"; done
    run sebool "$SEBOOL"
    [ -z "$SEPORTS" ] || run seports
  fi
  [ -z "$SYSCTL" ] || run sysctl "$SYSCTL"
  # shellcheck disable=SC2086
  [ -z "$REPOS" ] || run repos $REPOS
  [ -z "$MODULE" ] || run module "$MODULE"
fi
# The scripts that follow in the same exec (ownership, check proof, VIP probe) glob as usual.
set +f
`;

export const FACTS = nodeScript(
  'facts',
  {
    /** The wanted packages, and on EL epel-release (its version says whether EPEL is there). */
    PACKAGES: ['keepalived', 'nginx', 'curl', 'epel-release'],
    /** Also ask for nginx's version. */
    NGINX: true,
    SERVICES: ['nginx', 'keepalived'],
    FILES: ['/etc/keepalived/keepalived.conf', '/etc/nginx/conf.d/haops.conf'],
    /** Paths whose author is asked (an adopted node), else none. */
    OWNED: [] as string[],
    /** EL facts (and the questions that answer "none" on Debian). */
    EL: true,
    IFACE: 'eth0',
    SECONTEXT: ['/usr/local/bin/keepalived_notify.sh', '/usr/sbin/keepalived'],
    SEBOOL: 'httpd_can_network_connect',
    SEPORTS: false,
    /** The sysctl to read ('' none), and the files that persist it. */
    SYSCTL: 'net.ipv4.ip_nonlocal_bind',
    SYSCTL_FILES: ['/etc/sysctl.conf', '/etc/sysctl.d/90-haops.conf'],
    /** The packages of the mirror pre-flight (none: no pre-flight). */
    REPOS: ['epel-release', 'keepalived'],
    /** The package whose module stream is read ('' none). */
    MODULE: 'nginx',
  },
  TEXT,
  FACTS_HEADER,
);

/** is-enabled's exit status for the two words a batch answer may hold; is-active's 0 or 3. */
const UNIT_CODE: Record<string, number> = { enabled: 0, disabled: 1, active: 0, inactive: 3, failed: 3, unknown: 3 };

const DPKG = /^(\S+) (\S+ \S+ \S+)(?: (\S+))?$/;
const RPM = /^(\S+) (\S+)$/;
const NOT_INSTALLED = /^package (\S+) is not installed$/;

/** The batch package answer, as one section per package (`@@haops package NAME`), each as a query of it alone answers. */
function packageSections(s: Section): Section[] {
  const names = s.arg.split(' ').filter(Boolean);
  const lines = s.body.split('\n').map((l) => l.trim());
  const dpkg = new Map<string, string>();
  const rpm = new Map<string, string>();
  for (const l of lines) {
    const d = DPKG.exec(l);
    if (d && !NOT_INSTALLED.test(l)) {
      if (!dpkg.has(d[1]!)) dpkg.set(d[1]!, `${d[2]} ${d[3] ?? ''}`.trim());
      continue;
    }
    const r = RPM.exec(l);
    if (r && !rpm.has(r[1]!)) rpm.set(r[1]!, r[2]!);
  }
  return names.map((name) => {
    const one = (body: string, code: number): Section => ({ kind: 'package', arg: name, body, code });
    if (dpkg.has(name)) return one(dpkg.get(name)!, 0);
    if (rpm.has(name)) return one(rpm.get(name)!, 0);
    if (name === 'curl' && rpm.has('curl-minimal')) return one(rpm.get('curl-minimal')!, 0);
    return one(lines.find((l) => l.endsWith(` ${name}`) || NOT_INSTALLED.exec(l)?.[1] === name) ?? '', 1);
  });
}

/** The batch systemctl answer, as one `enabled NAME` or `active NAME` section per service, in SERVICES' order. */
function unitSections(s: Section, services: readonly string[]): Section[] {
  const kind = s.arg === 'is-enabled' ? 'enabled' : 'active';
  const words = s.body.split('\n').filter(Boolean);
  return services.map((name, i) => ({ kind, arg: name, body: words[i] ?? '', code: UNIT_CODE[words[i] ?? ''] ?? 1 }));
}

/** The batch file answer, as one `file PATH` section per file: `missing`, or its sha256sum and stat lines. */
function fileSections(s: Section, files: readonly string[]): Section[] {
  const lines = s.body.split('\n');
  return files.map((path) => {
    const one = (body: string, code: number): Section => ({ kind: 'file', arg: path, body, code });
    if (lines.includes(`missing ${path}`)) return one('missing', 0);
    const sum = lines.find((l) => /^[0-9a-f]{64} {2}/.test(l) && l.slice(66) === path);
    const stat = lines.find((l) => /^[0-7]+ \S+:\S+ /.test(l) && l.slice(l.indexOf(' ', l.indexOf(' ') + 1) + 1) === path);
    if (sum && stat) return one(`${sum}\n${stat.slice(0, -path.length - 1)}`, 0);
    // What sha256sum or stat said about it (permission denied, a directory), else that nothing was said.
    const said = lines.filter((l) => l.includes(path) && l !== sum && l !== stat);
    return one(said.join('\n') || `no answer for ${path}`, 1);
  });
}

/**
 * The facts script's output as one section per question (`package NAME`, `enabled NAME`,
 * `active NAME`, `file PATH`, and the others as printed): the batch answers split per item, each
 * with the body and exit status a question about that item alone gets.
 */
export function factsSections(stdout: string, asked: { services: readonly string[]; files: readonly string[] }): Section[] {
  return splitSections(stdout).flatMap((s) => {
    if (s.kind === 'packages') return packageSections(s);
    if (s.kind === 'units') return unitSections(s, asked.services);
    if (s.kind === 'files') return fileSections(s, asked.files);
    return [s];
  });
}

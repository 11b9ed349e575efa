// The one facts-gathering script per host: POSIX sh (CentOS 6's bash 4.1, Debian's dash),
// built from small probes, each framed by `run` (see core/sections.ts).

import { byInit, IS_SYSTEMD } from '../platforms/services.js';
import type { WantedState } from '../core/state.js';
import { RUN_FUNCTION, runLine } from '../core/sections.js';
import { EL_PROBES, elProbeLines } from './el.js';

export const FACTS_HEADER = '# haops facts v1';

const PROBES = [
  `probe_os_release() { cat /etc/os-release; }`,
  `probe_redhat_release() { cat /etc/redhat-release; }`,
  `probe_pm() { command -v dnf || command -v yum || command -v apt-get; }`,
  `probe_init() { ${byInit('echo systemd', 'echo sysv')}; }`,
  // EL9 images ship curl-minimal, which provides the curl command and conflicts with the curl package.
  `probe_package() { if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='\${Status} \${Version}\\n' "$1"; else ` +
    `{ if [ "$1" = curl ] && ! rpm -q curl >/dev/null 2>&1 && rpm -q curl-minimal >/dev/null 2>&1; then set -- curl-minimal; fi; ` +
    `rpm -q --qf '%{VERSION}-%{RELEASE}\\n' "$1"; }; fi; }`,
  `probe_keepalived_version() { keepalived -v 2>&1 | head -1; }`,
  // The site's forms follow the nginx installed (HTTP/2: a listen flag from 1.9.5, `http2 on;` from 1.25.1).
  `probe_nginx_version() { nginx -v 2>&1 | head -1; }`,
  // A container with its own network namespace gets no proc events (track_process cannot work).
  `probe_container() { if command -v systemd-detect-virt >/dev/null 2>&1; then systemd-detect-virt --container; else echo none; fi; }`,
  // Debian without systemd has no chkconfig: its rc links are printed in chkconfig's format.
  `probe_enabled() { if ${IS_SYSTEMD}; then systemctl is-enabled "$1"; elif command -v chkconfig >/dev/null 2>&1; then chkconfig --list "$1"; ` +
    `elif [ -x "/etc/init.d/$1" ]; then printf '%s \\t' "$1"; for l in 0 1 2 3 4 5 6; do if ls /etc/rc$l.d/S[0-9][0-9]"$1" >/dev/null 2>&1; then printf '%s:on\\t' $l; else printf '%s:off\\t' $l; fi; done; echo; else echo "$1: unrecognized service"; return 1; fi; }`,
  // Debian's keepalived init script has no `status` action: then the daemon's pid says it.
  `probe_active() { if ${IS_SYSTEMD}; then systemctl is-active "$1"; elif [ -f "/etc/init.d/$1" ] && ! grep -q 'status)' "/etc/init.d/$1"; then pidof "$1"; else service "$1" status; fi; }`,
  `probe_pending() { ls /var/lib/haops/pending 2>/dev/null; true; }`,
  // The first lines of every file haops writes say "Managed by haops": anything else was written by someone else.
  `probe_owner() { if [ ! -e "$1" ]; then echo missing; elif head -n 3 "$1" | grep -q 'Managed by haops'; then echo haops; else echo foreign; fi; }`,
  `probe_file() { if [ -e "$1" ]; then sha256sum "$1" && stat -c '%a %U:%G' "$1"; else echo missing; fi; }`,
];

/** Paths whose author deploy asks about: only on an adopted node (the rendered files and those to move aside). */
export function ownedPaths(wanted: WantedState): string[] {
  if (!wanted.adopt) return [];
  return [...new Set([...wanted.files.map((f) => f.path), ...wanted.adopt.moveAside])];
}

export function factsScript(wanted: WantedState): string {
  return (
    [
      FACTS_HEADER,
      RUN_FUNCTION,
      ...PROBES,
      ...(wanted.el ? EL_PROBES : []),
      runLine('os_release'),
      runLine('redhat_release'),
      runLine('pm'),
      runLine('init'),
      ...wanted.packages.map((p) => runLine('package', p)),
      runLine('keepalived_version'),
      ...(wanted.packages.includes('nginx') ? [runLine('nginx_version')] : []),
      runLine('container'),
      ...wanted.services.flatMap((s) => [runLine('enabled', s.name), runLine('active', s.name)]),
      ...wanted.files.map((f) => runLine('file', f.path)),
      ...ownedPaths(wanted).map((p) => runLine('owner', p)),
      runLine('pending'),
      ...(wanted.el ? elProbeLines(wanted.el, wanted.packages) : []),
    ].join('\n') + '\n'
  );
}

// The one facts-gathering script per host: POSIX sh (CentOS 6's bash 4.1, Debian's dash),
// built from small probes, each framed by `run` (see core/sections.ts).

import { byInit } from '../platforms/services.js';
import type { WantedState } from '../core/state.js';
import { RUN_FUNCTION, runLine } from '../core/sections.js';

export const FACTS_HEADER = '# haops facts v1';

const PROBES = [
  `probe_os_release() { cat /etc/os-release; }`,
  `probe_redhat_release() { cat /etc/redhat-release; }`,
  `probe_pm() { command -v dnf || command -v yum || command -v apt-get; }`,
  `probe_init() { ${byInit('echo systemd', 'echo sysv')}; }`,
  `probe_package() { if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='\${Status} \${Version}\\n' "$1"; else rpm -q --qf '%{VERSION}-%{RELEASE}\\n' "$1"; fi; }`,
  `probe_keepalived_version() { keepalived -v 2>&1 | head -1; }`,
  `probe_enabled() { ${byInit('systemctl is-enabled "$1"', 'chkconfig --list "$1"')}; }`,
  `probe_active() { ${byInit('systemctl is-active "$1"', 'service "$1" status')}; }`,
  `probe_pending() { ls /var/lib/haops/pending 2>/dev/null; true; }`,
  `probe_file() { if [ -e "$1" ]; then sha256sum "$1" && stat -c '%a %U:%G' "$1"; else echo missing; fi; }`,
];

export function factsScript(wanted: WantedState): string {
  return (
    [
      FACTS_HEADER,
      RUN_FUNCTION,
      ...PROBES,
      runLine('os_release'),
      runLine('redhat_release'),
      runLine('pm'),
      runLine('init'),
      ...wanted.packages.map((p) => runLine('package', p)),
      runLine('keepalived_version'),
      ...wanted.services.flatMap((s) => [runLine('enabled', s.name), runLine('active', s.name)]),
      ...wanted.files.map((f) => runLine('file', f.path)),
      runLine('pending'),
    ].join('\n') + '\n'
  );
}

// Installing packages where one command is not enough: apt-get on Debian needs fresh lists on a
// new machine, and lists from another source (or a stale mirror) may not know a package yet.
// yum and dnf install in one command (commands.ts).

import { nodeScript } from './script.js';

export const APT_INSTALL = nodeScript(
  'apt install',
  { PACKAGES: ['keepalived', 'nginx'] },
  `# Lists missing or older than a day: refresh them first.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null | head -1)" ]; then apt-get update -q || exit; fi
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $PACKAGES && exit 0
# The lists do not know a package: refresh once, retry.
# shellcheck disable=SC2086 # one word per package
apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $PACKAGES
`,
  '# haops install v1',
);

// The current text of files, for --diff only: one section per path (`@@haops content PATH`), exit
// status 2 when the file is absent; and its parser.
import { splitSections } from '../core/sections.js';
import { RUN_FUNCTION } from './sections.js';
import { nodeScript } from './script.js';

/** The simulated hosts (test/sim) know the script by this first line. */
export const CONTENTS_HEADER = '# haops contents v2';

const TEXT = `${RUN_FUNCTION}
probe_content() { if [ -e "$1" ]; then cat "$1"; else echo missing; return 2; fi; }
set -f
for p in $PATHS; do run content "$p"; done
set +f
`;

export const CONTENTS = nodeScript(
  'contents',
  { PATHS: ['/etc/keepalived/keepalived.conf', '/etc/nginx/conf.d/haops.conf'] },
  TEXT,
  CONTENTS_HEADER,
);

/** Per path: its text, null when absent, or what reading it said (`error`). */
export function parseContents(stdout: string, paths: readonly string[]): Record<string, { text: string | null } | { error: string }> {
  const sections = splitSections(stdout);
  const out: Record<string, { text: string | null } | { error: string }> = {};
  for (const p of paths) {
    const s = sections.find((x) => x.kind === 'content' && x.arg === p);
    if (!s || s.code === 2) out[p] = { text: null };
    else if (s.code !== 0) out[p] = { error: s.body.trim() };
    else out[p] = { text: s.body };
  }
  return out;
}

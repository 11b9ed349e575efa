// Who owns each path keepalived runs as root, and every directory above it: one stat for every
// path (and for a link, one for the link and one for its target), `own PATH UID MODE TYPE` lines,
// `own PATH missing`; and their parser.
import { nodeScript } from './script.js';

export const OWN_MARK = '@@haops-own@@';

export interface PathOwner {
  uid: number;
  /** Permission bits, octal as stat prints them (e.g. 755, 1777). */
  mode: number;
  type: 'file' | 'dir' | 'link' | 'other';
}

const TEXT = `echo '${OWN_MARK}'
set -f
e=; l=
for p in $PATHS; do if [ -L "$p" ]; then l="$l $p"; elif [ -e "$p" ]; then e="$e $p"; else echo "own $p missing"; fi; done
# shellcheck disable=SC2086
[ -z "$e" ] || stat -c 'own %n %u %a %F' $e 2>/dev/null
# shellcheck disable=SC2086
[ -z "$l" ] || { stat -c 'own %n %u %a link' $l; stat -L -c 'own %n -> %u %a %F' $l; } 2>/dev/null
set +f
`;

export const OWNERSHIP = nodeScript(
  'ownership',
  { PATHS: ['/usr/local/bin/keepalived_notify.sh', '/usr/local/bin', '/usr/local', '/usr', '/'] },
  TEXT,
);

const typeOf = (t: string): PathOwner['type'] =>
  t === 'directory' ? 'dir' : t === 'link' ? 'link' : t.startsWith('regular') ? 'file' : 'other';

/** Per path: what stat said (a link's target under `PATH ->`); missing paths are absent. */
export function parseOwnership(stdout: string): Map<string, PathOwner> {
  const out = new Map<string, PathOwner>();
  const at = stdout.indexOf(`${OWN_MARK}\n`);
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n')) {
    const m = /^own (\/\S*)( ->)? (\d+) ([0-7]+) (.+)$/.exec(line);
    if (!m) continue;
    out.set(m[2] ? `${m[1]} ->` : m[1]!, { uid: Number(m[3]), mode: Number.parseInt(m[4]!, 8), type: typeOf(m[5]!.trim()) });
  }
  return out;
}

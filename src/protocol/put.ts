// The file put: one exec puts one file in place, its content on stdin. A temp file beside the
// target gets its mode and owner and is validated; the live file is kept as FILE.haops-bak, then
// mv (atomic, same directory). A file nginx includes is tested in place and put back on failure.
//
// What it prints: `@@haops failed STEP RC`, `@@haops unvalidated RC`, `@@haops done`.

import { nodeScript } from './script.js';

/** The first line the simulated hosts know a put by. */
export const PUT_HEADER = '# haops put v1';

/** Where a node keeps the handlers it still owes (SERVICE.ACTION files). */
export const PENDING_DIR = '/var/lib/haops/pending';

const TEXT = `# FILE from stdin through TEMP (beside it). VALIDATE: keepalived (tests TEMP before it goes live),
# nginx (tests the whole configuration with FILE live, put back on failure) or empty.
# PENDING: the handlers this file owes (SERVICE.ACTION), recorded so a run cut short still runs them.
BACKUP="$FILE.haops-bak"
fail() { rm -f "$TEMP"; printf '@@haops failed %s %s\\n' "$1" "\${2:-1}"; exit 1; }
if [ -n "$MAKE_DIR" ]; then
  DIR=\${FILE%/*}
  mkdir -p "\${DIR:-/}" || fail mkdir
fi
(umask 077 && cat > "$TEMP") || fail upload
chmod "$MODE" "$TEMP" && chown root:root "$TEMP" || fail mode
if [ "$VALIDATE" = keepalived ]; then
  # keepalived 2.2.7 kills itself under -t when script_user is set (exit 143, "Terminated").
  keepalived -t -f "$TEMP"; rc=$?
  case $rc in 0) ;; 143) echo '@@haops unvalidated 143' ;; *) fail validate $rc ;; esac
fi
if [ -e "$FILE" ]; then cp -p "$FILE" "$BACKUP" || fail backup; else rm -f "$BACKUP"; fi
mv -f "$TEMP" "$FILE" || fail install
if [ "$VALIDATE" = nginx ]; then
  nginx -t; rc=$?
  [ $rc -eq 0 ] || { if [ -e "$BACKUP" ]; then mv -f "$BACKUP" "$FILE"; else rm -f "$FILE"; fi; fail validate $rc; }
fi
if [ -n "$PENDING" ]; then
  mkdir -p ${PENDING_DIR} || fail pending
  for h in $PENDING; do touch "${PENDING_DIR}/$h" || fail pending; done
fi
echo '@@haops done'
`;

export const PUT = nodeScript(
  'put file',
  {
    FILE: '/etc/keepalived/keepalived.conf',
    TEMP: '/etc/keepalived/.keepalived.conf.haops-abc123',
    MODE: '0640',
    MAKE_DIR: true,
    VALIDATE: 'keepalived',
    PENDING: ['keepalived.reload'],
  },
  TEXT,
  PUT_HEADER,
);

/** How the file is checked: before it goes live (keepalived -t), in place (nginx -t), or not at all. */
export type PutValidation = 'keepalived' | 'nginx' | '';

export interface PutResult {
  failed?: { step: string; code: number };
  unvalidated?: number;
  done: boolean;
}

export function parsePut(stdout: string): PutResult {
  const failed = /^@@haops failed (\S+) (\d+)$/m.exec(stdout);
  const unvalidated = /^@@haops unvalidated (\d+)$/m.exec(stdout);
  return {
    failed: failed ? { step: failed[1]!, code: Number(failed[2]) } : undefined,
    unvalidated: unvalidated ? Number(unvalidated[1]) : undefined,
    done: /^@@haops done$/m.test(stdout),
  };
}

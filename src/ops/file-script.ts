// The remote script that puts one file in place in one exec, content on stdin: write a temp
// file beside the target, set mode and owner, validate, keep the live file as FILE.haops-bak,
// then mv (atomic, same directory). A file nginx includes is tested in place and put back on failure.
//
// Markers on stdout: `@@haops failed STEP RC`, `@@haops unvalidated RC`, `@@haops done`.

import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { shellQuote } from '../core/quote.js';

export const PUT_HEADER = '# haops put v1';

export interface PutPlan {
  path: string;
  mode: string;
  /** Checks the temp file before it replaces the live one (keepalived -t -f TMP). */
  validateBefore?: string;
  /** Checks the whole configuration with the new file live, rolled back on failure (nginx -t). */
  validateInPlace?: string;
  /** Handlers this file owes, recorded on the node so a run cut short still runs them next time. */
  pending?: string[];
  /** mkdir -p the file's directory first. */
  makeDir?: boolean;
}

/** Where a node keeps the handlers it still owes (SERVICE.ACTION files). */
export const PENDING_DIR = '/var/lib/haops/pending';

export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.haops-${randomBytes(3).toString('hex')}`);
}

const backupPathFor = (path: string) => `${path}.haops-bak`;

export function putScript(p: PutPlan, tmp: string): string {
  const q = shellQuote;
  const lines = [
    PUT_HEADER,
    `f=${q(p.path)} t=${q(tmp)} b=${q(backupPathFor(p.path))}`,
    `fail() { rm -f "$t"; printf '@@haops failed %s %s\\n' "$1" "\${2:-1}"; exit 1; }`,
  ];
  // Before the upload: the temp file sits beside the target.
  if (p.makeDir) lines.push(`mkdir -p ${q(posix.dirname(p.path))} || fail mkdir`);
  lines.push(`(umask 077 && cat > "$t") || fail upload`, `chmod ${q(p.mode)} "$t" && chown root:root "$t" || fail mode`);
  if (p.validateBefore) {
    // keepalived 2.2.7 kills itself under -t when script_user is set (exit 143, "Terminated").
    lines.push(`${p.validateBefore}; rc=$?; case $rc in 0) ;; 143) echo '@@haops unvalidated 143' ;; *) fail validate $rc ;; esac`);
  }
  lines.push(`if [ -e "$f" ]; then cp -p "$f" "$b" || fail backup; else rm -f "$b"; fi`, `mv -f "$t" "$f" || fail install`);
  if (p.validateInPlace) {
    lines.push(
      `${p.validateInPlace}; rc=$?; [ $rc -eq 0 ] || { if [ -e "$b" ]; then mv -f "$b" "$f"; else rm -f "$f"; fi; fail validate $rc; }`,
    );
  }
  if (p.pending?.length)
    lines.push(`mkdir -p ${PENDING_DIR} && touch ${p.pending.map((x) => `${PENDING_DIR}/${x}`).join(' ')} || fail pending`);
  lines.push(`echo '@@haops done'`);
  return lines.join('\n') + '\n';
}

export interface PutResult {
  failed?: { step: string; code: number };
  unvalidated?: number;
  done: boolean;
}

export function parsePutOutput(stdout: string): PutResult {
  const failed = /^@@haops failed (\S+) (\d+)$/m.exec(stdout);
  const unvalidated = /^@@haops unvalidated (\d+)$/m.exec(stdout);
  return {
    failed: failed ? { step: failed[1]!, code: Number(failed[2]) } : undefined,
    unvalidated: unvalidated ? Number(unvalidated[1]) : undefined,
    done: /^@@haops done$/m.test(stdout),
  };
}

// The --diff view of a file change: a unified diff with every secret masked.

import { createTwoFilesPatch } from 'diff';
import type { Change } from '../core/state.js';
import { maskConfigFields, maskText } from '../core/mask.js';
import { urlCredentials } from '../core/url-credentials.js';

/** Needs `change.before.content` when the file exists (fetchContents). */
export function fileDiff(change: Extract<Change, { kind: 'file' }>, secrets: string[] = []): string {
  const { file, before } = change;
  if (before.exists && before.content === undefined) throw new Error(`fileDiff: content of ${file.path} was not fetched`);
  // The live file may hold an older password than the one being deployed: mask that one too.
  const live = [...(before.content ?? '').matchAll(/^\s*auth_pass\s+(\S+)/gm)].map((m) => m[1]!);
  // ... and an older URL credential (a notify script, a repo file).
  for (const m of (before.content ?? '').matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"]+/g)) live.push(...urlCredentials(m[0]));
  // ... and an older TLS private key (a rotated key is not in the inventory any more).
  for (const m of (before.content ?? '').matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\r?\n?/g))
    live.push(m[0]);
  const all = [...secrets, ...(file.secrets ?? []), ...live];
  // auth_pass by field (any length, even one a word search must skip), then the rest as words.
  const mask = (text: string) => maskText(maskConfigFields(text), all);
  return createTwoFilesPatch(
    file.path,
    file.path,
    mask(before.content ?? ''),
    mask(file.content),
    before.exists ? 'live' : '(absent)',
    'wanted',
  );
}

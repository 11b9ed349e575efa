// Maps well-known remote failures to a one-line hint a user can act on (zx-style): callers
// show the hint next to the tool's own message and never parse messages themselves.

export interface FailedCommand {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

const KEEPALIVED_TEST_CODES: Record<number, string> = {
  4: 'keepalived could not use the configuration (file not found, bad interface or a fatal error)',
  5: 'keepalived found errors in the configuration',
  6: 'script security: every check/notify script and each directory above it must be owned by root and not writable by others',
};

/** yum's own words when an end-of-life CentOS's mirror list no longer answers (EL6 and EL7). */
export const EOL_MIRROR = /Cannot find a valid baseurl for repo|Could not retrieve mirrorlist|All mirror URLs are not using/;
export const EOL_MIRROR_HINT =
  'this CentOS is end-of-life and its mirror list no longer answers: set el_archive.centos (and el_archive.epel) in the inventory to an archive mirror; haops then installs from its own repo file and leaves yours alone';

/** yum's words when the stock epel-release's metalink no longer answers (EPEL 6 and 7 are archived). */
export const EPEL_ARCHIVED = /Cannot retrieve metalink for repository: epel/;
export const EPEL_ARCHIVED_HINT =
  'EPEL 6/7 are archived and the stock epel-release no longer answers: set el_archive.centos and el_archive.epel in the inventory (e.g. https://archives.fedoraproject.org/pub/archive/epel/7); haops then installs only from its own repo file';

export function hintFor(r: FailedCommand): string | undefined {
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.code === 127 || /: command not found|: not found$/m.test(out)) return 'command not found on the host';
  if (EPEL_ARCHIVED.test(out)) return EPEL_ARCHIVED_HINT;
  // CentOS 6/7 are end-of-life: their mirror list answers no more (yum's own words, EL6 and EL7).
  if (EOL_MIRROR.test(out)) return EOL_MIRROR_HINT;
  if (/^No package \S+ available\./m.test(out) || /Unable to find a match/.test(out) || /^E: Unable to locate package/m.test(out)) {
    return 'package not in any enabled repository (EPEL for nginx on EL6/7?)';
  }
  if (/\bkeepalived -t\b/.test(r.command) && KEEPALIVED_TEST_CODES[r.code]) return KEEPALIVED_TEST_CODES[r.code];
  if (/^sudo: sorry, you must have a tty/m.test(out)) return 'sudoers has requiretty: remove it for the deploy user';
  return undefined;
}

/** The line that says what is wrong: nginx's `[emerg] ... in FILE:LINE`, keepalived's `(Line N) ...`, else the last stderr line. */
export function toolMessage(r: FailedCommand): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter(Boolean);
  const notable =
    lines.find((l) => /\[emerg\]/.test(l)) ??
    lines.find((l) => /\(([^)]*: )?Line \d+\)/.test(l)) ??
    lines.find((l) => /Cannot find a valid baseurl for repo|Cannot retrieve metalink for repository/.test(l));
  return (notable ?? lines.filter((l) => !l.startsWith('@@haops')).at(-1) ?? `exit ${r.code}`).replace(/^nginx: /, '');
}

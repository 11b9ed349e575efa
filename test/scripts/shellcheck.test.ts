// shellcheck (the Debian package; scripts/setup.sh installs it) on every shell script haops
// renders onto a node or sends to one: the notify script of the seed inventory and variants, the
// facts, check, status, VIP, drain, switchover and drill scripts. Errors and warnings fail;
// shellcheck's notes and style hints do not (e.g. SC2317 on the notify script's functions that
// are called through a variable).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SCRIPTS } from '../../src/protocol/index.js';
import { example } from '../../src/protocol/script.js';
import { commandScripts, notifyScripts, type NodeScript } from './node-scripts.js';

/** Findings a script has on purpose, each with its reason. */
const ON_PURPOSE: Record<string, { codes: string[]; why: string }> = {
  // None now: an asset says its own with a shellcheck directive where it means it (the drill probe
  // loop's bash-only paths behind a $BASH_VERSION test).
};

function shellcheck(s: NodeScript): string[] {
  const exclude = ON_PURPOSE[s.name]?.codes ?? [];
  const r = spawnSync(
    'shellcheck',
    ['--shell=sh', '--severity=warning', '--format=gcc', ...(exclude.length ? [`--exclude=${exclude.join(',')}`] : []), '-'],
    {
      input: s.text,
      encoding: 'utf8',
    },
  );
  if (r.error)
    throw new Error(`shellcheck could not run (${r.error.message}): install it with scripts/setup.sh (apt-get install shellcheck)`);
  const lines = s.text.split('\n');
  // Each finding with the script line it is about, so a failure reads without the renderer at hand.
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => {
      const at = /^-:(\d+):/.exec(f);
      return at ? `${f}\n    ${lines[Number(at[1]) - 1]}` : f;
    });
}

describe('shellcheck on every node-side script', () => {
  // The protocol room's assets, each bound to its example values, then the notify script and the room's one-command texts.
  const scripts = [...SCRIPTS.map((s) => ({ name: `asset ${s.name}`, text: example(s) })), ...notifyScripts(), ...commandScripts()];

  it.each(scripts.map((s) => [s.name, s] as const))('%s: no error or warning', (_name, s) => {
    expect(shellcheck(s)).toEqual([]);
  });

  it('the lint itself reports a known mistake (a test against a script with a literal -n)', () => {
    expect(shellcheck({ name: 'known bad', text: "[ -n '/etc/x' ] && echo y\n" }).join('\n')).toMatch(/SC2157/);
  });
});

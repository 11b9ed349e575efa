// What keepalived runs as root must be root's alone: the notify script, its log, the check's
// program and every directory above them. The stat lines are what the node prints (real stat
// output here: this machine's own directories, plus hostile ones made for the test).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownershipProblems, ownershipRefusal, ownershipScript, parseOwnership } from '../../src/facts/ownership.js';

const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A root-owned 0755 tree under a fresh temp dir (itself made root's and 0755, under sticky /tmp). */
function tree(): string {
  const d = mkdtempSync(join(tmpdir(), 'haops-own-'));
  chmodSync(d, 0o755);
  dirs.push(d);
  mkdirSync(join(d, 'bin'), { mode: 0o755 });
  writeFileSync(join(d, 'bin', 'notify.sh'), '#!/bin/sh\n', { mode: 0o700 });
  mkdirSync(join(d, 'log'), { mode: 0o755 });
  return d;
}

function check(paths: string[]) {
  const r = spawnSync('/bin/sh', ['-c', ownershipScript(paths)], { encoding: 'utf8' });
  const problems = ownershipProblems(paths, parseOwnership(r.stdout));
  return { problems, refusal: ownershipRefusal('n1', problems) };
}

describe.skipIf(!asRoot)('deploy refuses files a non-root user could replace (real stat on this machine)', () => {
  it('accepts a root-owned tree (a sticky /tmp high above is fine), a log that does not exist yet', () => {
    const d = tree();
    expect(check([join(d, 'bin', 'notify.sh'), join(d, 'log', 'notify.log')]).problems).toEqual([]);
  });

  it('refuses a directory another user owns, naming it and the fix', () => {
    const d = tree();
    chownSync(join(d, 'bin'), 1000, 1000);
    const { problems, refusal } = check([join(d, 'bin', 'notify.sh')]);
    expect(problems).toEqual([{ path: join(d, 'bin'), why: 'owned by uid 1000' }]);
    expect(refusal!.message).toMatch(/refusing to deploy on n1: .*bin is owned by uid 1000/);
    expect(refusal!.hint).toContain(`chown root:root ${join(d, 'bin')} && chmod go-w ${join(d, 'bin')}`);
  });

  it('refuses a group- or world-writable directory, and a log file another user owns', () => {
    const d = tree();
    chmodSync(join(d, 'log'), 0o775);
    writeFileSync(join(d, 'log', 'notify.log'), '');
    chownSync(join(d, 'log', 'notify.log'), 65534, 65534);
    chmodSync(join(d, 'bin'), 0o757);
    const { problems } = check([join(d, 'bin', 'notify.sh'), join(d, 'log', 'notify.log')]);
    expect(problems.map((p) => `${p.path.slice(d.length)} ${p.why}`).sort()).toEqual([
      '/bin world-writable (mode 757)',
      '/log group-writable (mode 775)',
      '/log/notify.log owned by uid 65534',
    ]);
  });

  it('refuses a sticky world-writable directory that holds the file itself (a user could plant it first)', () => {
    const d = tree();
    chmodSync(join(d, 'log'), 0o1777);
    expect(check([join(d, 'log', 'notify.log')]).problems).toEqual([{ path: join(d, 'log'), why: 'world-writable (mode 1777)' }]);
  });

  it('refuses a root-owned symlink that points at something another user owns', () => {
    const d = tree();
    mkdirSync(join(d, 'userdir'));
    chownSync(join(d, 'userdir'), 1000, 1000);
    symlinkSync(join(d, 'userdir'), join(d, 'scripts'));
    const { problems } = check([join(d, 'scripts', 'notify.sh')]);
    expect(problems.map((p) => p.why)).toContain('a link to something owned by uid 1000');
  });
});

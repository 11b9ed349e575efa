// keepalived's state dump as `status` reads it, against a stand-in keepalived on this machine: a
// real process named keepalived that writes its dump on SIGUSR1 (or, to play a dead one, does not).
// The hostile cases are files a local user can plant in a world-writable /tmp.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DUMP_TRUSTED, judgePair, keepalivedDumpScript, parseStatus } from '../../src/status/status.js';
import { webPair } from '../fixtures/web-pair.js';

const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** A dump saying `state` with `priority`, in keepalived 2.2.7's layout. */
const dump = (state: string, priority: number) => ` VRRP Instance = VI_1\n   State = ${state}\n   Effective priority = ${priority}\n`;

interface Stage {
  dir: string;
  pidFile: string;
  dumpFile: string;
  privateDump: string;
  proc: ChildProcess;
}

/** Dated a minute ahead: newer than any signal, so freshness cannot be why a file is refused. */
const fresh = (path: string) => {
  const ahead = new Date(Date.now() + 60_000);
  utimesSync(path, ahead, ahead);
};

const stages: Stage[] = [];
afterEach(() => {
  for (const s of stages.splice(0)) {
    s.proc.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
});

/** A process named keepalived (its comm is the script's name); `writes`: it dumps `real` on SIGUSR1. */
async function stage(writes: boolean, real = dump('BACKUP', 199)): Promise<Stage> {
  const dir = mkdtempSync(join(tmpdir(), 'haops-dump-'));
  chmodSync(dir, 0o1777); // as /tmp is
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const dumpFile = join(dir, 'keepalived.data');
  const privateDump = join(dir, 'private', 'tmp', 'keepalived.data');
  writeFileSync(join(dir, 'real.data'), real);
  const onSignal = writes ? `cp ${join(dir, 'real.data')} ${dumpFile}` : ':';
  writeFileSync(join(bin, 'keepalived'), `#!/bin/sh\ntrap '${onSignal}' USR1\nwhile :; do sleep 0.05; done\n`, { mode: 0o755 });
  const proc = spawn(join(bin, 'keepalived'), [], { stdio: 'ignore' });
  const pidFile = join(dir, 'keepalived.pid');
  writeFileSync(pidFile, `${proc.pid}\n`);
  await new Promise((r) => setTimeout(r, 200)); // the trap is set
  const s = { dir, pidFile, dumpFile, privateDump, proc };
  stages.push(s);
  return s;
}

function read(s: Stage): { stdout: string; state: string | null; priority: number | null | undefined; skipped: string[] } {
  const script = keepalivedDumpScript({ pidFiles: [s.pidFile], dumps: [s.dumpFile, join(s.dir, 'priv*', 'tmp', 'keepalived.data')] });
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  const pair = webPair();
  const node = parseStatus(pair.nodes[0]!, pair, `@@haops-status@@\nsvc keepalived up\n${r.stdout}`);
  const i = node.instances.VI_1!;
  return { stdout: r.stdout, state: i.state, priority: i.effective, skipped: node.dumpSkipped ?? [] };
}

describe.skipIf(!asRoot)('keepalived state dump (a stand-in keepalived process, real files)', () => {
  it('reads the dump keepalived (root) wrote after the signal', async () => {
    const s = await stage(true);
    const r = read(s);
    expect(r.stdout).toContain(DUMP_TRUSTED);
    expect(r).toMatchObject({ state: 'BACKUP', priority: 199, skipped: [] });
  });

  it('a dump planted by another user is not read, and status says so', async () => {
    const s = await stage(false);
    mkdirSync(join(s.dir, 'private', 'tmp'), { recursive: true });
    writeFileSync(s.privateDump, dump('MASTER', 254));
    chownSync(s.privateDump, NOBODY, NOBODY);
    fresh(s.privateDump); // only its owner gives it away
    const r = read(s);
    expect(r.state).toBeNull();
    expect(r.priority).toBeNull();
    expect(r.skipped.join('\n')).toMatch(/owner uid 65534/);
    const pair = webPair();
    const node = parseStatus(pair.nodes[0]!, pair, `@@haops-status@@\nsvc keepalived up\n${r.stdout}`);
    expect(judgePair(pair, [node]).warnings.join('\n')).toMatch(/keepalived state dump not read/);
  });

  it('a symlink planted where keepalived dumps is not followed', async () => {
    const s = await stage(false);
    mkdirSync(join(s.dir, 'private', 'tmp'), { recursive: true });
    const target = join(s.dir, 'fake.data');
    writeFileSync(target, dump('MASTER', 254));
    symlinkSync(target, s.privateDump);
    const r = read(s);
    expect(r.state).toBeNull();
    expect(r.skipped.join('\n')).toMatch(/not a regular file/);
  });

  it("root's own dump from before the signal is stale: not read", async () => {
    const s = await stage(false);
    mkdirSync(join(s.dir, 'private', 'tmp'), { recursive: true });
    writeFileSync(s.privateDump, dump('MASTER', 254));
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(s.privateDump, hourAgo, hourAgo);
    const r = read(s);
    expect(r.state).toBeNull();
    expect(r.skipped.join('\n')).toMatch(/written \d+ \(signal at \d+\)/);
  });

  it('a hard link to a file root wrote is not read', async () => {
    const s = await stage(false);
    mkdirSync(join(s.dir, 'private', 'tmp'), { recursive: true });
    const target = join(s.dir, 'root-file');
    writeFileSync(target, dump('MASTER', 254));
    spawnSync('ln', [target, s.privateDump]);
    fresh(target); // only its link count gives it away
    const r = read(s);
    expect(r.state).toBeNull();
    expect(r.skipped.join('\n')).toMatch(/2 links/);
  });

  it('a pid file naming another process: no signal is sent to it', async () => {
    const s = await stage(true);
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(s.pidFile, `${victim.pid}\n`);
      const r = read(s);
      expect(r.skipped.join('\n')).toMatch(/is not keepalived/);
      await new Promise((res) => setTimeout(res, 100));
      expect(victim.exitCode).toBeNull(); // SIGUSR1 would have killed sleep
      expect(victim.signalCode).toBeNull();
    } finally {
      victim.kill('SIGKILL');
    }
  });

  it('dump lines without the trusted mark are not evidence (fake: parser only)', () => {
    const pair = webPair();
    const node = parseStatus(pair.nodes[0]!, pair, `@@haops-status@@\nsvc keepalived up\n${dump('MASTER', 254).replace(/^ */gm, 'data ')}`);
    expect(node.instances.VI_1!.state).toBeNull();
  });
});

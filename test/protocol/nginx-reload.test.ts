// The waited nginx reload, run by this machine's sh against a fake nginx: a bash "master" named
// nginx whose children are "nginx: worker process" (a copy of sleep, retitled by exec -a, as
// nginx retitles its workers). On HUP the master replaces its workers after a delay, as nginx
// does once it has read the new configuration; a master that cannot apply it keeps the old ones.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NGINX_RELOAD, STILL_OLD } from '../../src/protocol/nginx-reload.js';
import { bind } from '../../src/protocol/script.js';
import { sleep } from './fake-node.js';

let dir = '';
let master: ChildProcess | undefined;

afterEach(() => {
  if (master?.pid) spawnSync('pkill', ['-KILL', '-g', String(master.pid)]);
  master = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the fake master; `replaceAfter`: seconds from HUP until new workers replace the old, or null (never). */
async function fakeNginx(replaceAfter: number | null): Promise<{ workers: () => string[] }> {
  dir = mkdtempSync(join(tmpdir(), 'haops-nginx-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'pending'));
  mkdirSync(join(dir, 'w'));
  copyFileSync('/bin/sleep', join(dir, 'w/nginx'));
  chmodSync(join(dir, 'w/nginx'), 0o755);
  const onHup = replaceAfter === null ? '' : `old=$(jobs -p); sleep ${replaceAfter}; kill $old; spawn; spawn`;
  writeFileSync(
    join(dir, 'bin/nginx'),
    `#!/bin/bash
spawn() { (exec -a 'nginx: worker process' ${dir}/w/nginx 600) & }
spawn; spawn
trap '${onHup}' HUP
echo $$ > ${dir}/nginx.pid
while :; do sleep 0.05; done
`,
  );
  chmodSync(join(dir, 'bin/nginx'), 0o755);
  master = spawn(join(dir, 'bin/nginx'), [], { detached: true, stdio: 'ignore' });
  for (let i = 0; i < 50 && !existsSync(join(dir, 'nginx.pid')); i++) await sleep(20);
  await sleep(100);
  const pid = readFileSync(join(dir, 'nginx.pid'), 'utf8').trim();
  return { workers: () => spawnSync('pgrep', ['-P', pid, '-x', 'nginx'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean) };
}

/** The bound script with the marker directory moved into the scratch directory; run by sh. */
function reload(waitTenths: number) {
  const pidFile = join(dir, 'nginx.pid');
  const script = bind(NGINX_RELOAD, {
    RELOAD: ['kill', '-HUP', readFileSync(pidFile, 'utf8').trim()],
    WAIT_TENTHS: waitTenths,
    PID_FILES: [pidFile],
    ERROR_LOG: join(dir, 'error.log'),
  }).replaceAll('/var/lib/haops/pending', join(dir, 'pending'));
  writeFileSync(join(dir, 'pending/nginx.site'), '');
  const t0 = Date.now();
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, seconds: (Date.now() - t0) / 1000, owed: existsSync(join(dir, 'pending/nginx.site')) };
}

describe.skipIf(!existsSync('/bin/bash'))('nginx reload, waited for (real sh, a fake nginx master and workers)', () => {
  it('returns only once the old workers are gone, not when the signal is sent; the handler it owed is cleared', async () => {
    const nginx = await fakeNginx(0.6);
    const before = nginx.workers();
    expect(before).toHaveLength(2);
    const r = reload(50);
    expect(r.code, r.stderr).toBe(0);
    expect(r.seconds).toBeGreaterThanOrEqual(0.6);
    expect(r.seconds).toBeLessThan(4);
    expect(nginx.workers().filter((p) => before.includes(p))).toEqual([]);
    expect(r.owed).toBe(false);
  });

  it('a master that keeps its old workers (the new configuration not taken): exit 1 with the pids, and the reload is still owed', async () => {
    const nginx = await fakeNginx(null);
    const before = nginx.workers();
    // What nginx 1.22's master logged when the new listen port was taken (lab node, port 8099 held by another process).
    writeFileSync(
      join(dir, 'error.log'),
      '2026/12/03 19:59:30 [notice] 540#540: signal process started\n2026/12/03 19:59:30 [emerg] 540#540: bind() to 127.0.0.1:8099 failed (98: Address already in use)\n',
    );
    const r = reload(5);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${STILL_OLD} (pid ${before.join(' ')}) 0 s after the reload`);
    expect(r.stderr.trim()).toMatch(
      /it did not take the new configuration: bind\(\) to 127\.0\.0\.1:8099 failed \(98: Address already in use\)$/,
    );
    expect(r.owed).toBe(true);
  });
});

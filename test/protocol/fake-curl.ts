// A curl stand-in for running a probe script on this machine: it logs the URL (its last argument)
// and its other arguments, and answers 200 from node `a1` the way `curl -sv` prints it.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `script` with sh and the stand-in curl first in PATH: its stdout, and each curl call's arguments. */
export function withFakeCurl(script: string): { stdout: string; calls: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'haops-curl-'));
  const log = join(dir, 'calls');
  writeFileSync(
    join(dir, 'curl'),
    `#!/bin/sh\nfor a; do printf '%s\\n' "$a"; done >> '${log}'\necho >> '${log}'\necho '< HTTP/1.1 200 OK' >&2\necho '< X-Haops-Node: a1' >&2\necho 'haops-ms 0.001'\n`,
  );
  chmodSync(join(dir, 'curl'), 0o755);
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
  let calls: string[][] = [];
  try {
    calls = readFileSync(log, 'utf8')
      .split('\n\n')
      .filter(Boolean)
      .map((c) => c.split('\n').filter(Boolean));
  } catch {}
  return { stdout: r.stdout, calls };
}

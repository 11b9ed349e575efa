// The apt install asset run by this machine's sh, with stub find and apt-get on PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APT_INSTALL } from '../../src/protocol/packages.js';
import { bind } from '../../src/protocol/script.js';

/** Runs the asset with `find` printing `lists` and apt-get failing its first `installFailures` installs. */
function install(lists: string, installFailures: number) {
  const dir = mkdtempSync(join(tmpdir(), 'haops-apt-'));
  const stub = (name: string, body: string) => (writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`), chmodSync(join(dir, name), 0o755));
  stub('find', `printf '%s' '${lists}'`);
  writeFileSync(join(dir, 'fails'), String(installFailures));
  stub(
    'apt-get',
    `echo "$*" >> ${dir}/calls; if [ "$1" = install ]; then n=$(cat ${dir}/fails); if [ "$n" -gt 0 ]; then echo $((n-1)) > ${dir}/fails; exit 100; fi; fi`,
  );
  const r = spawnSync('sh', ['-c', bind(APT_INSTALL, { PACKAGES: ['keepalived', 'nginx'] })], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
  });
  return { code: r.status, calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') };
}

describe('apt install (real sh, stub apt-get)', () => {
  it('refreshes missing lists first, then installs', () => {
    expect(install('', 0)).toEqual({ code: 0, calls: ['update -q', 'install -y -q keepalived nginx'] });
  });
  it('with fresh lists, installs at once; a package the lists do not know gets one refresh and one retry', () => {
    expect(install('/var/lib/apt/lists/x_Packages\n', 0)).toEqual({ code: 0, calls: ['install -y -q keepalived nginx'] });
    expect(install('/var/lib/apt/lists/x_Packages\n', 1)).toEqual({
      code: 0,
      calls: ['install -y -q keepalived nginx', 'update -q', 'install -y -q keepalived nginx'],
    });
    expect(install('/var/lib/apt/lists/x_Packages\n', 2).code).toBe(100);
  });
});

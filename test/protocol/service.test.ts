// The service asset and the one-line builders are one shell: run both by this machine's sh with
// stub service and pidof (SysV: this machine was not booted with systemd) and compare.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { SERVICE, SERVICE_FUNCTIONS, serviceAction, serviceActive } from '../../src/protocol/service.js';

/** A SysV node: `service` logs its calls; the daemon lingers for three pidof looks after a stop. */
function sysvNode() {
  const dir = mkdtempSync(join(tmpdir(), 'haops-svc-'));
  const stub = (name: string, body: string) => (writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`), chmodSync(join(dir, name), 0o755));
  stub('service', `echo "$*" >> ${dir}/calls; [ "$2" = stop ] && echo 3 > ${dir}/lingers; exit 0`);
  stub('pidof', `n=$(cat ${dir}/lingers 2>/dev/null || echo 0); [ "$n" -gt 0 ] || exit 1; echo $((n-1)) > ${dir}/lingers; echo 42`);
  const run = (text: string) => {
    const r = spawnSync('sh', ['-c', text], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    return {
      code: r.status,
      calls: existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8') : '',
      lingers: existsSync(join(dir, 'lingers')) ? readFileSync(join(dir, 'lingers'), 'utf8').trim() : '',
    };
  };
  return run;
}

describe.skipIf(existsSync('/run/systemd/system'))('service start and stop on a SysV node (real sh, stubs)', () => {
  it('stop waits until the daemon is gone; start is one call; the asset and the one-line form agree', () => {
    for (const action of ['stop', 'start'] as const) {
      const asset = sysvNode()(bind(SERVICE, { ACTION: action, SERVICE: 'keepalived' }));
      const line = sysvNode()(serviceAction(action, 'keepalived'));
      expect(asset).toEqual(line);
      expect(asset.calls).toBe(`keepalived ${action}\n`);
      if (action === 'stop') expect(asset.lingers).toBe('0');
    }
  });

  it('asks a service whose init script has no status by its pid', () => {
    const run = sysvNode();
    expect(run(`${SERVICE_FUNCTIONS}\nservice_active haops-no-such-daemon`).code).toBe(1);
    expect(run(serviceActive('haops-no-such-daemon')).code).toBe(1);
  });
});

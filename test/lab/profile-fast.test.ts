// The fast failover profile on the real lab pair (Debian 12 nodes in systemd-nspawn): deploy it,
// see what it fell back to in a container, and break nginx once. Runs after pair.test.ts, which
// deploys the classic pair first; ends by deploying it again.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { labSkipReason, useLab } from './shape.js';
import { haops, json } from './cli.js';
import { LAB } from './net.js';
import { labInventoryYaml } from '../../src/lab/inventory.js';
import { IDENTITY_FILE, KNOWN_HOSTS, STATE_FILE } from '../../src/lab/paths.js';

const run = promisify(execFile);

function fastInventory(): { file: string; node1: string } {
  const info = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  const file = join(mkdtempSync(join(tmpdir(), 'haops-fast-')), 'lab-fast.yaml');
  writeFileSync(file, labInventoryYaml(info, { failover: 'fast' }));
  return { file, node1: info.nodes[0].address };
}

async function onNode(ip: string, command: string): Promise<string> {
  const { stdout } = await run('ssh', [
    '-i',
    IDENTITY_FILE,
    '-o',
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    `root@${ip}`,
    command,
  ]);
  return stdout;
}

describe.skipIf(labSkipReason({ nodes: 2 }))('fast failover profile on the lab pair (real Debian 12 nodes in systemd-nspawn)', () => {
  useLab({ nodes: 2 });
  it('deploys VRRPv3 at advert_int 0.2 and, inside the container, track_file on the flag a systemd drop-in writes instead of track_process (no proc events)', async () => {
    const { file, node1 } = fastInventory();
    const r = await haops(['deploy', file, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
    const conf = await onNode(node1, 'cat /etc/keepalived/keepalived.conf');
    expect(conf).toMatch(/^\s+vrrp_version 3$/m);
    expect(conf).toMatch(/^\s+advert_int 0\.2$/m);
    expect(conf).toMatch(
      /^# Failover profile: fast \(VRRPv3; fell back to track_file on a flag systemd writes when nginx stops .* in a systemd-nspawn container/m,
    );
    expect(conf).toMatch(/^track_file haops_nginx \{\n\s+file "\/var\/lib\/haops\/nginx-down"\n\s+weight 0\n\}/m);
    expect(conf).not.toMatch(/vrrp_script chk_nginx/);
    // systemd read the drop-in: ExecStopPost is part of nginx.service now.
    expect(await onNode(node1, 'systemctl show -p ExecStopPost nginx')).toContain('/var/lib/haops/nginx-down');
    const again = json(await haops(['deploy', file, '--json']));
    expect(again.changed).toBe(0);
  });

  it('nginx killed on the holder: systemd writes the flag and the VIP moves in well under a second (lab: 0.05 s median)', async () => {
    const { file } = fastInventory();
    const r = await haops(['failover-drill', file, '--fault', 'nginx-kill', '--json']);
    const report = json(r);
    expect(report.ok, r.stderr + r.stdout).toBe(true);
    expect(report.rounds[0].failoverSeconds).toBeLessThan(0.5);
    expect(report.rounds[0].failedRequests).toBeLessThan(10);
  });

  it('keepalived stopped on the holder: the priority-0 advert moves the VIP in well under a second', async () => {
    const { file } = fastInventory();
    const report = json(await haops(['failover-drill', file, '--fault', 'keepalived-stop', '--json']));
    expect(report.ok).toBe(true);
    expect(report.rounds[0].failoverSeconds).toBeLessThan(0.5);
  });

  it('the classic pair deploys back over it', async () => {
    const r = await haops(['deploy', LAB, '--json'], { env: { ...process.env, HAOPS_VRRP_PASSWORD: 'Lb7xQ2zP' } });
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
  });
});

// scripts/demo.sh curls the lab pair's VIPs over HTTPS; it reads them with scripts/lab-vips.mjs
// from the inventory `haops lab up` writes (vips: on the first instance, an IPv6 instance when the
// lab has IPv6). A sed on `vip:` lines printed nothing once the lab showed vips:, and the demo
// stopped at `curl https:///`: this runs the reader on the inventory the lab writes today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labInventoryYaml } from '../../src/lab/inventory.js';
import { planLab } from '../../src/lab/plan.js';

const vipsOf = (yaml: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'haops-demo-')), 'lab.yaml');
  writeFileSync(file, yaml);
  return execFileSync(process.execPath, ['scripts/lab-vips.mjs', file], { encoding: 'utf8' }).trim().split('\n');
};

describe('the VIPs the demo curls', () => {
  it('the first IPv4 VIP, then the IPv6 one, from the lab inventory as written today', () => {
    expect(vipsOf(labInventoryYaml(planLab(2, '198.18.0.0/24', ['systemd'], '2001:2::/64')))).toEqual(['198.18.0.100', '2001:2::100']);
    expect(vipsOf(labInventoryYaml(planLab(4, '198.18.3.0/24', ['systemd'], null)))).toEqual(['198.18.3.100']);
  });
});

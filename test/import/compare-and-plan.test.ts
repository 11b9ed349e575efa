import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareBehaviour, describeBehaviour, modelOfText } from '../../src/import/compare.js';
import { parseModel } from '../../src/model/load.js';
import { renderKeepalived } from '../../src/render/keepalived.js';
import { planHost, sha256 } from '../../src/ops/index.js';
import type { Facts, WantedState } from '../../src/core/state.js';
import { backupConf, SEED_CONF } from './helpers.js';

const seed = () => parseModel(readFileSync('inventory/seed.yaml', 'utf8'), 'inventory/seed.yaml', {}, { allowDefaultSecrets: true }).model;

describe("deploy --check's VRRP behaviour summary", () => {
  it("haops' keepalived.conf for the seed inventory behaves like the write-up's own, on both nodes", () => {
    const m = seed();
    for (const [host, live] of [
      ['proxy101', SEED_CONF],
      ['proxy102', backupConf()],
    ] as const) {
      const rendered = renderKeepalived(m.nodes.find((n) => n.host === host)!, { version: '2.2.7' });
      const b = compareBehaviour(modelOfText(live), modelOfText(rendered));
      expect(describeBehaviour(b), host).toBe(
        'VRRP behaviour: same (VIPs, VRIDs, priorities, authentication, peers, preemption, advert interval)',
      );
    }
  });

  it('names each difference, and a changed password without showing either', () => {
    const next = SEED_CONF.replace('priority 200', 'priority 150')
      .replace('auth_pass testpass', 'auth_pass s3cret99')
      .replace('192.168.0.105 ## VIP', '192.168.0.106/24')
      .replace('advert_int 1', 'advert_int 1\nnopreempt');
    const line = describeBehaviour(compareBehaviour(modelOfText(SEED_CONF), modelOfText(next)));
    expect(line).toBe(
      'VRRP behaviour changes: VIPs: VRID 101: 192.168.0.105/32 → 192.168.0.106/24; priorities: VRID 101: MASTER 200 (check weight +2) → MASTER 150 (check weight +2); authentication: VRID 101: the password changes; preemption: VRID 101: preempt → nopreempt',
    );
    expect(line).not.toMatch(/testpass|s3cret99/);
  });
});

describe('the first deploy of an adopted node', () => {
  const KA = '/etc/keepalived/keepalived.conf';
  const SITE = '/etc/nginx/conf.d/haops.conf';
  const OLD = '/etc/nginx/sites-enabled/api.conf';
  const running = { exists: true, enabled: true, active: true };
  const wanted: WantedState = {
    packages: [],
    services: [],
    files: [
      { path: KA, content: '# Managed by haops\nnew', mode: '0640', notify: [{ service: 'keepalived', action: 'reload' }] },
      { path: SITE, content: '# Managed by haops\nsite', mode: '0644', notify: [{ service: 'nginx', action: 'reload' }] },
    ],
    adopt: { moveAside: [OLD] },
  };
  const facts = (ownership: Facts['ownership'], same = false): Facts => ({
    os: { family: 'debian', id: 'debian', version: '12', pretty: 'Debian 12' },
    packageManager: 'apt',
    init: 'systemd',
    packages: {},
    keepalivedVersion: '2.2.7',
    services: { keepalived: running, nginx: running },
    files: {
      [KA]: { exists: true, sha256: same ? sha256(wanted.files[0]!.content) : 'old', mode: '0640', owner: 'root:root' },
      [SITE]: same ? { exists: true, sha256: sha256(wanted.files[1]!.content), mode: '0644', owner: 'root:root' } : { exists: false },
    },
    ownership,
  });

  it("backs up the foreign keepalived.conf and moves the clashing site aside before haops' files go in, then reloads", () => {
    const plan = planHost(wanted, facts({ [KA]: 'foreign', [SITE]: 'missing', [OLD]: 'foreign' }));
    expect(
      plan.map((c) =>
        c.kind === 'file'
          ? `file ${c.file.path}`
          : c.kind === 'handler'
            ? `${c.action} ${c.service}`
            : c.kind === 'system'
              ? c.title
              : c.kind,
      ),
    ).toEqual([
      `back up ${KA} (not written by haops); move aside ${OLD} to /var/backups/haops/TIME/`,
      `file ${KA}`,
      `file ${SITE}`,
      'reload keepalived',
      'reload nginx',
    ]);
    const adopt = plan[0]!;
    expect(adopt.kind === 'system' && adopt.commands).toEqual([
      'd=/var/backups/haops/$(date +%Y%m%dT%H%M%S)',
      '(umask 077 && mkdir -p "$d"/etc/keepalived "$d"/etc/nginx/sites-enabled)',
      `cp -p ${KA} "$d"${KA}`,
      `mv -f ${OLD} "$d"${OLD}`,
      'echo "kept in $d"',
    ]);
  });

  it('plans nothing more once every file is haops’ own and the site is gone (the second deploy)', () => {
    expect(planHost(wanted, facts({ [KA]: 'haops', [SITE]: 'haops', [OLD]: 'missing' }, true))).toEqual([]);
  });
});

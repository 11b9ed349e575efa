// An instance with several VIPs is owned by the node holding all of them: status, deploy's VIP
// verdicts and --prom judge the instance as a whole and name a split. Pure: node output as text.
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { judgeVips, parseVipProbe, VIP_MARK } from '../../src/runner/vip.js';
import { formatStatus, judgePair, parseStatus } from '../../src/status/status.js';
import { statusToProm } from '../../src/status/prom.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const pair = buildModel(parseInventory(webPairYaml().replace('vip: 10.9.0.100/24', 'vips: [10.9.0.100/24, 10.9.0.101/24]'), 'web.yaml', {}))
  .pairs[0]!;

const out = (addrs: string[], state: string) =>
  [
    '@@haops-status@@',
    'svc keepalived up',
    'svc nginx up',
    'dump trusted',
    'data VRRP Instance = VI_1',
    `data State = ${state}`,
    `data Effective priority = ${state === 'MASTER' ? 202 : 201}`,
    '@@haops-upstreams@@',
    'upstream be 10.9.0.21:8080 0 200',
    '@@haops-check@@',
    'check chk_nginx 0 /usr/bin/killall /usr/bin/killall',
    'svc nginx-after up',
    VIP_MARK,
    ...addrs.map((a) => `addr ${a}`),
    'http 10.9.0.100 a1',
    '',
  ].join('\n');
const judge = (a1: string[], a2: string[]) =>
  judgePair(pair, [parseStatus('a1', pair, out(a1, a1.length ? 'MASTER' : 'BACKUP')), parseStatus('a2', pair, out(a2, 'BACKUP'))], {});

describe('status: an instance with several VIPs', () => {
  it('both VIPs on the MASTER: healthy, both listed', () => {
    const s = judge(['10.9.0.100', '10.9.0.101'], []);
    expect(s.ok).toBe(true);
    expect(s.instances[0]).toMatchObject({
      holders: ['a1'],
      vips: [
        { vip: '10.9.0.100', holders: ['a1'] },
        { vip: '10.9.0.101', holders: ['a1'] },
      ],
    });
    expect(formatStatus([s])).toContain('VI_1: VIPs 10.9.0.100, 10.9.0.101 on a1, HTTP answered by a1: ok');
  });

  it('VIPs split between the nodes: unhealthy, each VIP named with its node', () => {
    const s = judge(['10.9.0.100'], ['10.9.0.101']);
    expect(s.ok).toBe(false);
    expect(s.instances[0]).toMatchObject({ verdict: 'vips split', holders: [] });
    expect(s.instances[0]!.problem).toMatch(/^VIPS SPLIT: VI_1: 10\.9\.0\.100 on a1, 10\.9\.0\.101 on a2/);
    expect(formatStatus([s])).toContain(
      'VI_1: VIPs 10.9.0.100, 10.9.0.101 on no one node, HTTP answered by a1: VIPS SPLIT: VI_1: 10.9.0.100 on a1, 10.9.0.101 on a2',
    );
  });

  it('one VIP missing everywhere: a split too (the instance is not whole anywhere)', () => {
    const s = judge(['10.9.0.100'], []);
    expect(s.ok).toBe(false);
    expect(s.instances[0]!.problem).toMatch(/VI_1: 10\.9\.0\.100 on a1, 10\.9\.0\.101 on nobody/);
  });

  it('one VIP on both nodes is split brain, named by that VIP', () => {
    const s = judge(['10.9.0.100', '10.9.0.101'], ['10.9.0.101']);
    expect(s.instances[0]).toMatchObject({ verdict: 'split brain', problem: 'SPLIT BRAIN: a1 and a2 both hold VIP 10.9.0.101' });
  });

  it("deploy's VIP verdict: the instance is on the node holding all its VIPs, else the split is the problem", () => {
    const probe = (addrs: string[]) => parseVipProbe([...addrs.map((a) => `addr ${a}/24`), 'http 10.9.0.100 a1'].join('\n'));
    const whole = judgeVips(pair, { a1: probe(['10.9.0.100', '10.9.0.101']), a2: probe([]) }, (m) => m);
    expect(whole[0]).toMatchObject({ ok: true, holders: ['a1'], vips: ['10.9.0.100', '10.9.0.101'] });
    const split = judgeVips(pair, { a1: probe(['10.9.0.100']), a2: probe(['10.9.0.101']) }, (m) => m);
    expect(split[0]!.ok).toBe(false);
    expect(split[0]!.problem).toMatch(/VIPS SPLIT: VI_1: 10\.9\.0\.100 on a1, 10\.9\.0\.101 on a2/);
  });

  it('--prom: one haops_vip_holders series per VIP, with its vip label', () => {
    const s = judge(['10.9.0.100'], ['10.9.0.101']);
    const text = statusToProm([s], { instances: { web: { VI_1: { intf: 'eth0', vrid: 51 } } }, takenAt: 0 });
    expect(text).toContain('haops_vip_holders{pair="web",iname="VI_1",vip="10.9.0.100"} 1');
    expect(text).toContain('haops_vip_holders{pair="web",iname="VI_1",vip="10.9.0.101"} 1');
    expect(text).toContain('haops_instance_ok{pair="web",iname="VI_1",vip="10.9.0.100",verdict="vips split"} 0');
  });
});

import { describe, expect, it } from 'vitest';
import { VIP_MARK } from '../../src/runner/vip.js';
import { formatStatus, judgePair, parseStatus } from '../../src/status/status.js';
import type { ClientProbe } from '../../src/runner/client-probe.js';
import { webPair } from '../fixtures/web-pair.js';

// What a node's status script prints (as on the lab), fed to the parser and the judge.
const pair = webPair();
const out = (o: { addrs: string[]; prio?: number; ups?: string[]; check?: string; log?: string; nginxAfter?: boolean }) =>
  [
    '@@haops-status@@',
    'svc keepalived up',
    'svc nginx up',
    `dump trusted`,
    `data VRRP Instance = VI_1`,
    `data State = ${o.addrs.includes('10.9.0.100') ? 'MASTER' : 'BACKUP'}`,
    `data Effective priority = ${o.prio ?? 0}`,
    '@@haops-upstreams@@',
    ...(o.ups ?? ['upstream be 10.9.0.21:8080 0 200']),
    '@@haops-check@@',
    o.check ?? 'check chk_nginx 0 /usr/bin/killall /usr/bin/killall',
    ...(o.log ? [`checklog ${o.log}`] : []),
    `svc nginx-after ${o.nginxAfter === false ? 'down' : 'up'}`,
    VIP_MARK,
    ...o.addrs.map((a) => `addr ${a}`),
    'http 10.9.0.100 a1',
    '',
  ].join('\n');
const ok: ClientProbe = { url: 'http://10.9.0.100:80/', ok: true, status: 200, node: 'a1', ms: 3 };
const clients = { '10.9.0.100': ok };
const judge = (a1: Parameters<typeof out>[0], a2: Parameters<typeof out>[0], c: Record<string, ClientProbe> = clients) =>
  judgePair(pair, [parseStatus('a1', pair, out(a1)), parseStatus('a2', pair, out(a2))], c);

describe('status tells the truth about the service', () => {
  it('healthy: the holder serves the user path, upstreams up, checks pass, priorities as the model says', () => {
    const s = judge({ addrs: ['10.9.0.100'], prio: 202 }, { addrs: [], prio: 201 });
    expect(s).toMatchObject({ ok: true, problems: [], warnings: [] });
    expect(formatStatus([s])).toContain('VI_1: VIP 10.9.0.100 on a1, http://10.9.0.100:80/ answered 200 by a1: ok');
  });

  it('every upstream server down from both nodes: DEGRADED, naming the servers', () => {
    const down = ['upstream be 10.9.0.21:8080 7 000'];
    const s = judge(
      { addrs: ['10.9.0.100'], prio: 202, ups: down },
      { addrs: [], prio: 201, ups: down },
      { '10.9.0.100': { ...ok, ok: false, status: 502, failure: '5xx' } },
    );
    expect(s.ok).toBe(false);
    expect(s.problems).toEqual(['DEGRADED: upstreams down: be 10.9.0.21:8080 (connection refused), seen from a1 and a2']);
    expect(s.instances[0]!.problem).toBe(
      'http://10.9.0.100:80/ answered 502 by a1, expected 200-399: nginx cannot reach its upstream servers',
    );
  });

  it('some upstream servers down: a warning, still ok', () => {
    const some = ['upstream be 10.9.0.21:8080 0 200', 'upstream be 10.9.0.22:8080 28 000'];
    const s = judge({ addrs: ['10.9.0.100'], prio: 202, ups: some }, { addrs: [], prio: 201, ups: some });
    expect(s.ok).toBe(true);
    expect(s.warnings).toContain('upstream be 10.9.0.22:8080 is down from a1 (no answer within 2 s)');
  });

  it("a check that fails while nginx runs is unhealthy, named with keepalived's line and the priority it costs", () => {
    const check = 'check chk_nginx 1 /usr/bin/pidof /usr/sbin/killall5';
    const log = 'a1 Keepalived_vrrp[9]: Script `chk_nginx` now returning 1';
    const s = judge({ addrs: ['10.9.0.100'], prio: 200, check, log }, { addrs: [], prio: 199, check, log });
    expect(s.ok).toBe(false);
    expect(s.problems[0]).toMatch(
      /^check chk_nginx on a1 fails while nginx runs .*killall5.*keepalived: a1 Keepalived_vrrp\[9\]: Script `chk_nginx` now returning 1$/,
    );
    expect(s.problems).toContain('a1 VI_1 has effective priority 200, expected 202: nginx stopping would not move the VIP');
  });

  it("keepalived reporting a lower priority than the model while haops's own run passes still names the check", () => {
    const s = judge({ addrs: ['10.9.0.100'], prio: 200, log: 'Script `chk_nginx` now returning 1' }, { addrs: [], prio: 201 });
    expect(s.problems).toEqual([
      'a1 VI_1 has effective priority 200, expected 202 while nginx runs: check chk_nginx fails for keepalived (keepalived: Script `chk_nginx` now returning 1)',
    ]);
  });

  it('a check that failed while nginx was stopping proves nothing: no claim about the check', () => {
    const check = 'check chk_nginx 1 /usr/bin/killall /usr/bin/killall';
    const s = judge({ addrs: ['10.9.0.100'], prio: 202, check, nginxAfter: false }, { addrs: [], prio: 201 });
    expect(s.problems).toEqual([]);
  });

  it('nginx answers on the node but not from here: says clients cannot reach the VIP', () => {
    const s = judge(
      { addrs: ['10.9.0.100'], prio: 202 },
      { addrs: [], prio: 201 },
      {
        '10.9.0.100': { url: 'http://10.9.0.100:80/', ok: false, node: null, failure: 'timeout', error: 'no answer within 2 s', ms: 2000 },
      },
    );
    expect(s.ok).toBe(false);
    expect(s.instances[0]!.problem).toBe(
      "nginx answers through 10.9.0.100 on the node (a1), but clients cannot reach http://10.9.0.100:80/ from here (no answer within 2 s): firewall? or is this machine off the clients' LAN? (probe: { from: HOST } asks from a host on it)",
    );
  });
});

import { statusChanges } from '../../src/status/watch.js';
describe('status --watch', () => {
  it('prints one line per change: the VIP moving, states, upstreams, the verdict; nothing when nothing changed', () => {
    const before = judge({ addrs: ['10.9.0.100'], prio: 202 }, { addrs: [], prio: 201 });
    expect(statusChanges([before], [before])).toEqual([]);
    const after = judge({ addrs: [], prio: 200, ups: ['upstream be 10.9.0.21:8080 7 000'] }, { addrs: ['10.9.0.100'], prio: 201 });
    const lines = statusChanges([before], [after]);
    expect(lines).toContain('web: VIP 10.9.0.100 holder: a1 -> a2');
    expect(lines).toContain('web: a1 VI_1: MASTER prio 202 -> BACKUP prio 200');
    expect(lines).toContain('web: a1 upstream be 10.9.0.21:8080: up -> DOWN (connection refused)');
  });
});

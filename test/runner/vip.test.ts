import { describe, expect, it } from 'vitest';
import { webPair } from '../fixtures/web-pair.js';
import { judgeVips, parseVipProbe } from '../../src/runner/vip.js';

const pair = webPair();
const probe = (addrs: string[], served = '') =>
  parseVipProbe(`${addrs.map((a) => `addr ${a}/24`).join('\n')}\nhttp 10.9.0.100 ${served}\n`);
const master = () => 'a1';

describe("deploy's VIP check", () => {
  it('passes when the VIP is on the MASTER and HTTP through it answers', () => {
    expect(judgeVips(pair, { a1: probe(['10.9.0.11', '10.9.0.100'], 'a1'), a2: probe(['10.9.0.12'], 'a1') }, master)[0]).toMatchObject({
      ok: true,
      holders: ['a1'],
      servedBy: 'a1',
    });
  });
  it('fails on the wrong holder, a split brain, or a VIP that does not serve HTTP', () => {
    expect(judgeVips(pair, { a1: probe(['10.9.0.11']), a2: probe(['10.9.0.100'], 'a2') }, master)[0]!.problem).toBe(
      'VIP 10.9.0.100 is on a2, expected a1',
    );
    expect(judgeVips(pair, { a1: probe(['10.9.0.100'], 'a1'), a2: probe(['10.9.0.100'], 'a2') }, master)[0]!.problem).toMatch(
      /SPLIT BRAIN/,
    );
    expect(judgeVips(pair, { a1: probe(['10.9.0.100']), a2: probe([]) }, master)[0]!.problem).toMatch(
      /HTTP through VIP 10\.9\.0\.100:80 does not answer/,
    );
  });
  it('does not call an outage what it could not see: unreachable nodes are named', () => {
    expect(judgeVips(pair, { a1: null, a2: null }, () => null)[0]!.problem).toBe('cannot tell who holds VIP 10.9.0.100: no node answered');
    expect(judgeVips(pair, { a1: null, a2: probe(['10.9.0.12']) }, () => null)[0]!.problem).toBe(
      'VIP 10.9.0.100 is not on a2; a1 did not answer',
    );
    expect(judgeVips(pair, { a1: probe([]), a2: probe([]) }, master)[0]!.problem).toBe('OUTAGE: nobody holds VIP 10.9.0.100');
  });
});

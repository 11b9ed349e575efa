// The lab's IPv6 plan (issue 26): every node, and the host, gets an address on 2001:2:0:N::/64
// (RFC 5180's benchmarking prefix), unless a route of the host already covers it.
import { describe, expect, it } from 'vitest';
import { planLab } from '../../src/lab/plan.js';
import { findClash6, ip6At, labSubnet6 } from '../../src/lab/subnet.js';

describe('the lab on IPv6', () => {
  it('one /64 of 2001:2::/48 per lab id; members read like their IPv4 twins', () => {
    expect(labSubnet6('')).toBe('2001:2::/64');
    expect(labSubnet6('8')).toBe('2001:2:0:8::/64');
    expect(ip6At('2001:2:0:8::/64', 100)).toBe('2001:2:0:8::100');
    const info = planLab(4, '198.18.8.0/24', ['systemd'], '2001:2:0:8::/64');
    expect(info.subnet6).toBe('2001:2:0:8::/64');
    expect(info.hostAddress6).toBe('2001:2:0:8::1');
    expect(info.nodes.map((n) => n.address6)).toEqual(['2001:2:0:8::11', '2001:2:0:8::12', '2001:2:0:8::13', '2001:2:0:8::14']);
  });

  it('no IPv6 subnet: no IPv6 addresses at all', () => {
    const info = planLab(2, '198.18.8.0/24', ['systemd'], null);
    expect(info.subnet6).toBeUndefined();
    expect(info.hostAddress6).toBeUndefined();
    expect(info.nodes.every((n) => n.address6 === undefined)).toBe(true);
  });

  it("the clash check ignores default routes and the lab's own link, and finds a route or address covering the /64", () => {
    const lab = '2001:2:0:8::/64';
    const routes = [
      'fd00::/64 dev eth0 proto kernel metric 256 pref medium',
      'fe80::/64 dev eth0 proto kernel metric 256 pref medium',
      'default via fd00::1 dev eth0 metric 1024 pref medium',
      '2001:2:0:8::/64 dev haopsl8 proto kernel metric 256 pref medium',
    ];
    expect(findClash6(lab, routes, [], 'haopsl8')).toBeUndefined();
    expect(findClash6(lab, [...routes, '2001:2::/48 via fd00::9 dev eth0 metric 1024'], [], 'haopsl8')).toBe(
      '2001:2::/48 via fd00::9 dev eth0 metric 1024',
    );
    expect(findClash6(lab, [...routes, 'unreachable 2001:2:0:8::/80 dev lo metric 1024'], [], 'haopsl8')).toBe(
      'unreachable 2001:2:0:8::/80 dev lo metric 1024',
    );
    expect(findClash6(lab, routes, ['5: eth1    inet6 2001:2:0:8::5/64 scope global \\       valid_lft forever'], 'haopsl8')).toMatch(
      /^5: eth1 inet6 2001:2:0:8::5\/64/,
    );
    expect(findClash6(lab, routes, ['4: eth0    inet6 fd00::2/64 scope global nodad'], 'haopsl8')).toBeUndefined();
  });
});

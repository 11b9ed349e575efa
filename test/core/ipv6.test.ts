// IPv6 addresses as haops compares and writes them: canonical form (what `ip -6` prints), networks,
// URLs with brackets, and the VIP monitor's and probe scripts' handling of an IPv6 VIP.
import { describe, expect, it } from 'vitest';
import { canonical6, inSubnet6, isCidr6, isIpv6, isIpv6MaybePrefix, plainAddress, urlHost } from '../../src/core/ipv6.js';
import { parseMonitorLine } from '../../src/measure/clock.js';
import { probeUrl } from '../../src/runner/client-target.js';
import { remoteProbeScript } from '../../src/runner/client-probe.js';
import { probeLoopScript } from '../../src/measure/remote-probe.js';
import { parseVipProbe } from '../../src/runner/vip.js';
import { withFakeCurl } from '../protocol/fake-curl.js';

const health = { path: '/', port: 80, min: 200, max: 399 };

describe('IPv6 addresses', () => {
  it('canonical form follows RFC 5952 (as ip prints it)', () => {
    expect(canonical6('2001:DB8:0:0:0:0:0:0100')).toBe('2001:db8::100');
    expect(canonical6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonical6('2001:2:0:8::100/64')).toBe('2001:2:0:8::100/64');
    expect(canonical6('::')).toBe('::');
    expect(canonical6('::1')).toBe('::1');
    expect(canonical6('2001:db8:1:1:1:1:0:1')).toBe('2001:db8:1:1:1:1:0:1');
    expect(plainAddress('2001:db8::0100/64')).toBe('2001:db8::100');
    expect(plainAddress('10.0.0.5/24')).toBe('10.0.0.5');
  });

  it('parses with Node and refuses what is not one address or network', () => {
    expect(isIpv6('2001:db8::1')).toBe(true);
    expect(isIpv6('2001:db8::1::2')).toBe(false);
    expect(isIpv6('fe80::1%eth0')).toBe(false);
    expect(isIpv6('10.0.0.1')).toBe(false);
    expect(isIpv6MaybePrefix('2001:db8::1/64')).toBe(true);
    expect(isIpv6MaybePrefix('2001:db8::1/129')).toBe(false);
    expect(isCidr6('2001:db8::/64')).toBe(true);
    expect(isCidr6('2001:db8::')).toBe(false);
    expect(inSubnet6('2001:2:0:8::100', '2001:2:0:8::/64')).toBe(true);
    expect(inSubnet6('2001:2:0:9::100', '2001:2:0:8::/64')).toBe(false);
  });

  it('URLs put an IPv6 address in brackets, and only then', () => {
    expect(urlHost('2001:db8::100')).toBe('[2001:db8::100]');
    expect(urlHost('10.0.0.100')).toBe('10.0.0.100');
    expect(urlHost('api.example.com')).toBe('api.example.com');
    expect(probeUrl('2001:db8::100', 80, undefined, '/health')).toBe('http://[2001:db8::100]:80/health');
    expect(probeUrl('10.0.0.100', 80, undefined, '/')).toBe('http://10.0.0.100:80/');
    expect(withFakeCurl(remoteProbeScript(['2001:db8::100'], health)).calls.map((c) => c.at(-1))).toEqual(['http://[2001:db8::100]:80/']);
    // The drill's loop, stopped after one request: curl was asked the bracketed URL.
    expect(withFakeCurl(probeLoopScript('2001:db8::100', health, 20, 1000, 0.02)).calls.map((c) => c.at(-1))).toEqual([
      'http://[2001:db8::100]:80/',
    ]);
  });

  it('the VIP monitor reads inet6 lines, and a tentative address is not yet an arrival', () => {
    const vip = '2001:2:0:8::100';
    expect(
      parseMonitorLine('[2026-01-01T10:00:00.123] 3: eth0    inet6 2001:2:0:8::100/64 scope global nodad \\       valid_lft forever', vip),
    ).toBe('add');
    expect(parseMonitorLine('Deleted 3: eth0    inet6 2001:2:0:8::100/64 scope global nodad', vip)).toBe('del');
    expect(parseMonitorLine('3: eth0    inet6 2001:2:0:8::100/64 scope global tentative', vip)).toBeNull();
    expect(parseMonitorLine('3: eth0    inet6 2001:2:0:8::1000/64 scope global', vip)).toBeNull();
    expect(parseMonitorLine('3: eth0    inet 198.18.0.100/24 scope global secondary eth0', '198.18.0.100')).toBe('add');
  });

  it('the VIP probe reads IPv6 addresses as ip prints them', () => {
    expect(parseVipProbe('addr 198.18.8.11/24\naddr 2001:2:0:8::100/64\n').addresses).toEqual(['198.18.8.11', '2001:2:0:8::100']);
  });
});

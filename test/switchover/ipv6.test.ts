// A switchover of an IPv6 VIP (issue 26): the nodes' IPv6 addresses are read, the bridge holds a
// /128 on lo, established connections are matched as ss prints them ([addr]:port); without the old
// holder's ip6 an IPv6 VIP moves without a handoff, and says so (handoff6.test.ts: the ip6 rules).
import { describe, expect, it } from 'vitest';
import {
  addressesScript,
  bridgeScript,
  connectionsScript,
  factsScript,
  parseAddresses,
  parseFacts,
  unbridgeScript,
} from '../../src/switchover/node.js';
import { NO_HANDOFF6 } from '../../src/switchover/switchover.js';

describe('switchover node scripts with an IPv6 VIP', () => {
  it('reads usable IPv6 addresses beside IPv4 ones (facts and one interface)', () => {
    expect(factsScript('10.0.0.12', 80)).toContain("ip -o -6 addr show 2>/dev/null | awk '!/ tentative| dadfailed/");
    expect(addressesScript('eth0')).toContain('ip -o -6 addr show dev eth0');
    const out = 'addr 198.18.8.11/24\naddr 2001:2:0:8::11/64\naddr 2001:2:0:8::100/64\naddr fe80::1/64\n';
    expect(parseAddresses(out)).toEqual(['198.18.8.11', '2001:2:0:8::11', '2001:2:0:8::100', 'fe80::1']);
    expect(parseFacts(`version Keepalived v2.2.7\n${out}handoff yes\n`).addresses).toContain('2001:2:0:8::100');
  });

  it('bridges an IPv6 VIP as a /128 on lo, an IPv4 one as a /32', () => {
    const b = bridgeScript(['198.18.8.100', '2001:2:0:8::100'], 'eth0', 't1', 20);
    expect(b).toContain('ip addr add 198.18.8.100/32 dev lo');
    expect(b).toContain('ip addr add 2001:2:0:8::100/128 dev lo');
    expect(b).toContain('ip addr del 2001:2:0:8::100/128 dev lo');
    expect(unbridgeScript(['2001:2:0:8::100'], 'eth0')).toContain('ip addr del 2001:2:0:8::100/128 dev lo');
  });

  it('counts connections to an IPv6 VIP as ss prints them', () => {
    expect(connectionsScript(['198.18.8.100', '2001:2:0:8::100'], 80)).toContain("want='198.18.8.100:80 [2001:2:0:8::100]:80'");
  });

  it('says why an IPv6 VIP moves without a handoff (no ip6 for the old holder)', () => {
    expect(NO_HANDOFF6).toMatch(/no handoff for IPv6 \(the old holder has no ip6/);
  });
});

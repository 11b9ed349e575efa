// The VIP probe on a fake node (stub ip, curl and wget): who holds each VIP, and HTTP through it
// asked only where it is held, parsed as deploy reads it.
import { afterEach, describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { parseVipProbe, VIP_PROBE } from '../../src/protocol/vip.js';
import { fakeNode, type FakeNode } from './fake-node.js';

let node: FakeNode | undefined;
afterEach(() => node?.remove());

/** A node whose interfaces hold `v4` and `v6` addresses (with prefix) and whose nginx answers `n1`. */
function nodeWith(v4: string[], v6: string[]): FakeNode {
  const lines = (xs: string[], fam: string) => xs.map((x, i) => `${i + 2}: eth0    ${fam} ${x} scope global eth0`).join('\\n');
  return fakeNode({
    ip: `case "$*" in *-4*) printf '${lines(v4, 'inet')}\\n' ;; *-6*) printf '${lines(v6, 'inet6')}\\n' ;; esac`,
    curl: 'echo n1',
    wget: 'echo n1',
  });
}

const probe = (vips: string[], ipv6 = false) => bind(VIP_PROBE, { VIPS: vips, PORT: 80, IPV6: ipv6, DRAIN_FLAG: '/var/lib/haops/drain' });

describe('the VIP probe (fake node: stub ip and curl)', () => {
  it('reads the addresses, and asks HTTP only through the VIP this node holds: one curl, not one per VIP', () => {
    node = nodeWith(['198.18.0.11/24', '198.18.0.100/24'], []);
    const out = node.run(probe(['198.18.0.100', '198.18.0.104']));
    expect(parseVipProbe(out.slice(out.indexOf('\n') + 1))).toEqual({
      addresses: ['198.18.0.11', '198.18.0.100'],
      http: { '198.18.0.100': 'n1', '198.18.0.104': null },
    });
    expect(node.log().filter((l) => l.startsWith('curl'))).toEqual(['curl -g -s -m 2 http://198.18.0.100:80/haops-health']);
  });

  it('an IPv6 VIP held here is asked in brackets; a drained node says so', () => {
    node = nodeWith(['198.18.0.12/24'], ['2001:2::100/64']);
    node.write('/var/lib/haops/drain', '');
    const out = node.run(probe(['198.18.0.100', '2001:2::100'], true));
    expect(parseVipProbe(out)).toMatchObject({
      addresses: ['198.18.0.12', '2001:2::100'],
      http: { '198.18.0.100': null, '2001:2::100': 'n1' },
      drained: true,
    });
    expect(node.log().filter((l) => l.startsWith('curl'))).toEqual(['curl -g -s -m 2 http://[2001:2::100]:80/haops-health']);
  });

  it('a VIP that is only a prefix of a held address is not held (198.18.0.10 is not 198.18.0.100)', () => {
    node = nodeWith(['198.18.0.100/24'], []);
    const out = node.run(probe(['198.18.0.10']));
    expect(parseVipProbe(out).http).toEqual({ '198.18.0.10': null });
    expect(node.log().filter((l) => l.startsWith('curl'))).toEqual([]);
  });
});

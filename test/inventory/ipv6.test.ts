// IPv6 VIPs in the inventory (issue 26): hosts' ip6 and pairs' subnet6 make an instance with an
// IPv6 VIP valid; without them, or with a VIP outside subnet6, validate refuses with file:line:col.
import { describe, expect, it } from 'vitest';
import type { InventoryIssue } from '../../src/inventory/errors.js';
import { parseModel } from '../../src/model/load.js';
import { issuesOf } from '../fixtures/issues.js';

const inv = (
  o: { vip6?: string; a1?: string; a2?: string; subnet6?: string | null; extra?: string; auth?: boolean; vrid6?: number } = {},
) => `hosts:
  a1: { address: 10.9.0.11${o.a1 === '' ? '' : `, ip6: "${o.a1 ?? '2001:db8::11'}"`} }
  a2: { address: 10.9.0.12${o.a2 === '' ? '' : `, ip6: "${o.a2 ?? '2001:db8::12'}"`} }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
${o.subnet6 === null ? '' : `    subnet6: "${o.subnet6 ?? '2001:db8::/64'}"\n`}    instances:
      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1 }
      - name: VI_6
        virtual_router_id: ${o.vrid6 ?? 61}
        vip: "${o.vip6 ?? '2001:db8::100/64'}"
        master: a1
${o.auth ? '        authentication: { type: PASS, password: secret1 }\n' : ''}${o.extra ?? ''}    nginx:
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
`;

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function expectOne(text: string, message: RegExp, path: string, fix: RegExp): InventoryIssue {
  const issues = issuesOf(text);
  const hit = issues.find((i) => message.test(i.message));
  expect(hit, `issues were: ${issues.map((i) => `${i.path}: ${i.message}`).join(' | ') || 'none'}`).toBeDefined();
  expect(hit!.path).toBe(path);
  expect(hit!.fix ?? '').toMatch(fix);
  expect(hit!.file).toBe('inv.yaml');
  return hit!;
}

describe('IPv6 VIPs in the inventory', () => {
  it('accepts an IPv6 instance beside an IPv4 one, sharing its VRID (VRIDs are per family); the model says family 6 and the IPv6 peers', () => {
    const { model } = parseModel(inv({ vrid6: 51, vip6: '2001:DB8:0:0::0100/64' }), 'inv.yaml', {});
    const node = model.nodes.find((n) => n.host === 'a1')!;
    const v6 = node.instances.find((i) => i.name === 'VI_6')!;
    expect(v6).toMatchObject({ family: 6, srcIp: '2001:db8::11', peerIp: '2001:db8::12', state: 'MASTER' });
    expect(node.instances.find((i) => i.name === 'VI_1')).toMatchObject({ family: 4, srcIp: '10.9.0.11', peerIp: '10.9.0.12' });
    expect(model.pairs[0]!.instances[1]!.family).toBe(6);
  });

  it('refuses an IPv6 VIP when the pair has no subnet6, at the VIP, with the fix', () => {
    const text = inv({ subnet6: null });
    const hit = expectOne(text, /is IPv6, but pair web has no subnet6/, 'pairs.web.instances[1].vip', /add subnet6: .*2001:db8::\/64/);
    expect(hit.line).toBe(lineOf(text, 'vip: "2001:db8::100/64"'));
  });

  it('refuses an IPv6 VIP when a node has no ip6, naming the node', () => {
    expectOne(inv({ a2: '' }), /is IPv6, but a2 has no ip6/, 'pairs.web.instances[1].vip', /add ip6: .* under hosts\.a2/);
  });

  it('refuses a VIP outside subnet6, one wider than it, and one that is a node address', () => {
    expectOne(
      inv({ vip6: '2001:db9::100' }),
      /outside eth0's IPv6 subnet 2001:db8::\/64/,
      'pairs.web.instances[1].vip',
      /inside 2001:db8::\/64/,
    );
    expectOne(
      inv({ vip6: '2001:db8::100/48' }),
      /is a \/48, wider than pair web's subnet6/,
      'pairs.web.instances[1].vip',
      /2001:db8::100\/64/,
    );
    expectOne(inv({ vip6: '2001:db8:0::11' }), /VIP 2001:db8::11 is a1's own ip6/, 'pairs.web.instances[1].vip', /no node owns/);
    expectOne(inv({ vip6: '2001:db8::' }), /Subnet-Router anycast/, 'pairs.web.instances[1].vip', /host address/);
  });

  it('refuses a node ip6 outside subnet6, two nodes with one ip6, and a malformed address or network', () => {
    expectOne(inv({ a2: '2001:db9::12' }), /a2's ip6 2001:db9::12 is outside pair web's subnet6/, 'hosts.a2.ip6', /subnet6/);
    expectOne(inv({ a2: '2001:db8:0:0:0:0:0:11' }), /a1 and a2 have the same ip6 2001:db8::11/, 'hosts.a2.ip6', /own IPv6 address/);
    expectOne(inv({ a1: '2001:db8::1::2' }), /is not an IPv6 address/, 'hosts.a1.ip6', /2001:db8::11/);
    expectOne(inv({ subnet6: '2001:db8::' }), /is not an IPv6 network/, 'pairs.web.subnet6', /2001:db8::\/64/);
    expectOne(
      inv({ vip6: '2001:db8::100/129' }),
      /not an IPv6 address with an optional prefix/,
      'pairs.web.instances[1].vip',
      /2001:db8::100\/64/,
    );
  });

  it('refuses authentication on an IPv6 instance (VRRPv3 has none)', () => {
    expectOne(
      inv({ auth: true }),
      /VI_6: its VIP is IPv6, so keepalived runs it as VRRPv3, which has no authentication/,
      'pairs.web.instances[1].authentication',
      /remove authentication/,
    );
  });

  it('refuses one IPv6 VIP twice in a pair, and two IPv6 instances with one VRID', () => {
    const dup = inv({ extra: '      - { name: VI_7, virtual_router_id: 62, vip: "2001:db8:0::100", master: a2 }\n' });
    expectOne(dup, /VIP 2001:db8::100 is used twice in pair web/, 'pairs.web.instances[2].vip', /one instance/);
    const vrid = inv({ extra: '      - { name: VI_7, virtual_router_id: 61, vip: "2001:db8::101", master: a2 }\n' });
    expectOne(vrid, /virtual_router_id 61 is used twice in pair web/, 'pairs.web.instances[2].virtual_router_id', /own virtual_router_id/);
  });

  it('an IPv4 VIP keeps its old message', () => {
    expectOne(
      inv({ extra: '      - { name: VI_7, virtual_router_id: 62, vip: 10.9.0.300, master: a2 }\n' }),
      /expected an IPv4 address, optionally with a prefix length/,
      'pairs.web.instances[2].vip',
      /.*/,
    );
  });
});

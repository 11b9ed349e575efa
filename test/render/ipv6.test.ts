// An IPv6 instance rendered (issue 26): keepalived speaks VRRPv3 for it between the nodes' ip6
// (no authentication), nginx listens on [::]:PORT too; an IPv4-only pair renders as it always did.
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { renderKeepalived } from '../../src/render/keepalived.js';
import { renderNginxSite } from '../../src/render/nginx.js';
import { FailoverFitError } from '../../src/model/profile.js';

const pair = (o: { v6?: boolean; ip6?: boolean; failover?: string; tls?: boolean } = {}) => `hosts:
  a1: { address: 10.9.0.11${o.ip6 ? ', ip6: "2001:db8::11"' : ''} }
  a2: { address: 10.9.0.12${o.ip6 ? ', ip6: "2001:db8::12"' : ''} }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
${o.ip6 ? '    subnet6: "2001:db8::/64"\n' : ''}${o.failover ? `    failover: ${o.failover}\n` : ''}    instances:
      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1, authentication: { password: secret1 } }
${o.v6 ? '      - { name: VI_6, virtual_router_id: 61, vip: "2001:DB8::0100/64", master: a2 }\n' : ''}    nginx:
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
`;

const model = (text: string) => parseModel(text, 'inv.yaml', {}).model;
const block = (conf: string, name: string) => conf.slice(conf.indexOf(`vrrp_instance ${name} {`)).split('\n}\n')[0]!;

describe('IPv6 instances rendered', () => {
  it('keepalived: the IPv6 instance is VRRPv3 between the ip6 addresses with its VIP as written, no authentication; the IPv4 one keeps its own', () => {
    const node = model(pair({ v6: true, ip6: true })).nodes.find((n) => n.host === 'a1')!;
    const conf = renderKeepalived(node, { version: '2.2.7' });
    const v6 = block(conf, 'VI_6');
    expect(v6).toContain('    version 3\n');
    expect(v6).toContain('    state BACKUP\n');
    expect(v6).toContain('    unicast_src_ip 2001:db8::11\n    unicast_peer {\n        2001:db8::12\n    }');
    expect(v6).toContain('    virtual_ipaddress {\n        2001:DB8::0100/64\n    }');
    expect(v6).not.toContain('authentication');
    const v4 = block(conf, 'VI_1');
    expect(v4).not.toContain('version 3');
    expect(v4).toContain('unicast_src_ip 10.9.0.11');
    expect(v4).toContain('auth_pass secret1');
    // VRRPv3 has no authentication: adverts only from the unicast peer.
    expect(conf).toMatch(/global_defs \{[^}]*vrrp_check_unicast_src/);
  });

  it('keepalived, fast profile: global vrrp_version 3 covers the IPv6 instance (no second version line)', () => {
    const text = pair({ v6: true, ip6: true, failover: 'fast' }).replace(', authentication: { password: secret1 }', '');
    const conf = renderKeepalived(model(text).nodes[0]!, { version: '2.2.7' });
    expect(conf).toContain('    vrrp_version 3\n');
    expect(block(conf, 'VI_6')).not.toContain('version 3');
  });

  it('keepalived 1.2.13 (no VRRPv3): an IPv6 instance is refused with the fix', () => {
    const node = model(pair({ v6: true, ip6: true })).nodes[0]!;
    expect(() => renderKeepalived(node, { version: '1.2.13' })).toThrow(FailoverFitError);
    expect(() => renderKeepalived(node, { version: '1.2.13' })).toThrow(/IPv6 VIP needs VRRPv3/);
  });

  it('nginx: a pair with an IPv6 VIP listens on [::]:PORT beside PORT, and on the TLS port both ways', () => {
    const site = renderNginxSite(model(pair({ v6: true, ip6: true })).nodes[0]!);
    expect(site).toContain('    listen 80;\n    listen [::]:80;\n');
    const node = model(pair({ v6: true, ip6: true })).nodes[0]!;
    const tlsSpec = { cert_file: 'c', key_file: 'k', listen: 443, redirect_http: false, http2: false };
    const tls = renderNginxSite({
      ...node,
      nginx: { ...node.nginx, tls: tlsSpec },
      sites: [{ ...node.sites[0]!, tls: tlsSpec }],
      tls: {} as never,
    });
    expect(tls).toContain('    listen 80;\n    listen [::]:80;\n    listen 443 ssl;\n    listen [::]:443 ssl;\n');
  });

  it('an IPv4-only pair renders byte-identical with or without ip6/subnet6 in the inventory', () => {
    for (const version of ['2.2.7', '1.3.5']) {
      const plain = model(pair());
      const with6 = model(pair({ ip6: true }));
      for (const i of [0, 1]) {
        expect(renderKeepalived(with6.nodes[i]!, { version })).toBe(renderKeepalived(plain.nodes[i]!, { version }));
        expect(renderNginxSite(with6.nodes[i]!)).toBe(renderNginxSite(plain.nodes[i]!));
      }
    }
    expect(renderKeepalived(model(pair()).nodes[0]!, { version: '2.2.7' })).not.toMatch(/vrrp_check_unicast_src|version 3|\[::\]/);
    expect(renderNginxSite(model(pair()).nodes[0]!)).not.toContain('[::]');
  });
});

// One instance, VIPs of both families: keepalived runs one family per vrrp_instance, so haops
// derives two from it, NAME (IPv4, as written, with its authentication) and NAME_V6 (VRRPv3
// between the nodes' ip6, same router id, master and priorities, no authentication). The user
// writes the instance once; validate judges each address at its own place in vips:.
import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/inventory/errors.js';
import { parseModel } from '../../src/model/load.js';
import { renderKeepalived } from '../../src/render/keepalived.js';

const inv = (o: { subnet6?: boolean; vips?: string } = {}) => `hosts:
  a1: { address: 10.9.0.11, ip6: "2001:db8::11" }
  a2: { address: 10.9.0.12, ip6: "2001:db8::12" }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
${o.subnet6 === false ? '' : '    subnet6: "2001:db8::/64"\n'}    instances:
      - name: VI_1
        virtual_router_id: 51
        vips: ${o.vips ?? '[10.9.0.100/24, 10.9.0.101/24, "2001:db8::100/64"]'}
        master: a1
        authentication: { password: secret1 }
    nginx:
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
`;

const block = (conf: string, name: string) => conf.slice(conf.indexOf(`vrrp_instance ${name} {`)).split('\n}\n')[0]!;

describe('an instance with VIPs of both families', () => {
  it('is two keepalived instances: VI_1 with the IPv4 VIPs and its password, VI_1_V6 VRRPv3 between the ip6 addresses, same router id', () => {
    const { model } = parseModel(inv(), 'inv.yaml', {});
    expect(model.pairs[0]!.instances.map((i) => [i.spec.name, i.family, i.vips.map((v) => v.address)])).toEqual([
      ['VI_1', 4, ['10.9.0.100', '10.9.0.101']],
      ['VI_1_V6', 6, ['2001:db8::100']],
    ]);
    const conf = renderKeepalived(model.nodes.find((n) => n.host === 'a1')!, { version: '2.2.7' });
    const v4 = block(conf, 'VI_1');
    expect(v4).toContain('virtual_router_id 51');
    expect(v4).toContain('    virtual_ipaddress {\n        10.9.0.100/24\n        10.9.0.101/24\n    }');
    expect(v4).toContain('auth_pass secret1');
    expect(v4).not.toContain('2001:db8');
    const v6 = block(conf, 'VI_1_V6');
    expect(v6).toContain('virtual_router_id 51');
    expect(v6).toContain('    version 3\n');
    expect(v6).toContain('    state MASTER\n');
    expect(v6).toContain('    unicast_src_ip 2001:db8::11\n    unicast_peer {\n        2001:db8::12\n    }');
    expect(v6).toContain('    virtual_ipaddress {\n        2001:db8::100/64\n    }');
    expect(v6).not.toContain('authentication');
  });

  it('validate judges the IPv6 address at its own place: no subnet6 is refused at vips[1], a second IPv6 spelling of one address too', () => {
    const noSubnet = () => parseModel(inv({ subnet6: false, vips: '[10.9.0.100/24, "2001:db8::100/64"]' }), 'inv.yaml', {});
    expect(noSubnet).toThrow(InventoryError);
    expect(noSubnet).toThrow(
      /inv\.yaml:\d+:\d+: pairs\.web\.instances\[0\]\.vips\[1\]: VIP 2001:db8::100 is IPv6, but pair web has no subnet6/,
    );
    const twice = () => parseModel(inv({ vips: '[10.9.0.100/24, "2001:db8::100/64", "2001:DB8:0::100/64"]' }), 'inv.yaml', {});
    expect(twice).toThrow(/vips\[2\]: VIP 2001:db8::100 is used twice in pair web \(twice in instance VI_1\)/);
  });
});

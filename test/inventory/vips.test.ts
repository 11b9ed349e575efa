// Several VIPs per instance (vips:): what validate accepts and refuses, what the model carries,
// what keepalived.conf and haops plan say. Pure: no host.
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { renderKeepalived } from '../../src/render/keepalived.js';
import { formatPlan } from '../../src/model/plan-table.js';
import { webPairYaml } from '../fixtures/web-pair.js';
import { issuesOf } from '../fixtures/issues.js';

/** The shared web pair with its instance's vip line replaced by `fields` (flow mapping fields). */
const withVips = (fields: string) => webPairYaml().replace('vip: 10.9.0.100/24, ', fields ? `${fields}, ` : '');
const modelOf = (text: string) => parseModel(text, 'inv.yaml', {}).model;

describe('vips: several addresses per instance', () => {
  it('takes a list of addresses, with or without prefix, and { address, dev }; the model keeps them in order', () => {
    const m = modelOf(withVips('vips: [10.9.0.100/24, 10.9.0.101, { address: 10.20.0.5/24, dev: eth1 }]'));
    const i = m.pairs[0]!.instances[0]!;
    expect(i.vip).toBe('10.9.0.100');
    expect(i.vips).toEqual([
      { address: '10.9.0.100', prefix: 24, written: '10.9.0.100/24' },
      { address: '10.9.0.101', prefix: 32, written: '10.9.0.101' },
      { address: '10.20.0.5', prefix: 24, dev: 'eth1', written: '10.20.0.5/24' },
    ]);
    const n = m.nodes[0]!.instances[0]!;
    expect(n.vip).toBe('10.9.0.100/24');
    expect(n.vips.map((v) => v.address)).toEqual(['10.9.0.100', '10.9.0.101', '10.20.0.5']);
  });

  it('keepalived.conf carries every address in virtual_ipaddress, dev X where given', () => {
    const m = modelOf(withVips('vips: [10.9.0.100/24, 10.9.0.101, { address: 10.20.0.5/24, dev: eth1 }]'));
    const conf = renderKeepalived(m.nodes[0]!);
    expect(conf).toContain('    virtual_ipaddress {\n        10.9.0.100/24\n        10.9.0.101\n        10.20.0.5/24 dev eth1\n    }\n');
  });

  it('vips: with one address renders exactly as vip: does', () => {
    const one = modelOf(webPairYaml());
    const list = modelOf(withVips('vips: [10.9.0.100/24]'));
    expect(renderKeepalived(list.nodes[0]!)).toBe(renderKeepalived(one.nodes[0]!));
  });

  it('haops plan lists the VIPs of the instance', () => {
    const m = modelOf(withVips('vips: [10.9.0.100/24, 10.9.0.101/24]'));
    expect(formatPlan(m, false)).toContain('pair web, instance VI_1: VIPs 10.9.0.100/24, 10.9.0.101/24, MASTER a1');
  });

  it('a pair without subnet: takes it from the first vips: entry with a prefix', () => {
    const text = withVips('vips: [10.9.0.100/24, 10.9.0.101/24]').replace('    subnet: 10.9.0.0/24\n', '');
    expect(modelOf(text).pairs[0]!.spec.subnet).toBe('10.9.0.0/24');
  });

  it('refuses vip: and vips: together, at the vips line, with the fix', () => {
    const text = withVips('vip: 10.9.0.100/24, vips: [10.9.0.101/24]');
    const hit = issuesOf(text).find((i) => /both vip: and vips:/.test(i.message));
    expect(hit).toMatchObject({ file: 'inv.yaml', path: 'pairs.web.instances[0].vips', message: 'instance VI_1 has both vip: and vips:' });
    expect(hit!.line).toBe(text.split('\n').findIndex((l) => l.includes('vips:')) + 1);
    expect(hit!.fix).toMatch(/keep one/);
  });

  it('refuses an instance with neither vip: nor vips:', () => {
    const hit = issuesOf(withVips('')).find((i) => /no vip: or vips:/.test(i.message));
    expect(hit).toMatchObject({ path: 'pairs.web.instances[0]', message: 'instance VI_1 has no vip: or vips:' });
    expect(hit!.fix).toMatch(/add vip: .*or vips: \[/);
  });

  it('refuses an empty list and a malformed address, naming the entry', () => {
    expect(issuesOf(withVips('vips: []')).map((i) => i.message)).toContain('vips needs at least one address');
    const bad = issuesOf(withVips('vips: [10.9.0.100/24, 10.9.0.300]'));
    expect(bad[0]).toMatchObject({ path: 'pairs.web.instances[0].vips[1].address' });
    expect(bad[0]!.message).toMatch(/expected an IPv4 address/);
  });

  it('checks every address as vip: is checked: subnet, duplicates, node addresses, network and broadcast', () => {
    const out = issuesOf(withVips('vips: [10.9.0.100/24, 10.8.0.5/24]'));
    expect(out).toContainEqual(
      expect.objectContaining({
        path: 'pairs.web.instances[0].vips[1]',
        message: expect.stringMatching(/VIP 10\.8\.0\.5 is outside eth0's subnet/),
      }),
    );
    expect(issuesOf(withVips('vips: [10.9.0.100/24, 10.9.0.100]')).map((i) => i.message)).toContain(
      'VIP 10.9.0.100 is used twice in pair web (twice in instance VI_1)',
    );
    expect(issuesOf(withVips('vips: [10.9.0.100/24, 10.9.0.12/24]')).map((i) => i.message)).toContain("VIP 10.9.0.12 is a2's own address");
    expect(issuesOf(withVips('vips: [10.9.0.100/24, 10.9.0.255/24]')).map((i) => i.message)).toContain(
      'VIP 10.9.0.255 is the broadcast address of 10.9.0.0/24',
    );
    expect(issuesOf(withVips('vips: [10.9.0.100/24, 10.9.0.101/16]'))[0]!.message).toMatch(/is a \/16, wider than pair web's subnet/);
  });

  it('an address on another interface (dev:) is not held to the subnet; dev follows the interface rule', () => {
    expect(issuesOf(withVips('vips: [10.9.0.100/24, { address: 10.8.0.5/24, dev: eth1 }]'))).toEqual([]);
    // dev: the pair's own interface is that interface: the subnet rule holds.
    expect(issuesOf(withVips('vips: [10.9.0.100/24, { address: 10.8.0.5/24, dev: eth0 }]'))[0]!.message).toMatch(/outside eth0's subnet/);
    expect(issuesOf(withVips('vips: [10.9.0.100/24, { address: 10.8.0.5/24, dev: lo }]'))[0]).toMatchObject({
      path: 'pairs.web.instances[0].vips[1].dev',
      message: expect.stringMatching(/is the loopback/),
    });
    expect(issuesOf(withVips('vips: [{ address: 10.9.0.101/24, dev: "eth 1" }]'))[0]!.message).toMatch(/expected an interface name/);
    expect(issuesOf(withVips('vips: [{ address: 10.9.0.101/24, device: eth1 }]'))[0]).toMatchObject({
      message: 'unknown field "device"',
      fix: expect.stringMatching(/did you mean "dev"/),
    });
  });

  it("a VIP of vips: clashes with another pair's VIP on the same segment", () => {
    const text = `${withVips('vips: [10.9.0.100/24, 10.9.0.101/24]')}  web2:
    nodes: [b1, b2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_2, virtual_router_id: 52, vips: [10.9.0.101/24], master: b1 }
    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }
`.replace('hosts:\n', 'hosts:\n  b1: { address: 10.9.0.13 }\n  b2: { address: 10.9.0.14 }\n');
    expect(issuesOf(text).map((i) => i.message)).toContain("VIP 10.9.0.101 is also pair web's (instance VI_1)");
  });
});

// Inventory ergonomics a first user meets: tuning failover keeps the classic profile, the subnet
// comes from `vip: X/NN`, a typo is one problem with its suggestion, shared defaults through an
// `x-` anchor block and `<<:` merges.
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { issuesOf } from '../fixtures/issues.js';

const PAIR = `hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    instances:
      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1 }
    nginx: { upstreams: [{ name: be, servers: ['10.9.0.21:8080'] }] }
`;

describe('inventory ergonomics', () => {
  it('failover: { down_timer_adverts } without profile tunes the classic profile (VRRPv2, 200/199), never fast', () => {
    const { model } = parseModel(PAIR.replace('    nginx:', '    failover: { down_timer_adverts: 5 }\n    nginx:'), 'inv.yaml', {});
    const pair = model.pairs[0]!;
    expect(pair.failover.profile).toBe('classic');
    expect(pair.failover.vrrpVersion).toBe(2);
    expect(pair.failover.downTimerAdverts).toBe(5);
    expect(model.nodes.map((n) => n.instances[0]!.priority).sort()).toEqual([199, 200]);
  });

  it('the subnet is derived from vip: X/NN when subnet: is absent', () => {
    const { model } = parseModel(PAIR, 'inv.yaml', {});
    expect(model.pairs[0]!.spec.subnet).toBe('10.9.0.0/24');
  });

  it('without subnet: and without a prefix on any VIP: one problem saying both ways to fix it', () => {
    const issues = issuesOf(PAIR.replace('10.9.0.100/24', '10.9.0.100'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/missing required field "subnet"/);
    expect(issues[0]!.fix).toMatch(/vip: 10\.0\.0\.100\/24/);
  });

  it('a typo in a required field is one problem with the suggestion, not "unknown" plus "missing"', () => {
    const issues = issuesOf(PAIR.replace('a1: { address:', 'a1: { adress:'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'hosts.a1.adress', line: 2, message: 'unknown field "adress"' });
    expect(issues[0]!.fix).toMatch(/did you mean "address"/);
  });

  it('shared defaults: an x- block of anchors, merged with <<:, and a node overriding one value', () => {
    const text = `x-node: &node
  user: admin
  port: 2222
  sudo: true
x-nginx: &nginx
  upstreams: [{ name: be, servers: ['10.9.0.21:8080'] }]
hosts:
  a1: { <<: *node, address: 10.9.0.11 }
  a2:
    <<: *node
    address: 10.9.0.12
    port: 22
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    instances:
      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1 }
    nginx: { <<: *nginx, listen: 8080 }
`;
    const { inventory, model } = parseModel(text, 'inv.yaml', {});
    expect(inventory.hosts.a1).toMatchObject({ user: 'admin', port: 2222, sudo: true, address: '10.9.0.11' });
    expect(inventory.hosts.a2).toMatchObject({ user: 'admin', port: 22, address: '10.9.0.12' });
    expect(model.pairs[0]!.spec.nginx).toMatchObject({ listen: 8080, upstreams: [{ name: 'be', servers: ['10.9.0.21:8080'] }] });
  });

  it('a bad value that came from a merged anchor is located at the anchor, where it was written', () => {
    const text = `x-node: &node
  user: admin
  port: 99999
hosts:
  a1: { <<: *node, address: 10.9.0.11 }
  a2: { <<: *node, address: 10.9.0.12 }
${PAIR.slice(PAIR.indexOf('pairs:'))}`;
    const issues = issuesOf(text);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ path: 'hosts.a1.port', line: 3 });
  });

  it('an unknown top-level key that is not x- is still refused, with a suggestion', () => {
    const issues = issuesOf(`hostz: {}\n${PAIR}`);
    expect(issues[0]).toMatchObject({ message: 'unknown field "hostz"' });
    expect(issues[0]!.fix).toMatch(/did you mean "hosts"/);
  });
});

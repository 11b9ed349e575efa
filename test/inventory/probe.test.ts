// probe: { from: ... } — where the user's path through the VIPs is asked from: validated like every
// other field (file:line, field, fix), and resolved per pair (a pair's own setting wins).
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { sshTarget } from '../../src/nodes/connector.js';
import { webPairYaml } from '../fixtures/web-pair.js';
import { issuesOf } from '../fixtures/issues.js';

const HOSTS = '  a1: { address: 10.9.0.11 }\n  a2: { address: 10.9.0.12 }\n  probe1: { address: probe1.example.com, user: ops }\n';

const withProbe = (top: string, pair = '', hosts = HOSTS) =>
  webPairYaml({ head: top, hosts }).replace('    interface: eth0\n', `    interface: eth0\n${pair}`);

describe('probe.from in the inventory', () => {
  it('defaults to this machine; a top-level host applies to every pair; a pair may set its own', () => {
    expect(parseModel(webPairYaml(), 'inv.yaml', {}).model.pairs[0]!.probeFrom).toEqual({ kind: 'local' });
    expect(parseModel(withProbe('probe: { from: probe1 }\n', '', HOSTS), 'inv.yaml', {}).model.pairs[0]!.probeFrom).toEqual({
      kind: 'host',
      host: 'probe1',
    });
    const own = parseModel(withProbe('probe: { from: probe1 }\n', '    probe: { from: none }\n'), 'inv.yaml', {});
    expect(own.model.pairs[0]!.probeFrom).toEqual({ kind: 'none' });
  });

  it('a probe host may be a DNS name in hosts: (only pair nodes need an IPv4 address), or an SSH destination not in hosts:', () => {
    expect(issuesOf(withProbe('probe: { from: probe1 }\n'))).toEqual([]);
    const m = parseModel(
      withProbe('ssh: { user: root, jump: bastion.example.com }\nprobe: { from: bastion.example.com }\n'),
      'inv.yaml',
      {},
    );
    expect(m.model.pairs[0]!.probeFrom).toEqual({ kind: 'host', host: 'bastion.example.com' });
    // The default jump host as probe host is dialled directly, not through itself.
    const t = sshTarget(m.inventory, 'inv.yaml', 'bastion.example.com');
    expect(t).toMatchObject({ address: 'bastion.example.com', user: 'root', jump: undefined });
    // A listed probe host keeps its own settings.
    expect(sshTarget(parseModel(withProbe('probe: { from: probe1 }\n'), 'inv.yaml', {}).inventory, 'inv.yaml', 'probe1')).toMatchObject({
      address: 'probe1.example.com',
      user: 'ops',
    });
  });

  it.each([
    ['-oProxyCommand=touch /tmp/x', 'an ssh option'],
    ['ops@probe1', 'user@'],
    ['probe1:2222', ':port'],
    ['$(reboot)', 'a command substitution'],
    ['probe one', 'a space'],
    ['.hidden', 'a leading dot'],
  ])('refuses %j (%s) naming the line, the field and the fix', (value, _what) => {
    const issues = issuesOf(withProbe(`probe: { from: ${JSON.stringify(value)} }\n`));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'inv.yaml', line: 1, path: 'probe.from' });
    expect(issues[0]!.message).toMatch(/must be local, none, a host of this inventory, or an SSH host name/);
    expect(issues[0]!.fix).toMatch(/write local, none, or a host/);
  });

  it("refuses a node of the pair it probes (its own VIP never crosses the LAN), at the pair's line", () => {
    const text = withProbe('', '    probe: { from: a2 }\n');
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'pairs.web.probe.from', line: text.split('\n').indexOf('    probe: { from: a2 }') + 1 });
    expect(issues[0]!.message).toMatch(/a2 is a node of pair web: while it holds the VIP a request from it never leaves the node/);
    expect(issues[0]!.fix).toMatch(/not in this pair/);
  });

  it.each([
    ['its address', '10.9.0.12', `${HOSTS}`],
    ['its name in another case', 'A2', `${HOSTS}`],
    ['another inventory entry for the same address', 'a2-mgmt', `${HOSTS}  a2-mgmt: { address: 10.9.0.12 }\n`],
    ['an entry whose LAN ip is the node', 'a2-dns', `${HOSTS}  a2-dns: { address: a2.example.com, ip: 10.9.0.12 }\n`],
  ])('refuses a name that reaches a node of the pair by %s (%s)', (_what, from, hosts) => {
    const issues = issuesOf(withProbe('', `    probe: { from: ${from} }\n`, hosts));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'pairs.web.probe.from' });
    expect(issues[0]!.message).toMatch(new RegExp(`^${from} is a node of pair web \\(${from} reaches a2\\)`));
  });

  it('still accepts another machine of the LAN by address', () => {
    expect(issuesOf(withProbe('', '    probe: { from: 10.9.0.50 }\n'))).toEqual([]);
  });

  it('refuses probing from a host named local (the word means this machine) and unknown fields under probe:', () => {
    const named = issuesOf(withProbe('probe: { from: local }\n', '', `${HOSTS}  local: { address: 10.9.0.50 }\n`));
    expect(named.map((i) => i.message)).toEqual(['"local" here means this machine, not your host named local']);
    const typo = issuesOf(withProbe('probe: { form: probe1 }\n'));
    expect(typo[0]).toMatchObject({ path: 'probe.form', message: 'unknown field "form"' });
    expect(typo[0]!.fix).toMatch(/did you mean "from"/);
  });
});

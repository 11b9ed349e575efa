import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { main } from '../../src/cli/main.js';
import { issuesOf } from '../fixtures/issues.js';

const GOOD = `ssh:
  user: root
hosts:
  a1:
    address: 10.9.0.11
  a2:
    address: 10.9.0.12
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - name: VI_1
        virtual_router_id: 51
        vip: 10.9.0.100/24
        master: a1
        priorities: { a1: 200, a2: 199 }
        advert_int: 1
        authentication: { type: PASS, password: secret1 }
    check:
      script: killall -0 nginx
      interval: 1
      weight: 2
      fall: 2
      rise: 1
    nginx:
      listen: 80
      upstreams:
        - name: be
          servers: [10.9.0.21:8080]
`;

/** Expects exactly the problem described: message, field path and line. */
function expectIssue(text: string, want: { message: RegExp; path?: string; line?: number; fix?: RegExp }, env: NodeJS.ProcessEnv = {}) {
  const issues = issuesOf(text, env);
  expect(issues.length, `no issue for: ${want.message}`).toBeGreaterThan(0);
  const hit = issues.find((i) => want.message.test(i.message));
  expect(hit, `issues were: ${issues.map((i) => i.message).join(' | ')}`).toBeDefined();
  expect(hit!.file).toBe('inv.yaml');
  if (want.path !== undefined) expect(hit!.path).toBe(want.path);
  if (want.line !== undefined) expect(hit!.line).toBe(want.line);
  if (want.fix) expect(hit!.fix ?? '').toMatch(want.fix);
  return hit!;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function withSecondPair(extraHosts: string, pair: string): string {
  return GOOD.replace('pairs:\n', `${extraHosts}pairs:\n${pair}`);
}

const PAIR_B = (o: { vrid?: number; vip?: string; subnet?: string; nodes?: string; hostsIp?: string } = {}) => `  other:
    nodes: ${o.nodes ?? '[b1, b2]'}
    interface: eth0
    subnet: ${o.subnet ?? '10.9.0.0/24'}
    instances:
      - name: VI_B
        virtual_router_id: ${o.vrid ?? 52}
        vip: ${o.vip ?? '10.9.0.101'}
        master: ${(o.nodes ?? '[b1, b2]').replace(/^\[(\w+),.*$/, '$1')}
    nginx:
      upstreams:
        - name: be
          servers: [10.9.0.21:8080]
`;
const HOSTS_B = (net = '10.9.0') => `  b1:\n    address: ${net}.13\n  b2:\n    address: ${net}.14\n`;

describe('a valid inventory', () => {
  it('passes and needs no environment', () => {
    expect(issuesOf(GOOD)).toEqual([]);
  });
  it('the seed inventory passes `haops validate` with exit 0', async () => {
    const out: string[] = [];
    expect(
      await main(
        ['node', 'haops', 'validate', 'inventory/seed.yaml'],
        (s) => out.push(s),
        (s) => out.push(s),
      ),
    ).toBe(0);
    expect(out.join('\n')).toMatch(/ok \(2 nodes, 1 pair, 1 VRRP instance\)/);
  });
});

describe('malformed inventories are refused with file:line, field and a fix', () => {
  it('YAML syntax error: names the line', () => {
    const text = GOOD.replace('  a2:\n', '  a2\n  bad: [\n');
    const i = issuesOf(text)[0]!;
    expect(i.message).toMatch(/YAML syntax/);
    expect(i.line).toBeGreaterThan(1);
  });
  it('YAML: duplicate key', () =>
    expectIssue(GOOD.replace('    address: 10.9.0.11\n', '    address: 10.9.0.11\n    address: 10.9.0.15\n'), {
      message: /duplicate key "address"/,
      line: lineOf(GOOD, 'address: 10.9.0.11') + 1,
    }));
  it('YAML: a document that is not a mapping', () => expectIssue('- just\n- a list\n', { message: /must be a mapping/ }));
  it('unknown top-level key with did-you-mean', () =>
    expectIssue(GOOD.replace('pairs:', 'pair:\n  x: 1\npairs:'), {
      message: /unknown field "pair"/,
      fix: /did you mean "pairs"/,
      line: lineOf(GOOD, 'pairs:'),
    }));
  it('typo in an instance field: did you mean', () =>
    expectIssue(GOOD.replace('advert_int: 1', 'advert_itn: 1'), {
      message: /unknown field "advert_itn"/,
      path: 'pairs.web.instances[0].advert_itn',
      fix: /did you mean "advert_int"/,
      line: lineOf(GOOD, 'advert_int'),
    }));
  it('typo in a check field', () =>
    expectIssue(GOOD.replace('fall: 2', 'fal: 2'), { message: /unknown field "fal"/, fix: /did you mean "fall"/ }));
  it('typo in a host field', () =>
    expectIssue(GOOD.replace('address: 10.9.0.11', 'adress: 10.9.0.11'), {
      message: /unknown field "adress"/,
      fix: /did you mean "address"/,
    }));
  it('missing required field', () =>
    expectIssue(GOOD.replace('    interface: eth0\n', ''), { message: /missing required field "interface"/, path: 'pairs.web.interface' }));
  it('VRID 0', () =>
    expectIssue(GOOD.replace('virtual_router_id: 51', 'virtual_router_id: 0'), {
      message: /1\.\.255/,
      path: 'pairs.web.instances[0].virtual_router_id',
      line: lineOf(GOOD, 'virtual_router_id'),
    }));
  it('VRID 256', () =>
    expectIssue(GOOD.replace('virtual_router_id: 51', 'virtual_router_id: 256'), { message: /1\.\.255/, fix: /1\.\.255/ }));
  it('VRID as text', () =>
    expectIssue(GOOD.replace('virtual_router_id: 51', 'virtual_router_id: fifty'), { message: /expected number, got string/ }));
  it('VRID used twice on one segment (two pairs)', () =>
    expectIssue(withSecondPair(HOSTS_B(), PAIR_B({ vrid: 51 })), { message: /virtual_router_id 51 is also used by pair (web|other)/ }));
  it('VRID reuse on another segment is fine', () =>
    expect(issuesOf(withSecondPair(HOSTS_B('10.8.0'), PAIR_B({ vrid: 51, subnet: '10.8.0.0/24', vip: '10.8.0.101' })))).toEqual([]));
  it('VRID used twice inside one pair', () =>
    expectIssue(
      GOOD.replace(
        '    check:',
        `      - name: VI_2\n        virtual_router_id: 51\n        vip: 10.9.0.101\n        master: a2\n    check:`,
      ),
      { message: /used twice in pair web/ },
    ));
  it('VIP used by two pairs', () =>
    expectIssue(withSecondPair(HOSTS_B(), PAIR_B({ vip: '10.9.0.100' })), { message: /VIP 10\.9\.0\.100 is also pair (web|other)'s/ }));
  it('priority 0', () => expectIssue(GOOD.replace('a1: 200, a2: 199', 'a1: 0, a2: 199'), { message: /priority must be 1\.\.254/ }));
  it('priority 255', () =>
    expectIssue(GOOD.replace('a1: 200, a2: 199', 'a1: 255, a2: 199'), { message: /priority must be 1\.\.254/, fix: /1\.\.254/ }));
  it('priority for a node not in the pair', () =>
    expectIssue(GOOD.replace('a1: 200, a2: 199', 'a1: 200, a3: 199'), { message: /"a3" is not a node of pair web/ }));
  it('PASS password longer than 8 characters', () =>
    expectIssue(GOOD.replace('password: secret1', 'password: secret123'), {
      message: /9 bytes; keepalived uses only the first 8/,
      fix: /4 to 8/,
    }));
  it('VIP outside the interface subnet', () =>
    expectIssue(GOOD.replace('vip: 10.9.0.100/24', 'vip: 10.10.0.100/24'), {
      message: /outside eth0's subnet 10\.9\.0\.0\/24/,
      path: 'pairs.web.instances[0].vip',
    }));
  it('VIP that is a node address', () =>
    expectIssue(GOOD.replace('vip: 10.9.0.100/24', 'vip: 10.9.0.12'), { message: /a2's own address/ }));
  it('VIP not an address', () =>
    expectIssue(GOOD.replace('vip: 10.9.0.100/24', 'vip: 10.9.0.300'), { message: /expected an IPv4 address/ }));
  it('node address outside the subnet', () =>
    expectIssue(GOOD.replace('address: 10.9.0.12', 'address: 10.7.0.12'), { message: /outside pair web's subnet/ }));
  it('a pair with one node', () =>
    expectIssue(GOOD.replace('nodes: [a1, a2]', 'nodes: [a1]'), { message: /exactly two nodes/, fix: /exactly two/ }));
  it('a pair with three nodes', () =>
    expectIssue(GOOD.replace('nodes: [a1, a2]', 'nodes: [a1, a2, a3]'), { message: /exactly two nodes/ }));
  it('a pair naming an unknown host: did you mean', () =>
    expectIssue(GOOD.replace('nodes: [a1, a2]', 'nodes: [a1, a3]').replace('a1: 200, a2: 199', 'a1: 200, a3: 199'), {
      message: /"a3" is not a host/,
      fix: /did you mean "a[12]"/,
    }));
  it('a pair with the same node twice', () =>
    expectIssue(GOOD.replace('nodes: [a1, a2]', 'nodes: [a1, a1]'), { message: /two different nodes/ }));
  it('master not in the pair', () =>
    expectIssue(GOOD.replace('master: a1', 'master: b9'), { message: /master "b9" is not one of the pair's nodes/ }));
  it('a host in two pairs with clashing instances', () =>
    expectIssue(withSecondPair(HOSTS_B(), PAIR_B({ vrid: 51, nodes: '[a1, b2]' })), {
      message: /a1 is in pairs (web and other|other and web); a host carries one keepalived\.conf/,
    }));
  it('a host in two pairs, even without clashing instances (one keepalived.conf per host)', () =>
    expectIssue(withSecondPair(HOSTS_B(), PAIR_B({ vrid: 52, nodes: '[a1, b2]' })), {
      message: /a1 is in pairs (web and other|other and web); a host carries one keepalived\.conf/,
      fix: /instances of one pair/,
    }));
  it('check weight above 253', () => expectIssue(GOOD.replace('weight: 2', 'weight: 300'), { message: /weight must be -253\.\.253/ }));
  it('check weight below -253', () => expectIssue(GOOD.replace('weight: 2', 'weight: -254'), { message: /weight must be -253\.\.253/ }));
  it('shell metacharacters in the check script', () =>
    expectIssue(GOOD.replace('script: killall -0 nginx', 'script: "killall -0 nginx; rm -rf /"'), {
      message: /no quotes, pipes or newlines/,
    }));
  it('a newline in the interface name', () =>
    expectIssue(GOOD.replace('interface: eth0', 'interface: "eth0\\n}"'), { message: /interface name/ }));
  it('shell characters in a host address', () =>
    expectIssue(GOOD.replace('address: 10.9.0.11', 'address: "10.9.0.11;reboot"'), {
      message: /expected an address .*not starting with -/,
    }));
  it('a quote in an upstream server', () =>
    expectIssue(GOOD.replace('servers: [10.9.0.21:8080]', 'servers: ["10.9.0.21:8080\\"; evil"]'), { message: /host:port/ }));
  it('a newline in a webhook URL', () =>
    expectIssue(GOOD.replace('    nginx:', '    notify:\n      webhooks: ["http://x/\\nrm"]\n    nginx:'), { message: /http\(s\) URL/ }));
  it('a VRRP password with a quote', () => expectIssue(GOOD.replace('password: secret1', "password: 'se\"c'"), { message: /quote/ }));
  it('a secret whose variable is not set', () =>
    expectIssue(GOOD.replace('password: secret1', 'password_env: VRRP_PW'), { message: /VRRP_PW is not set/, fix: /export VRRP_PW=/ }));
  it('a secret whose variable is set passes', () =>
    expect(issuesOf(GOOD.replace('password: secret1', 'password_env: VRRP_PW'), { VRRP_PW: 'fromenv' })).toEqual([]));
  it('a sudo password whose variable is not set', () =>
    expectIssue(GOOD.replace('  user: root\n', '  user: ops\n  sudo: { password_env: SUDO_PW }\n'), {
      message: /sudo password: environment variable SUDO_PW is not set/,
    }));
  it('a port out of range', () =>
    expectIssue(GOOD.replace('listen: 80', 'listen: 70000'), { message: /less than or equal to 65535|65535/ }));
  it('an unknown auth_type', () =>
    expectIssue(GOOD.replace('type: PASS', 'type: MD5'), { message: /expected one of PASS, AH/, fix: /PASS, AH/ }));
  it('an address that is a name with no ip:', () =>
    expectIssue(GOOD.replace('address: 10.9.0.11', 'address: web1.example'), { message: /not an IPv4 address/, fix: /add ip:/ }));
});

describe('failover math errors are validation errors', () => {
  it('200/198 with weight 1: a failed MASTER check would not move the VIP; shows numbers and the smallest fix', () => {
    const i = expectIssue(GOOD.replace('a1: 200, a2: 199', 'a1: 200, a2: 198').replace('weight: 2', 'weight: 1'), {
      message: /a failed check on a1 leaves the VIP on it while a2 is healthy \(MASTER's check failed: a1 200 vs a2 199, weight 1\)/,
    });
    expect(i.fix).toMatch(/raise the check's weight to 3/);
  });
  it('254/253 with weight 2: clamping hides the failover', () => {
    const i = expectIssue(GOOD.replace('a1: 200, a2: 199', 'a1: 254, a2: 253'), { message: /both advertise 254/ });
    expect(i.fix).toMatch(/set priorities a1: 252, a2: 251/);
  });
  it('nopreempt with a non-zero weight keeps a dead nginx on the VIP', () =>
    expectIssue(GOOD.replace('advert_int: 1', 'advert_int: 1\n        nopreempt: true'), {
      message: /leaves the VIP on it/,
      fix: /weight to 0, or drop nopreempt/,
    }));
  it('a MASTER with a lower priority than its BACKUP', () =>
    expectIssue(GOOD.replace('a1: 200, a2: 199', 'a1: 190, a2: 199'), { message: /a1 is named MASTER but a2 wins/ }));
  it('priorities: derive with weight 1 is refused', () =>
    expectIssue(GOOD.replace('priorities: { a1: 200, a2: 199 }', 'priorities: derive').replace('weight: 2', 'weight: 1'), {
      message: /derive cannot work with weight 1/,
    }));
});

describe('`haops validate` on a bad file', () => {
  it('exits 2 and prints file:line:col, the field and the fix, no stack trace', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const f = join(mkdtempSync(join(tmpdir(), 'haops-')), 'bad.yaml');
    writeFileSync(f, GOOD.replace('virtual_router_id: 51', 'virtual_router_id: 300'));
    const errs: string[] = [];
    const code = await main(
      ['node', 'haops', 'validate', f],
      () => {},
      (s) => errs.push(s),
    );
    expect(code).toBe(2);
    const text = errs.join('\n');
    expect(text).toContain(
      `${f}:${lineOf(GOOD, 'virtual_router_id')}:28: pairs.web.instances[0].virtual_router_id: virtual_router_id must be 1..255`,
    );
    expect(text).toMatch(/fix: /);
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).toMatch(/nothing was sent to any node/);
  });
});

describe('el_archive: the archive mirrors of an end-of-life CentOS', () => {
  const withArchive = (centos: string) => `${GOOD}el_archive:\n  centos: ${centos}\n  epel: http://mirror.example/epel/$releasever\n`;

  it('takes yum URLs with $releasever and $basearch into the model', () => {
    expect(issuesOf(withArchive('http://mirror.example/centos/$releasever'))).toEqual([]);
    expect(parseModel(withArchive('file:///srv/centos/$releasever'), 'inv.yaml', {}).model.elArchive).toEqual({
      centos: 'file:///srv/centos/$releasever',
      epel: 'http://mirror.example/epel/$releasever',
    });
  });

  it('refuses other $ variables, quotes and query strings, naming the field and line', () => {
    const text = withArchive('http://mirror.example/centos/$infra');
    expectIssue(text, {
      message: /the only \$ yum expands here are \$releasever and \$basearch/,
      path: 'el_archive.centos',
      line: lineOf(text, '$infra'),
    });
    expectIssue(withArchive(`"http://mirror.example/c'x"`), {
      message: /expected an http\(s\), ftp or file:\/\/\/ URL/,
      path: 'el_archive.centos',
    });
    expectIssue(withArchive('http://mirror.example/c?x=1'), {
      message: /expected an http\(s\), ftp or file:\/\/\/ URL/,
      path: 'el_archive.centos',
    });
  });
});

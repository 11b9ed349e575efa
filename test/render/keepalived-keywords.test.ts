// Every keepalived.conf haops renders, for every supported keepalived, against the keywords that
// release's parser installs (src/model/keepalived-keywords.ts, generated from the source at each tag)
// and the values it would change behind the user's back.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYWORD_TAGS } from '../../src/model/keepalived-keywords.js';
import { directives, syntaxProblems } from '../../src/model/keepalived-syntax.js';
import { parseModel } from '../../src/model/load.js';
import { renderNode } from '../../src/render/index.js';
import { haops } from '../fixtures/cli.js';

const SEED = readFileSync('inventory/seed.yaml', 'utf8');

const pair = (failover: string, instances: string, extra = '') => `hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
${instances}
    failover: ${failover}
    notify:
      webhooks: [http://10.9.0.5:8080/hook]
      sms: { to: ['+15550100'], url: http://10.9.0.5:8080/sms }
      email: { to: [ops@example.com], from: ha@example.com, smtp_server: 10.9.0.5 }
    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }
${extra}`;

const ONE = '      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1 }';
const TWO = `${ONE}\n      - { name: VI_2, virtual_router_id: 52, vip: 10.9.0.101/24, master: a2 }`;

const INVENTORIES: Record<string, string> = {
  'the seed inventory': SEED,
  'the fast profile': pair('fast', ONE),
  'an active-active pair': pair('classic', TWO),
  'an active-active fast pair': pair('fast', TWO),
};

function rendered(text: string, version: string) {
  const saved = process.env.HAOPS_VRRP_PASSWORD;
  delete process.env.HAOPS_VRRP_PASSWORD;
  try {
    const { model } = parseModel(text, 'inv.yaml');
    return model.nodes.map((n) => ({ host: n.host, files: renderNode(n, model, { version }) }));
  } finally {
    if (saved !== undefined) process.env.HAOPS_VRRP_PASSWORD = saved;
  }
}

describe('rendered keepalived.conf × keepalived release: only keywords that release parses, in their blocks', () => {
  for (const [name, text] of Object.entries(INVENTORIES)) {
    for (const version of KEYWORD_TAGS) {
      it(`${name} on keepalived ${version}`, () => {
        for (const node of rendered(text, version)) {
          const conf = node.files.find((f) => f.path === '/etc/keepalived/keepalived.conf')!.content;
          expect(syntaxProblems(conf, version), `${node.host}`).toEqual([]);
          expect(conf).toContain(`Rendered for keepalived ${version}`);
        }
      });
    }
  }

  it("the check fails a 2.2.7 fast config read by 1.3.5's parser (it can fail)", () => {
    const conf = rendered(pair('fast', ONE), '2.2.7')[0]!.files[0]!.content;
    const where = syntaxProblems(conf, '1.3.5').map((p) => p.where);
    expect(where).toEqual(
      expect.arrayContaining(['global_defs > vrrp_rt_priority', 'vrrp_track_process', 'vrrp_instance > track_process']),
    );
  });

  it('fast profile on CentOS 7 (1.3.5): the VRRP process gets nice -20, not a realtime priority 1.3.5 lacks', () => {
    const conf = rendered(pair('fast', ONE), '1.3.5')[0]!.files[0]!.content;
    const global = directives(conf, '1.3.5').filter((d) => d.block === 'global_defs');
    expect(global.map((d) => `${d.keyword} ${d.args.join(' ')}`.trim())).toContain('vrrp_priority -20');
    expect(global.map((d) => d.keyword)).not.toContain('vrrp_rt_priority');
  });
});

describe('notifications on keepalived 1.x go through per-state scripts without arguments', () => {
  for (const version of ['1.2.13', '1.3.5']) {
    it(`${version}: no generic notify; each instance's notify_master/backup/fault is a wrapper haops installs (0755)`, () => {
      for (const node of rendered(pair('classic', TWO), version)) {
        const conf = node.files.find((f) => f.path === '/etc/keepalived/keepalived.conf')!.content;
        const ds = directives(conf, version).filter((d) => d.block === 'vrrp_instance' && d.keyword.startsWith('notify'));
        expect(ds.map((d) => d.keyword).sort()).toEqual([
          'notify_backup',
          'notify_backup',
          'notify_fault',
          'notify_fault',
          'notify_master',
          'notify_master',
        ]);
        for (const d of ds) {
          // The wrapper's path, and (script security on) the user it runs as: root, as the notify script is root's alone.
          expect(d.args.length === 1 || (d.args.length === 2 && d.args[1] === 'root'), d.args.join(' ')).toBe(true);
          expect(d.args[0]).not.toMatch(/\s/);
          const wrapper = node.files.find((f) => f.path === d.args[0]);
          expect(wrapper?.mode, d.args[0]).toBe('0755');
        }
      }
    });
  }

  it('2.0.0 and later keep the generic notify (its arguments are split there) and install no wrappers', () => {
    const node = rendered(pair('classic', ONE), '2.0.20')[0]!;
    const conf = node.files[0]!.content;
    expect(directives(conf, '2.0.20').some((d) => d.keyword === 'notify')).toBe(true);
    expect(node.files.filter((f) => f.path.includes('haops-notify/'))).toEqual([]);
  });
});

/** haops with `text` as the inventory file INV (and OUT a directory beside it). */
async function cli(args: string[], text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'haops-kw-'));
  const file = join(dir, 'inv.yaml');
  writeFileSync(file, text);
  return haops(args.map((a) => (a === 'INV' ? file : a === 'OUT' ? join(dir, 'out') : a)));
}

describe('validate refuses, per keepalived version, values that version would change', () => {
  const classic = (extra: string, version: string) =>
    cli(['validate', 'INV', '--keepalived-version', version], pair('classic', ONE).replace('    failover: classic\n', extra));

  it('check interval 1.5: refused on 1.3.5 and 2.2.7 (whole seconds), accepted on 2.3.2', async () => {
    const extra = '    check: { interval: 1.5 }\n';
    const old = await classic(extra, '1.3.5');
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/interval 1\.5: keepalived 1\.3\.5 reads whole seconds \(1\.x truncates it to 1 s\)/);
    expect(old.err).toMatch(/whole number of seconds, or upgrade keepalived to 2\.3\.2\+/);
    expect((await classic(extra, '2.2.7')).code).toBe(2);
    expect((await classic(extra, '2.3.2')).code).toBe(0);
  });

  it('advert_int 1.5 under VRRPv2: refused on 1.2.13 (truncated) and 1.3.5 (rounded)', async () => {
    const text = pair('classic', '      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1, advert_int: 1.5 }');
    const a = await cli(['validate', 'INV', '--keepalived-version', '1.2.13'], text);
    expect([a.code, /truncates it to 1 s/.test(a.err)]).toEqual([2, true]);
    const b = await cli(['validate', 'INV', '--keepalived-version', '1.3.5'], text);
    expect([b.code, /rounds it to 2 s/.test(b.err)]).toEqual([2, true]);
  });

  it('garp_master_delay 0: refused on 1.3.5 (made 1 s), accepted on 2.2.7', async () => {
    const text = pair('classic', '      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1, garp_master_delay: 0 }');
    const a = await cli(['validate', 'INV', '--keepalived-version', '1.3.5'], text);
    expect([a.code, /raises it to 1 s/.test(a.err)]).toEqual([2, true]);
    expect((await cli(['validate', 'INV', '--keepalived-version', '2.2.7'], text)).code).toBe(0);
  });

  it('smtp_server with a port or a host name: refused on 1.2.13, accepted on 1.3.5', async () => {
    const port = pair('classic', ONE).replace('smtp_server: 10.9.0.5', 'smtp_server: 10.9.0.5:2525');
    const a = await cli(['validate', 'INV', '--keepalived-version', '1.2.13'], port);
    expect([a.code, /always mails to port 25/.test(a.err)]).toEqual([2, true]);
    const name = pair('classic', ONE).replace('smtp_server: 10.9.0.5', 'smtp_server: mail.example.com');
    const b = await cli(['validate', 'INV', '--keepalived-version', '1.2.13'], name);
    expect([b.code, /IP address only/.test(b.err)]).toEqual([2, true]);
    expect((await cli(['validate', 'INV', '--keepalived-version', '1.3.5'], port)).code).toBe(0);
  });

  it('script_user on 1.2.13: refused (every script would run as root), accepted on 1.3.5', async () => {
    const text = pair('classic', ONE).replace('    failover: classic\n', '    failover: classic\n    script_user: keepalived_script\n');
    const a = await cli(['validate', 'INV', '--keepalived-version', '1.2.13'], text);
    expect([a.code, /runs as root/.test(a.err), /remove script_user/.test(a.err)]).toEqual([2, true, true]);
    expect((await cli(['validate', 'INV', '--keepalived-version', '1.3.5'], text)).code).toBe(0);
  });
});

describe('render always says which keepalived it renders for', () => {
  it('without --keepalived-version: the assumed one, on stdout and as a warning', async () => {
    const r = await cli(['render', 'INV', '--out', 'OUT'], pair('classic', ONE));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/for keepalived 2\.2\.7 \(Debian 12\)/);
    expect(r.err).toMatch(/rendering for keepalived 2\.2\.7/);
  });
  it('with --keepalived-version 1.3.5: that one (CentOS 7)', async () => {
    const r = await cli(['render', 'INV', '--out', 'OUT', '--keepalived-version', '1.3.5'], pair('classic', ONE));
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/for keepalived 1\.3\.5 \(CentOS 7\)/)]);
  });
});

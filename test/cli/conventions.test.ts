// The conventions every haops command keeps: help and exit codes, --json that parses with an `ok`,
// render to stdout, one --limit over hosts, pairs and globs, shell completion, colour only on a
// terminal. Run in-process through main() (or through bin/haops.js where a real TTY matters).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onePair, selectHosts } from '../../src/cli/limit.js';
import { UsageError } from '../../src/core/errors.js';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { haops } from '../fixtures/cli.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const TWO_PAIRS = `hosts:
  web-1: { address: 10.9.0.11 }
  web-2: { address: 10.9.0.12 }
  db-1: { address: 10.9.0.13 }
  db-2: { address: 10.9.0.14 }
pairs:
  web:
    nodes: [web-1, web-2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_W, virtual_router_id: 51, vip: 10.9.0.100/24, master: web-1, authentication: { password_env: CONV_PW } }
    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }
  db:
    nodes: [db-1, db-2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_D, virtual_router_id: 52, vip: 10.9.0.101/24, master: db-1, authentication: { password_env: CONV_PW } }
    nginx: { upstreams: [{ name: be, servers: [10.9.0.22:8080] }] }
`;
const PW = 'S3cr3tPw';

function file(text: string, name = 'inv.yaml'): string {
  const f = join(mkdtempSync(join(tmpdir(), 'haops-conv-')), name);
  writeFileSync(f, text);
  return f;
}
const model = () => buildModel(parseInventory(TWO_PAIRS, 'inv.yaml', { CONV_PW: PW }));

describe('help and exit codes', () => {
  it('bare `haops` prints the help on stdout and exits 0', async () => {
    const r = await haops([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: haops');
    expect(r.err).toBe('');
  });

  it('--help lists the four exit codes', async () => {
    const r = await haops(['--help']);
    expect(r.code).toBe(0);
    const codes = [...r.out.matchAll(/^ {2}([0-3]) {2}\S/gm)].map((m) => m[1]);
    expect(codes).toEqual(['0', '1', '2', '3']);
  });

  it('an unknown flag is bad input: exit 2', async () => {
    expect((await haops(['validate', 'x.yaml', '--no-such-flag'])).code).toBe(2);
  });
});

describe('--json: valid JSON with an ok field', () => {
  it('validate --json on a good inventory: ok true and the counts', async () => {
    const r = await haops(['validate', file(TWO_PAIRS), '--json'], { CONV_PW: PW });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, nodes: 4, pairs: 2, instances: 2 });
  });

  it('validate --json on a bad inventory: ok false, the problem with line and column, exit 2', async () => {
    const r = await haops(['validate', file(TWO_PAIRS.replace('interface: eth0', 'interfce: eth0')), '--json'], { CONV_PW: PW });
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(false);
    expect(j.exitCode).toBe(2);
    const typo = j.problems.find((p: { path: string }) => p.path.includes('interfce'));
    expect(typo).toMatchObject({ line: 9, col: 5 });
  });

  it('plan --json: ok and one entry per VRRP instance', async () => {
    const r = await haops(['plan', file(TWO_PAIRS), '--json'], { CONV_PW: PW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.instances.map((i: { instance: string }) => i.instance)).toEqual(['VI_W', 'VI_D']);
  });

  it('render --json: ok and every file written, with its mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-conv-out-'));
    const r = await haops(['render', file(TWO_PAIRS), '--out', dir, '--json'], { CONV_PW: PW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    const conf = j.files.find((f: { host: string; path: string }) => f.host === 'web-1' && f.path === '/etc/keepalived/keepalived.conf');
    expect(existsSync(conf.file)).toBe(true);
    expect(conf.mode).toMatch(/^0[0-7]{3}$/);
  });
});

describe('render --out -', () => {
  it('prints every file to stdout under a header, with the VRRP password masked', async () => {
    const r = await haops(['render', file(TWO_PAIRS), '--out', '-'], { CONV_PW: PW });
    expect(r.code).toBe(0);
    const headers = [...r.out.matchAll(/^==> ([^:]+):(\S+) \(0[0-7]+\) <==$/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(headers).toContain('web-1:/etc/keepalived/keepalived.conf');
    expect(headers).toContain('db-2:/etc/keepalived/keepalived.conf');
    expect(r.out).not.toContain(PW);
    expect(r.out).toContain('auth_pass ********');
  });

  it('--out DIR still writes the real password (the node needs it), mode 0600 or tighter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-conv-out-'));
    expect((await haops(['render', file(TWO_PAIRS), '--out', dir], { CONV_PW: PW })).code).toBe(0);
    expect(readFileSync(join(dir, 'web-1/etc/keepalived/keepalived.conf'), 'utf8')).toContain(PW);
  });
});

describe('--limit: host names, pair names and globs (one matcher for every command)', () => {
  it('a host name selects that host', () => {
    expect(selectHosts(model(), ['db-2'])).toEqual(['db-2']);
  });
  it('a pair name selects both of its nodes', () => {
    expect(selectHosts(model(), ['web'])).toEqual(['web-1', 'web-2']);
  });
  it('globs and comma lists, in inventory order', () => {
    expect(selectHosts(model(), ['*-2'])).toEqual(['web-2', 'db-2']);
    expect(selectHosts(model(), ['d?', 'web-[1]'])).toEqual(['web-1', 'db-1', 'db-2']);
  });
  it('no --limit is everything', () => {
    expect(selectHosts(model(), undefined)).toBeUndefined();
  });
  it('a pattern that matches nothing is refused, naming the hosts and pairs there are', () => {
    expect(() => selectHosts(model(), ['app-*'])).toThrow(UsageError);
    expect(() => selectHosts(model(), ['app-*'])).toThrow(/matches no host and no pair/);
  });
  it('one-pair commands (drill, soak, switchover): --limit picks the pair, two pairs are refused', () => {
    expect(onePair(model(), undefined, ['db-1']).name).toBe('db');
    expect(() => onePair(model(), undefined, ['*-1'])).toThrow(/selects 2 pairs/);
    expect(() => onePair(model(), 'web', ['db'])).toThrow(/outside --limit/);
    expect(onePair(model(), undefined, undefined).name).toBe('web');
  });

  it.each([
    ['deploy', []],
    ['run', ['playbooks/keepalived-nginx.yaml']],
    ['status', []],
    ['failover-drill', []],
    ['soak', []],
    ['notify-test', []],
    ['switchover', []],
  ])('%s takes --limit; one that matches nothing exits 2 before any connection', async (cmd, pre) => {
    const r = await haops([cmd, ...pre, file(TWO_PAIRS), '--limit', 'nope*'], { CONV_PW: PW });
    expect(r.err).toContain('--limit nope*: matches no host and no pair');
    expect(r.code).toBe(2);
  });
});

describe('haops completion', () => {
  it('bash: completes commands, then the flags of the command typed', async () => {
    const script = (await haops(['completion', 'bash'])).out;
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _haops; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
    expect(complete(['haops', 'dep'])).toEqual(['deploy']);
    expect(complete(['haops', 'deploy', '--li'])).toEqual(['--limit']);
    expect(complete(['haops', 'lab', 'st'])).toEqual(['status']);
    expect(complete(['haops', 'lab', 'status', '--j'])).toEqual(['--json']);
  });

  const have = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

  it.skipIf(!have('fish'))('fish: completes commands and the flags of the command typed', async () => {
    const f = file((await haops(['completion', 'fish'])).out, 'haops.fish');
    const complete = (line: string) =>
      execFileSync('fish', ['-c', `source ${f}; complete -C '${line}'`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(complete('haops dep')).toEqual(['deploy']);
    expect(complete('haops deploy --li')).toEqual(['--limit']);
    expect(complete('haops lab st')).toEqual(['status']);
  });

  it.skipIf(!have('zsh'))('zsh: the script parses and registers _haops for haops (with a fake compdef)', async () => {
    const f = file((await haops(['completion', 'zsh'])).out, 'haops.zsh');
    expect(spawnSync('zsh', ['-n', f]).status).toBe(0);
    // compinit's own compdef, faked: what the script registers, without scanning zsh's fpath.
    const r = execFileSync('zsh', ['-c', `compdef() { print -r -- "$@" }; source ${f}`], { encoding: 'utf8' });
    expect(r.trim()).toBe('_haops haops');
  });

  it('an unknown shell is bad input: exit 2', async () => {
    const r = await haops(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('use one of: bash, zsh, fish');
  });
});

describe('colour: only on a terminal, never with NO_COLOR', () => {
  // A deploy to two closed local ports: listr2 draws the failure, in red where colour is on.
  const inv = webPairYaml({
    head: 'ssh: { user: root }\n',
    hosts: '  a1: { address: 127.0.0.1, port: 1, ip: 10.9.0.11 }\n  a2: { address: 127.0.0.2, port: 1, ip: 10.9.0.12 }\n',
    instanceExtra: 'authentication: { password_env: CONV_PW }',
  });
  const COLOUR = /\x1b\[(?:3[0-7]|9[0-7]|39)m/;
  const run = (tty: boolean, env: Record<string, string | undefined>) => {
    const cmd = `node --import tsx test/cli/run-cli.ts deploy ${file(inv)} --check --connect-timeout 2`;
    const full: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(env)) v === undefined ? delete full[k] : (full[k] = v);
    const r = tty
      ? spawnSync('script', ['-qec', `stty cols 120 rows 40; ${cmd}`, '/dev/null'], { env: full })
      : spawnSync('sh', ['-c', cmd], { env: full });
    return { status: r.status, text: `${r.stdout}${r.stderr}` };
  };
  const haveScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

  it('piped, even with FORCE_COLOR set (which listr2 would obey): no colour codes', () => {
    const r = run(false, { FORCE_COLOR: '1', CONV_PW: PW, NO_COLOR: undefined });
    expect(r.text).toContain('connection refused');
    expect(r.text).not.toMatch(COLOUR);
  }, 60_000);

  it.skipIf(!haveScript)(
    'on a terminal: colour; on a terminal with NO_COLOR: none',
    () => {
      const on = run(true, { CONV_PW: PW, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm', COLUMNS: '120' });
      expect(on.text).toMatch(COLOUR);
      const off = run(true, { CONV_PW: PW, NO_COLOR: '1', TERM: 'xterm', COLUMNS: '120' });
      expect(off.text).toContain('refused');
      expect(off.text).not.toMatch(COLOUR);
    },
    60_000,
  );
});

// Masking that never corrupts: secrets are masked where they are printed (auth_pass by field in a
// diff, whole words in text, strings only in a JSON document), so `--json` always parses, and a
// secret too short to tell from ordinary text is refused (VRRP) or warned about (sudo).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MASK, maskOutput, maskText } from '../../src/core/mask.js';
import { fileDiff } from '../../src/ops/diff.js';
import { closedPairYaml } from '../fixtures/web-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'haops-mask-'));

/** Two nodes on a closed loopback port (nothing answers, nothing leaves the machine). */
const inventory = (sudo: string, vrrp: string) =>
  closedPairYaml({
    ssh: `ssh: { user: root, sudo: { password: ${JSON.stringify(sudo)} } }`,
    instanceExtra: `authentication: { password: ${JSON.stringify(vrrp)} }`,
  });

/** main() writing to the real process.stdout (where the masking sits), captured. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write;
  const e = process.stderr.write;
  process.stdout.write = ((c: string) => out.push(String(c)) > 0) as typeof o;
  process.stderr.write = ((c: string) => err.push(String(c)) > 0) as typeof e;
  try {
    const code = await main(['node', 'haops', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('--json stays JSON while secrets are masked', () => {
  for (const cmd of ['status', 'deploy']) {
    it(`${cmd} --json with a 1-character sudo password "0" parses and holds no mask`, async () => {
      const file = join(dir, `${cmd}.yaml`);
      writeFileSync(file, inventory('0', 'vrrpPw1'));
      const r = await run([cmd, file, '--json', ...(cmd === 'deploy' ? ['--check'] : [])]);
      expect(r.code, r.stderr).toBe(1); // nodes unreachable
      const doc = JSON.parse(r.stdout);
      expect(doc.ok).toBe(false);
      expect(r.stdout).not.toContain('*');
      expect(r.stdout).toMatch(/127\.0\.0\.1/); // zeros intact
      expect(r.stderr).toMatch(/sudo password is 1 character: too short for haops to mask/);
    }, 30_000);
  }

  for (const cmd of ['status', 'deploy']) {
    it(`${cmd} --json with the VRRP password "false" (a JSON keyword) parses: keywords are not text`, async () => {
      const file = join(dir, `${cmd}-false.yaml`);
      writeFileSync(file, inventory('sudoPw12', 'false'));
      const r = await run([cmd, file, '--json', ...(cmd === 'deploy' ? ['--check'] : [])]);
      const doc = JSON.parse(r.stdout);
      expect(doc.ok).toBe(false);
      expect(r.stdout).not.toContain('*');
    }, 30_000);
  }

  it('a JSON document is masked in its strings only: numbers equal to a secret stay numbers', () => {
    const doc = { n: 1234, s: 'pw 1234 and Hunt3r2x!', t: '2026-12-03T01:23:45.123Z', list: [1234, 'x1234y'], k: { Hunt3r2x: 0 } };
    const text = JSON.stringify(doc, null, 2);
    const masked = maskOutput(`${text}\n`, ['1234', 'Hunt3r2x']);
    const back = JSON.parse(masked);
    expect(back.n).toBe(1234);
    expect(back.list).toEqual([1234, 'x1234y']); // a short secret only as a word of its own
    expect(back.s).toBe(`pw ${MASK} and ${MASK}!`);
    expect(back.t).toBe(doc.t);
    expect(Object.keys(back.k)).toEqual([MASK]);
    expect(masked.endsWith('\n')).toBe(true);
  });

  it('free text: a long secret is masked anywhere, a short one as a word, one under 4 characters never', () => {
    expect(maskText('a=Hunt3r2xyz b', ['Hunt3r2x'])).toBe(`a=${MASK}yz b`);
    expect(maskText('pw1x and pw1xy', ['pw1x'])).toBe(`${MASK} and pw1xy`);
    expect(maskText('10.0.0.1 at 00:00', ['0'])).toBe('10.0.0.1 at 00:00');
  });

  it('a diff masks auth_pass by field, whatever its length, and nothing else', () => {
    const live = 'vrrp_instance VI_1 {\n    virtual_router_id 50\n    authentication {\n        auth_pass 0\n    }\n}\n';
    const wanted = live.replace('auth_pass 0', 'auth_pass secret1').replace('id 50', 'id 51');
    const d = fileDiff(
      {
        kind: 'file',
        file: { path: '/etc/keepalived/keepalived.conf', content: wanted, mode: '0600', owner: 'root', group: 'root' },
        before: { exists: true, content: live },
      } as unknown as Parameters<typeof fileDiff>[0],
      ['secret1'],
    );
    expect(d).toContain('-    virtual_router_id 50');
    expect(d).toContain('+    virtual_router_id 51');
    expect(d).toContain(`auth_pass ${MASK}`);
    expect(d).not.toMatch(/auth_pass (0|secret1)/);
  });
});

describe('secrets too short to mask', () => {
  it('a VRRP password under 4 characters is refused with a fix (exit 2)', async () => {
    const file = join(dir, 'short-vrrp.yaml');
    writeFileSync(file, inventory('longenough', '0'));
    const err: string[] = [];
    const code = await main(
      ['node', 'haops', 'validate', file],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/:\d+:\d+: pairs\.web\.instances\[0\]\.authentication\.password: VRRP password is 1 character/);
    expect(err.join('\n')).toMatch(/fix: use 4 to 8/);
  });
  it('a sudo password under 4 characters is said on validate, which still passes', async () => {
    const file = join(dir, 'short-sudo.yaml');
    writeFileSync(file, inventory('abc', 'vrrpPw1'));
    const err: string[] = [];
    const code = await main(
      ['node', 'haops', 'validate', file],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(/warning: .*ssh\.sudo: sudo password is 3 characters/);
  });
});

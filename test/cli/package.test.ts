// The npm package as a user gets it: `npm pack` ships the compiled code, bin, playbooks, README and
// LICENSE and nothing else, and the unpacked package runs from its own dist/ (no tsx, no src/),
// writing files where the user is. Built into a temporary copy, so the checkout's dist/ is never touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; license?: string; scripts: Record<string, string> };
let work: string;
let tarball: string;
let files: string[];

describe('the npm package', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'haops-pkg-'));
    const copy = join(work, 'src-copy');
    mkdirSync(copy);
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'tsconfig.json',
      'tsconfig.build.json',
      'bin',
      'src',
      'playbooks',
      'test',
      'bench',
      'scripts',
    ])
      cpSync(join(ROOT, f), join(copy, f), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: copy });
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: copy, encoding: 'utf8' });
    const r = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, r[0]!.filename);
    files = r[0]!.files.map((f) => f.path).sort();
  }, 120_000);

  it('holds dist/, bin/, playbooks/, README.md, LICENSE and package.json, and nothing else', () => {
    const top = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'playbooks']);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/bundle/haops.mjs');
    expect(files).toContain('bin/haops.js');
    expect(files).toContain('playbooks/keepalived-nginx.yaml');
    expect(files.filter((f) => /\.ts$|^test\/|^bench\/|^\.ci/.test(f))).toEqual([]);
  });

  it('declares an OSI license and builds before packing, not on install', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License/);
    expect(pkg.scripts.prepack).toMatch(/scripts\/build\.mjs/);
    for (const s of ['prepare', 'preinstall', 'install', 'postinstall']) expect(pkg.scripts[s]).toBeUndefined();
  });

  it('unpacked, runs --version and init from its own dist/, writing into the working directory', () => {
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    symlinkSync(join(ROOT, 'node_modules'), join(unpacked, 'package', 'node_modules'));
    const bin = join(unpacked, 'package', 'bin', 'haops.js');
    const v = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect([v.status, v.stdout.trim()]).toEqual([0, pkg.version]);
    const user = mkdtempSync(join(tmpdir(), 'haops-user-'));
    const init = spawnSync(
      process.execPath,
      [bin, 'init', 'my.yaml', '--nodes', '10.0.0.11,10.0.0.12', '--vip', '10.0.0.100/24', '--os', 'centos7'],
      {
        cwd: user,
        encoding: 'utf8',
      },
    );
    expect(init.status).toBe(0);
    expect(existsSync(join(user, 'my.yaml'))).toBe(true);
    expect(existsSync(join(unpacked, 'package', 'my.yaml'))).toBe(false);
    const val = spawnSync(process.execPath, [bin, 'validate', 'my.yaml'], {
      cwd: user,
      encoding: 'utf8',
      env: { ...process.env, HAOPS_VRRP_PASSWORD: 'abc123' },
    });
    expect([val.status, val.stdout.trim()]).toEqual([0, 'my.yaml: ok (2 nodes, 1 pair, 1 VRRP instance)']);
  });
});

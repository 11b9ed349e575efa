import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempPathFor } from '../../src/ops/apply.js';
import { PUT, parsePut, type PutValidation } from '../../src/protocol/put.js';
import { bind } from '../../src/protocol/script.js';

// The put asset run by this machine's real dash and bash, with stub nginx/keepalived on PATH.

const put = (file: string, mode: string, validate: PutValidation) =>
  bind(PUT, { FILE: file, TEMP: tempPathFor(file), MODE: mode, MAKE_DIR: false, VALIDATE: validate, PENDING: [] });
const isRoot = process.getuid?.() === 0;

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'haops-put-'));
  const bin = join(dir, 'bin');
  const conf = join(dir, 'conf.d');
  mkdirSync(bin);
  mkdirSync(conf);
  const stub = (name: string, body: string) => (writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`), chmodSync(join(bin, name), 0o755));
  stub(
    'nginx',
    `for f in ${conf}/*.conf; do if grep -n '^ *invalid' "$f" >/dev/null; then echo "nginx: [emerg] unknown directive \\"invalid\\" in $f:$(grep -n '^ *invalid' "$f" | cut -d: -f1)" >&2; exit 1; fi; done; echo 'nginx: configuration file test is successful' >&2`,
  );
  stub('keepalived', 'kill -TERM $$');
  return { dir, bin, conf, live: join(conf, 'site.conf') };
}

function run(sh: string, script: string, stdin: string, bin: string) {
  const r = spawnSync(sh, ['-c', script], { input: stdin, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return { ...r, parsed: parsePut(r.stdout) };
}

describe.runIf(isRoot).each(['dash', 'bash'])('put script under %s', (sh) => {
  it('replaces the live file atomically and keeps the old one as .haops-bak', () => {
    const s = sandbox();
    writeFileSync(s.live, 'old\n');
    const r = run(sh, put(s.live, '0640', 'nginx'), 'new\n', s.bin);
    expect(r.parsed).toEqual({ done: true, failed: undefined, unvalidated: undefined });
    expect(readFileSync(s.live, 'utf8')).toBe('new\n');
    expect(readFileSync(`${s.live}.haops-bak`, 'utf8')).toBe('old\n');
    expect(execFileSync('stat', ['-c', '%a %U:%G', s.live], { encoding: 'utf8' })).toBe('640 root:root\n');
  });

  it('puts the live file back when nginx -t fails, leaving no temp file', () => {
    const s = sandbox();
    writeFileSync(s.live, 'old\n');
    const r = run(sh, put(s.live, '0644', 'nginx'), 'server {\ninvalid;\n}\n', s.bin);
    expect(r.status).toBe(1);
    expect(r.parsed.failed).toEqual({ step: 'validate', code: 1 });
    expect(r.stderr).toContain(`[emerg] unknown directive "invalid" in ${s.live}:2`);
    expect(readFileSync(s.live, 'utf8')).toBe('old\n');
    expect(readdirSync(s.conf)).toEqual(['site.conf']);
  });

  it('removes a new file that fails nginx -t when there was none before', () => {
    const s = sandbox();
    const r = run(sh, put(s.live, '0644', 'nginx'), 'invalid;\n', s.bin);
    expect(r.parsed.failed?.step).toBe('validate');
    expect(readdirSync(s.conf)).toEqual([]);
  });

  it('makes the directory first when asked', () => {
    const s = sandbox();
    const deep = join(s.dir, 'a/b/site.conf');
    const text = bind(PUT, { FILE: deep, TEMP: tempPathFor(deep), MODE: '0644', MAKE_DIR: true, VALIDATE: '', PENDING: [] });
    expect(run(sh, text, 'x\n', s.bin).parsed).toEqual({ done: true, failed: undefined, unvalidated: undefined });
    expect(readFileSync(deep, 'utf8')).toBe('x\n');
  });

  it('goes on with a warning marker when keepalived -t is terminated (2.2.7, exit 143)', () => {
    const s = sandbox();
    const r = run(sh, put(s.live, '0644', 'keepalived'), 'global_defs {}\n', s.bin);
    expect(r.parsed).toEqual({ done: true, failed: undefined, unvalidated: 143 });
    expect(existsSync(s.live)).toBe(true);
  });
});

// `haops init`: a short, commented inventory that validates as written, never overwritten by accident.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { haops } from '../fixtures/cli.js';

const FLAGS = ['--nodes', '10.0.0.11,10.0.0.12', '--vip', '10.0.0.100/24', '--upstreams', '10.0.0.21:8080,10.0.0.22:8080'];

describe('haops init', () => {
  it('writes one pair that validates as written, the VRRP password as password_env, and says to export it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'haops-init-')), 'my.yaml');
    const r = await haops(['init', file, ...FLAGS, '--os', 'el9']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/export HAOPS_VRRP_PASSWORD=/);
    const inv = parse(readFileSync(file, 'utf8'));
    expect(inv.hosts).toEqual({ node1: { address: '10.0.0.11', os: 'el9' }, node2: { address: '10.0.0.12', os: 'el9' } });
    expect(inv.pairs.web.instances[0].authentication).toEqual({ type: 'PASS', password_env: 'HAOPS_VRRP_PASSWORD' });
    expect(inv.pairs.web.nginx.upstreams[0].servers).toEqual(['10.0.0.21:8080', '10.0.0.22:8080']);
    expect(readFileSync(file, 'utf8').split('\n').length).toBeLessThan(40);
    process.env.HAOPS_VRRP_PASSWORD = 'abc123';
    try {
      expect((await haops(['validate', file])).code).toBe(0);
      expect((await haops(['plan', file])).code).toBe(0);
    } finally {
      delete process.env.HAOPS_VRRP_PASSWORD;
    }
  });

  it('refuses to overwrite an existing file (exit 2) unless --force', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'haops-init-')), 'my.yaml');
    writeFileSync(file, 'mine\n');
    const r = await haops(['init', file, ...FLAGS]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exists.*--force/s);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect((await haops(['init', file, ...FLAGS, '--force'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^# One keepalived \+ nginx pair/);
  });

  it('without a terminal and without --nodes/--vip: exit 2 with the usage', async () => {
    const r = await haops(['init', join(mkdtempSync(join(tmpdir(), 'haops-init-')), 'x.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/usage: haops init FILE --nodes ADDR,ADDR --vip ADDR\/PREFIX/);
  });

  it("a VIP without its prefix, or outside the nodes' LAN, is a usage error and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-init-'));
    const noPrefix = await haops(['init', join(dir, 'a.yaml'), '--nodes', '10.0.0.11,10.0.0.12', '--vip', '10.0.0.100']);
    expect([noPrefix.code, noPrefix.err]).toEqual([2, expect.stringMatching(/--vip 10\.0\.0\.100: expected the VIP with its prefix/)]);
    const outside = await haops(['init', join(dir, 'b.yaml'), '--nodes', '10.0.1.11,10.0.1.12', '--vip', '10.0.0.100/24']);
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/outside pair web's subnet 10\.0\.0\.0\/24/);
    expect(() => readFileSync(join(dir, 'b.yaml'))).toThrow();
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

/** keepalived.conf as a list of "block path > directive values", comments, quotes and layout dropped. */
function directives(text: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/!.*$/, '').replaceAll('"', '').trim();
    if (!line) continue;
    if (line === '}') {
      stack.pop();
      continue;
    }
    const words = line.replace(/\{$/, '').trim().split(/\s+/);
    if (line.endsWith('{')) {
      stack.push(words.join(' '));
      continue;
    }
    out.push(`${stack.join(' > ')} > ${words.join(' ')}`);
  }
  return out.sort();
}

async function renderSeed(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'haops-render-'));
  const saved = process.env.HAOPS_VRRP_PASSWORD;
  delete process.env.HAOPS_VRRP_PASSWORD;
  const code = await main(
    ['node', 'haops', 'render', 'inventory/seed.yaml', '--out', dir],
    () => {},
    () => {},
  );
  if (saved !== undefined) process.env.HAOPS_VRRP_PASSWORD = saved;
  expect(code).toBe(0);
  return dir;
}

describe('rendering the write-up pair (inventory/seed.yaml)', () => {
  it("proxy101's keepalived.conf carries every directive and value of the write-up's, plus only the drain hook and 2.x's script security", async () => {
    const dir = await renderSeed();
    const ours = directives(readFileSync(join(dir, 'proxy101/etc/keepalived/keepalived.conf'), 'utf8'));
    const theirs = directives(readFileSync('test/fixtures/proxy101.keepalived.conf', 'utf8'));
    // Rendered for the assumed 2.2.7: haops drain's hook (track_file) and the script security 2.x
    // wants are the additions.
    const security = ['global_defs > enable_script_security', 'global_defs > script_user root'];
    expect(ours.filter((d) => !d.includes('haops_drain') && !security.includes(d))).toEqual(theirs);
    expect(ours).toEqual(expect.arrayContaining(security));
    expect(ours.filter((d) => d.includes('haops_drain'))).toContain('vrrp_instance YN_API_GATEWAY > track_file > haops_drain');
  });

  it("proxy102's differs from proxy101's exactly where the write-up's comments say", async () => {
    const dir = await renderSeed();
    const a = directives(readFileSync(join(dir, 'proxy101/etc/keepalived/keepalived.conf'), 'utf8'));
    const b = directives(readFileSync(join(dir, 'proxy102/etc/keepalived/keepalived.conf'), 'utf8'));
    const onlyA = a.filter((x) => !b.includes(x));
    const onlyB = b.filter((x) => !a.includes(x));
    expect(onlyA).toEqual([
      'global_defs > router_id proxy101',
      'vrrp_instance YN_API_GATEWAY > priority 200',
      'vrrp_instance YN_API_GATEWAY > state MASTER',
      'vrrp_instance YN_API_GATEWAY > unicast_peer > 192.168.0.102',
      'vrrp_instance YN_API_GATEWAY > unicast_src_ip 192.168.0.101',
    ]);
    expect(onlyB).toEqual([
      'global_defs > router_id proxy102',
      'vrrp_instance YN_API_GATEWAY > priority 199',
      'vrrp_instance YN_API_GATEWAY > state BACKUP',
      'vrrp_instance YN_API_GATEWAY > unicast_peer > 192.168.0.101',
      'vrrp_instance YN_API_GATEWAY > unicast_src_ip 192.168.0.102',
    ]);
  });

  it('writes the nginx site and the notify script for both nodes, byte-identical on a second render', async () => {
    const one = await renderSeed();
    const two = await renderSeed();
    for (const host of ['proxy101', 'proxy102']) {
      for (const f of ['etc/keepalived/keepalived.conf', 'etc/nginx/conf.d/haops.conf', 'usr/local/bin/keepalived_notify.sh']) {
        expect(readFileSync(join(one, host, f))).toEqual(readFileSync(join(two, host, f)));
      }
    }
    const site = readFileSync(join(one, 'proxy101/etc/nginx/conf.d/haops.conf'), 'utf8');
    expect(site).toMatch(/upstream api_backends \{\n\s+server 192\.168\.0\.111:8080/);
    expect(site).toContain('proxy_pass http://api_backends;');
    expect(site).toContain('listen 80;');
    const notify = readFileSync(join(one, 'proxy101/usr/local/bin/keepalived_notify.sh'), 'utf8');
    expect(notify).toContain('LOG=/var/log/keepalived.notify.log');
    expect(notify).toContain('keepalived HA role state transition');
  });
});

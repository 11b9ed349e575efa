// Validation at fleet size, whole process (`haops validate` as a child, Node start-up included):
// an inventory of N hosts (N/2 pairs, one /24 per 100 pairs), and a 64 MB file that must be
// refused before it is read. Prints medians of 5 runs.
//   node --import tsx bench/validate.ts [--hosts 5000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const i = process.argv.indexOf('--hosts');
const HOSTS = i >= 0 ? Number(process.argv[i + 1]) : 5000;

export function fleetInventory(hosts: number): string {
  const lines = ['hosts:'];
  const ip = (k: number) => `10.${Math.floor(k / 200)}.${(k % 200) + 1}`;
  for (let k = 0; k < hosts; k++)
    lines.push(`  h${k}: { address: 10.${Math.floor(k / 200) + 100}.${Math.floor((k % 200) / 100)}.${(k % 100) + 10} }`);
  lines.push('pairs:');
  for (let p = 0; p < hosts / 2; p++) {
    const a = 2 * p;
    const net = `10.${Math.floor(a / 200) + 100}.${Math.floor((a % 200) / 100)}`;
    lines.push(
      `  p${p}:`,
      `    nodes: [h${a}, h${a + 1}]`,
      '    interface: eth0',
      `    subnet: ${net}.0/24`,
      '    instances:',
      `      - { name: VI_${p}, virtual_router_id: ${(p % 50) + 1}, vip: ${net}.${200 + (p % 50)}, master: h${a} }`,
      '    nginx: { upstreams: [{ name: be, servers: [10.250.0.1:8080] }] }',
    );
  }
  void ip;
  return `${lines.join('\n')}\n`;
}

function time(args: string[]): { ms: number; code: number | null; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/haops.js'), ...args], { encoding: 'utf8' });
  return { ms: performance.now() - t0, code: r.status, out: (r.stdout + r.stderr).trim().split('\n').slice(-1)[0] ?? '' };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const dir = mkdtempSync(join(tmpdir(), 'haops-bench-validate-'));
const file = join(dir, 'fleet.yaml');
writeFileSync(file, fleetInventory(HOSTS));
const huge = join(dir, 'huge.yaml');
writeFileSync(huge, '');
truncateSync(huge, 64 * 1024 * 1024);
const version = time(['--version']);
const runs = Array.from({ length: 5 }, () => time(['validate', file]));
const refusals = Array.from({ length: 5 }, () => time(['validate', huge]));
console.log(
  `validate ${HOSTS} hosts (${HOSTS / 2} pairs): median ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s whole process, exit ${runs[0]!.code}: ${runs[0]!.out}`,
);
console.log(
  `validate a 64 MB file: median ${(median(refusals.map((r) => r.ms)) / 1000).toFixed(2)} s, exit ${refusals[0]!.code}: ${refusals[0]!.out}`,
);
console.log(`node start-up alone (haops --version): ${(version.ms / 1000).toFixed(2)} s`);

// A node's paths in a scratch directory, for running drain, bridge and drill scripts with this
// machine's sh: /var/lib/haops, /run and the interface sysctls move under the directory, and
// commands that would touch the network (ip, nft, systemctl...) are stubs that log what they were asked.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeNode {
  dir: string;
  /** Runs a bound script there (its exit status aside); returns its stdout. Stubs find the directory in $HAOPS_FAKE. */
  run(script: string): string;
  /** What the stubs were asked, one line each (`ip addr add 10.0.0.100/32 dev lo`). */
  log(): string[];
  /** A node path's content (`/var/lib/haops/drain`), or null when absent. */
  read(path: string): string | null;
  write(path: string, text: string): void;
  remove(): void;
}

/** `stubs`: command name -> shell body (its arguments in "$@"); each logs its call first. */
export function fakeNode(stubs: Record<string, string> = {}): FakeNode {
  const dir = mkdtempSync(join(tmpdir(), 'haops-node-'));
  const local = (p: string) =>
    p.replaceAll('/var/lib/haops', `${dir}/lib`).replaceAll('/run/', `${dir}/run/`).replaceAll('/proc/sys/net/ipv4/conf/', `${dir}/sys/`);
  for (const d of ['lib', 'run', 'sys/eth0', 'bin']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'sys/eth0/arp_ignore'), '0\n');
  const all = { ip: '', nft: '', ...stubs };
  for (const [name, body] of Object.entries(all)) {
    const f = join(dir, 'bin', name);
    writeFileSync(f, `#!/bin/sh\necho "${name} $*" >> ${dir}/log\n${body}\n`);
    chmodSync(f, 0o755);
  }
  return {
    dir,
    run: (script) =>
      spawnSync('sh', ['-c', local(script)], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, HAOPS_FAKE: dir },
      }).stdout,
    log: () => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []),
    read: (p) => (existsSync(local(p)) ? readFileSync(local(p), 'utf8') : null),
    write: (p, text) => writeFileSync(local(p), text),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

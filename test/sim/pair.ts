// The web pair (test/fixtures/web-pair.ts) on two simulated hosts, written into a directory as a
// deploy reads it: the client key (id), known_hosts with each host's key, and inv.yaml.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type WebPairOptions, webPairYaml } from '../fixtures/web-pair.js';
import { soundKeyPair } from './keys.js';
import type { SimHost } from './server.js';

/** Writes the three files into `dir`; returns inv.yaml's path. a1 is sims[0], a2 sims[1]. */
export function writeSimPair(dir: string, sims: SimHost[], o: Omit<WebPairOptions, 'head' | 'hosts'> = {}): string {
  writeFileSync(join(dir, 'id'), soundKeyPair().private, { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), sims.map((s) => `[127.0.0.1]:${s.port} ${s.hostKey}\n`).join(''));
  const file = join(dir, 'inv.yaml');
  writeFileSync(
    file,
    webPairYaml({
      head: 'ssh: { user: root, identity_file: id, known_hosts: known_hosts }\n',
      hosts: `  a1: { address: 127.0.0.1, port: ${sims[0]!.port}, ip: 10.9.0.11 }\n  a2: { address: 127.0.0.1, port: ${sims[1]!.port}, ip: 10.9.0.12 }\n`,
      ...o,
    }),
  );
  return file;
}

// SSH trust for the lab: one client key pair kept across labs, and a known_hosts file naming
// each node's freshly generated host key by address.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { run } from './exec.js';
import { IDENTITY_FILE, KNOWN_HOSTS, RSA_IDENTITY_FILE, STATE_DIR } from './paths.js';

/** Returns the client public key (ed25519, or the RSA one legacy-ssh nodes take), generating the pair on first use. */
export async function ensureClientKey(type: 'ed25519' | 'rsa' = 'ed25519'): Promise<string> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  const file = type === 'rsa' ? RSA_IDENTITY_FILE : IDENTITY_FILE;
  if (!existsSync(file)) {
    await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', 'haops-lab', '-f', file]);
  }
  return readFile(`${file}.pub`, 'utf8');
}

/** `address type key` lines from each node's host public key (pure). */
export function knownHostsText(hostKeys: { address: string; publicKey: string }[]): string {
  return hostKeys.map(({ address, publicKey }) => `${address} ${publicKey.trim().split(/\s+/).slice(0, 2).join(' ')}\n`).join('');
}

export async function writeKnownHosts(hostKeys: { address: string; publicKey: string }[]): Promise<void> {
  await writeFile(KNOWN_HOSTS, knownHostsText(hostKeys));
}

// Fail-closed host key checking against known_hosts files: a known key passes, an unknown one
// is refused (or recorded with acceptNew), a changed or revoked one is always refused.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HostError } from './host.js';
import {
  checkHostKey,
  fingerprint,
  keyTypeOf,
  knownHostName,
  knownHostsLine,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';
import type { ResolvedHop } from './ssh-config.js';

/** The names a hop's key may be recorded under: its host name and the alias it was asked by. */
export function hopNames(hop: ResolvedHop): string[] {
  return [...new Set([hop.hostname, hop.alias].map((h) => knownHostName(h.toLowerCase(), hop.port)))];
}

/** Every entry of the hop's known hosts files; missing files count as empty. */
export async function loadKnownHosts(hop: ResolvedHop): Promise<KnownHostEntry[]> {
  const files = [...hop.knownHostsFiles, ...hop.globalKnownHostsFiles];
  const texts = await Promise.all(
    files.map((f) =>
      readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return '';
        throw e;
      }),
    ),
  );
  return texts.flatMap((text, i) => parseKnownHosts(text, files[i]));
}

/**
 * Accepts `key` for the hop or throws a HostError naming `host` (the inventory name) with
 * `label` (how this hop is described) and the fingerprints involved.
 */
export async function verifyHostKey(
  hop: ResolvedHop,
  entries: KnownHostEntry[],
  key: Buffer,
  acceptNew: boolean,
  host: string,
  label: string,
): Promise<void> {
  const verdict = checkHostKey(entries, hopNames(hop), key);
  const offered = `${keyTypeOf(key)} ${fingerprint(key)}`;
  const userFile = hop.knownHostsFiles[0];
  const name = hopNames(hop)[0];
  switch (verdict.status) {
    case 'known':
      return;
    case 'revoked':
      throw new HostError(
        host,
        `${label}: host key ${offered} is marked @revoked in ${where(verdict.entry)}`,
        'the server presents a key that was withdrawn: do not connect until it has a new one',
      );
    case 'changed':
      throw new HostError(
        host,
        `${label}: HOST KEY CHANGED: ${where(verdict.entry)} expects ${verdict.entry.keyType} ` +
          `${fingerprint(verdict.entry.key)}, the server offered ${offered}`,
        `if the host was reinstalled, check the new fingerprint and run ssh-keygen -R '${name}' -f ${verdict.entry.file}; ` +
          'otherwise someone may be intercepting the connection',
      );
    case 'other-type': {
      const types = [...new Set(verdict.entries.map((e) => e.keyType))].join(', ');
      throw new HostError(
        host,
        `${label}: the server offered ${offered}, but ${where(verdict.entries[0])} knows this host only by ${types}`,
        `check the new key and add it: ssh-keyscan -p ${hop.port} ${hop.hostname} >> ${userFile}`,
      );
    }
    case 'unknown':
      if (!acceptNew) {
        throw new HostError(
          host,
          `${label}: host key not in ${userFile} (${offered})`,
          `run ssh-keyscan -p ${hop.port} ${hop.hostname} >> ${userFile} after checking the fingerprint, or pass --accept-new`,
        );
      }
      await recordHostKey(userFile, knownHostsLine(name, key));
  }
}

function where(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

async function recordHostKey(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const before = await readFile(file, 'utf8').catch(() => '');
  const sep = before === '' || before.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${sep}${line}\n`, { mode: 0o600 });
}

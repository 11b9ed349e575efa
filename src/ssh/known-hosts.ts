// OpenSSH known_hosts, as pure functions: parse the file, match a host against its patterns
// (plain, wildcard, negated, hashed), judge an offered key, and print fingerprints and lines.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** The public key blob (SSH wire format). */
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** The host is known with a key of the same type, and it is not this one. */
  | { status: 'changed'; entry: KnownHostEntry }
  /** The host is known, but only with keys of other types. */
  | { status: 'other-type'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

/** Parses known_hosts text; lines that are not well-formed entries are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') return;
      marker = name;
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64) return;
    const key = Buffer.from(base64, 'base64');
    if (keyTypeOf(key) !== keyType) return;
    entries.push({ file, line: i + 1, ...(marker && { marker }), hosts, keyType, key });
  });
  return entries;
}

/** The name a host is recorded under: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does the entry's host field cover `name` (as given by knownHostName)? */
export function hostMatches(hosts: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, lower);
  let positive = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globToRegExp(negated ? pattern.slice(1) : pattern).test(lower)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Judges `key` for a host known under any of `names`, as OpenSSH does: revoked beats known beats changed. */
export function checkHostKey(entries: KnownHostEntry[], names: string[], key: Buffer): HostKeyVerdict {
  const type = keyTypeOf(key);
  const mine = entries.filter((e) => e.marker !== 'cert-authority' && names.some((n) => hostMatches(e.hosts, n)));
  const revoked = mine.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = mine.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.key.equals(key));
  if (known) return { status: 'known', entry: known };
  const changed = plain.find((e) => e.keyType === type);
  if (changed) return { status: 'changed', entry: changed };
  if (plain.length > 0) return { status: 'other-type', entries: plain };
  return { status: 'unknown' };
}

/** Key types recorded for a host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: KnownHostEntry[], names: string[]): string[] {
  const types = entries.filter((e) => e.marker === undefined && names.some((n) => hostMatches(e.hosts, n))).map((e) => e.keyType);
  return [...new Set(types)];
}

/** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (its first SSH string), or '' if malformed. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  return len > 0 && 4 + len <= key.length ? key.toString('latin1', 4, 4 + len) : '';
}

/** One known_hosts line recording `key` for `name`. */
export function knownHostsLine(name: string, key: Buffer): string {
  return `${name} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

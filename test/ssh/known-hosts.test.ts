import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostMatches,
  keyTypeOf,
  knownHostName,
  knownHostsLine,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/ssh/known-hosts.js';

/** A fake public key blob: SSH string type, then some bytes. */
function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}
const ED_A = blob('ssh-ed25519', 'aaaa');
const ED_B = blob('ssh-ed25519', 'bbbb');
const RSA = blob('ssh-rsa', 'rrrr');

describe('known_hosts parsing', () => {
  it('reads entries with their line numbers, markers and comments, and skips junk', () => {
    const text = [
      '# comment',
      '',
      `web1,10.0.0.5 ssh-ed25519 ${ED_A.toString('base64')} user@laptop`,
      `@revoked * ssh-rsa ${RSA.toString('base64')}`,
      `@cert-authority *.example.com ssh-rsa ${RSA.toString('base64')}`,
      `@bogus host ssh-rsa ${RSA.toString('base64')}`,
      'only-two fields',
      `mismatch ssh-rsa ${ED_A.toString('base64')}`,
    ].join('\n');
    const entries = parseKnownHosts(text, '/kh');
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, 'web1,10.0.0.5', 'ssh-ed25519'],
      [4, 'revoked', '*', 'ssh-rsa'],
      [5, 'cert-authority', '*.example.com', 'ssh-rsa'],
    ]);
    expect(entries[0].key.equals(ED_A)).toBe(true);
    expect(entries[0].file).toBe('/kh');
  });
});

describe('host pattern matching', () => {
  it('matches comma lists, wildcards and ? case-insensitively', () => {
    expect(hostMatches('a,WEB1', 'web1')).toBe(true);
    expect(hostMatches('*.example.com', 'db.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('10.0.0.?', '10.0.0.7')).toBe(true);
    expect(hostMatches('10.0.0.?', '10.0.0.17')).toBe(false);
  });

  it('lets a negation veto a match, and never match on its own', () => {
    expect(hostMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostMatches('*.example.com,!bad.example.com', 'ok.example.com')).toBe(true);
    expect(hostMatches('!bad', 'good')).toBe(false);
  });

  it('uses [host]:port for non-22 ports, and the port is part of the pattern', () => {
    expect(knownHostName('h', 22)).toBe('h');
    expect(knownHostName('h', 2222)).toBe('[h]:2222');
    expect(hostMatches('[h]:2222', '[h]:2222')).toBe(true);
    expect(hostMatches('h', '[h]:2222')).toBe(false);
    expect(hostMatches('[h]:*', '[h]:2222')).toBe(true);
  });

  it('matches hashed entries (HMAC-SHA1 of the name keyed with the salt)', () => {
    const salt = Buffer.from('0123456789abcdefghij');
    const hash = createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64');
    const field = `|1|${salt.toString('base64')}|${hash}`;
    expect(hostMatches(field, '[10.0.0.5]:2222')).toBe(true);
    expect(hostMatches(field, '10.0.0.5')).toBe(false);
    expect(hostMatches('|1|broken', '10.0.0.5')).toBe(false);
  });
});

describe('judging an offered host key', () => {
  const entries = parseKnownHosts(
    [
      `web1 ssh-ed25519 ${ED_A.toString('base64')}`,
      `old ssh-rsa ${RSA.toString('base64')}`,
      `@revoked * ssh-ed25519 ${ED_B.toString('base64')}`,
      `@cert-authority web2 ssh-ed25519 ${ED_A.toString('base64')}`,
    ].join('\n'),
    '/kh',
  );

  it('knows a recorded key under any of the names', () => {
    expect(checkHostKey(entries, ['10.0.0.5', 'web1'], ED_A)).toMatchObject({ status: 'known', entry: { line: 1 } });
  });

  it('calls a different key of the same type changed, and a revoked one revoked', () => {
    expect(checkHostKey(entries, ['web1'], blob('ssh-ed25519', 'cccc'))).toMatchObject({ status: 'changed', entry: { line: 1 } });
    expect(checkHostKey(entries, ['web1'], ED_B)).toMatchObject({ status: 'revoked', entry: { line: 3 } });
  });

  it('tells a host known only by other key types from an unknown one; cert authorities are ignored', () => {
    expect(checkHostKey(entries, ['old'], ED_A)).toMatchObject({ status: 'other-type' });
    expect(checkHostKey(entries, ['web2'], ED_A)).toEqual({ status: 'unknown' });
    expect(knownKeyTypes(entries, ['old', 'web1'])).toEqual(['ssh-ed25519', 'ssh-rsa']);
  });
});

describe('fingerprints and lines', () => {
  it('prints SHA256 fingerprints as OpenSSH does (unpadded base64)', () => {
    // as printed by `ssh-keygen -lf` for this public key
    const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');
    expect(fingerprint(key)).toBe('SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU');
  });

  it('reads the key type from the blob and writes a plain line', () => {
    expect(keyTypeOf(RSA)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('');
    expect(knownHostsLine('[h]:2222', RSA)).toBe(`[h]:2222 ssh-rsa ${RSA.toString('base64')}`);
  });
});

// IPv6 arithmetic, once for the whole tool: Node's own parser (net.isIPv6) for what is an
// address, 128-bit numbers for networks, and the canonical compressed form (RFC 5952, what
// `ip -6 addr` prints) for every comparison. Pure.
import { isIPv6 } from 'node:net';

/** Which family an address (with or without /prefix) belongs to; undefined: neither. */
export type Family = 4 | 6;

export interface Network6 {
  /** First address of the network. */
  base: bigint;
  prefix: number;
}

/** An IPv6 address without zone or prefix, in any form Node's parser takes (no IPv4-embedded tail). */
export function isIpv6(text: string): boolean {
  return isIPv6(text) && !text.includes('%') && !text.includes('.');
}

/** `ADDR` or `ADDR/P` with P 0..128. */
export function isIpv6MaybePrefix(text: string): boolean {
  const [addr, prefix, ...rest] = text.split('/');
  if (rest.length || !isIpv6(addr!)) return false;
  return prefix === undefined || /^(?:12[0-8]|1[01]\d|[1-9]?\d)$/.test(prefix);
}

/** `ADDR/P` with P 0..128. */
export function isCidr6(text: string): boolean {
  return text.includes('/') && isIpv6MaybePrefix(text);
}

/** The address as a 128-bit number; the caller has checked the form. */
export function ip6ToBigint(ip: string): bigint {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as `::` (the first on a tie). */
export function bigintToIp6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** The canonical form of an IPv6 address (prefix kept when given), for comparisons and output. */
export function canonical6(text: string): string {
  const [addr, prefix] = text.split('/');
  const c = bigintToIp6(ip6ToBigint(addr!));
  return prefix === undefined ? c : `${c}/${prefix}`;
}

const mask6 = (prefix: number): bigint => (prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n));

export function parseNetwork6(cidr: string): Network6 {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  return { base: ip6ToBigint(ip!) & mask6(prefix), prefix };
}

export function contains6(net: Network6, ip: bigint): boolean {
  return (ip & mask6(net.prefix)) === net.base;
}

export function inSubnet6(ip: string, cidr: string): boolean {
  return contains6(parseNetwork6(cidr), ip6ToBigint(ip.split('/')[0]!));
}

export function networksOverlap6(a: Network6, b: Network6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

/** The family of an address as written (with or without a prefix). */
export function familyOf(text: string | undefined): Family {
  return (text ?? '').split('/')[0]!.includes(':') ? 6 : 4;
}

/** An address as a URL's host (and curl's, ssh's): IPv6 in brackets (RFC 3986), names and IPv4 as they are. */
export function urlHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The address part of `ADDR[/P]`, IPv6 in canonical form (so it compares with what `ip` prints). */
export function plainAddress(text: string): string {
  const addr = text.split('/')[0]!;
  return familyOf(addr) === 6 && isIpv6(addr) ? canonical6(addr) : addr;
}

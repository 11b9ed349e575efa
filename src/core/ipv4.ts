// IPv4 arithmetic, once for the whole tool: strict parsing (the dotted-quad form a node's
// inet_pton accepts, so no leading zeros), numbers, networks and their edges. Pure.

/** One octet as inet_pton reads it: 0..255, no leading zero. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
export const IPV4_PATTERN = `${OCTET}(?:\\.${OCTET}){3}`;
const PREFIX = '(?:3[0-2]|[12]\\d|\\d)';
export const IPV4_RE = new RegExp(`^${IPV4_PATTERN}$`);
export const CIDR_RE = new RegExp(`^${IPV4_PATTERN}/${PREFIX}$`);
export const IPV4_MAYBE_PREFIX_RE = new RegExp(`^${IPV4_PATTERN}(?:/${PREFIX})?$`);

export interface Network {
  /** First address of the network, as a number. */
  base: number;
  prefix: number;
}

export function isIpv4(text: string): boolean {
  return IPV4_RE.test(text);
}

/** The address as an unsigned 32-bit number; the caller has checked the form. */
export function ipToNumber(ip: string): number {
  let n = 0;
  for (const o of ip.split('.')) n = n * 256 + Number(o);
  return n >>> 0;
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The address part of `A.B.C.D[/P]`. */
export function addressOf(text: string): string {
  return text.split('/')[0]!;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function parseNetwork(cidr: string): Network {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  return { base: (ipToNumber(ip!) & maskOf(prefix)) >>> 0, prefix };
}

export function networkSize(net: Network): number {
  return 2 ** (32 - net.prefix);
}

export function contains(net: Network, ip: number): boolean {
  return (ip & maskOf(net.prefix)) >>> 0 === net.base;
}

export function inSubnet(ip: string, cidr: string): boolean {
  return contains(parseNetwork(cidr), ipToNumber(ip));
}

export function networksOverlap(a: Network, b: Network): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

export function subnetsOverlap(a: string, b: string): boolean {
  return networksOverlap(parseNetwork(a), parseNetwork(b));
}

/**
 * The network and broadcast addresses of a subnet, which no host may take. /31 and /32 have
 * neither (RFC 3021).
 */
export function isNetworkOrBroadcast(ip: string, cidr: string): 'network' | 'broadcast' | undefined {
  const net = parseNetwork(cidr);
  if (net.prefix >= 31) return undefined;
  const n = ipToNumber(ip);
  if (n === net.base) return 'network';
  if (n === net.base + networkSize(net) - 1) return 'broadcast';
  return undefined;
}

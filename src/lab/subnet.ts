// IPv4 arithmetic for the lab subnet (pure): parse a CIDR, place the lab's addresses in it,
// and find host routes or addresses that overlap it.
import { contains6, isCidr6, networksOverlap6, parseNetwork6 } from '../core/ipv6.js';
import { LabError } from './errors.js';

export interface Cidr {
  base: number;
  prefix: number;
}

/**
 * Offsets of the lab's members from the subnet's first address. The first ten nodes keep .11-.20
 * and the first VIPs .100/.101 (older inventories and notes name them); more nodes go to .151-.180,
 * more VIPs to .105-.122.
 */
export const OFFSET = {
  host: 1,
  firstNode: 11,
  moreNodes: 151,
  backends: [21, 22],
  vips: [100, 101],
  moreVips: 105,
  activeActiveVip: 104,
  /** The first pair's instance carries a second address (vips:), moved with its first. */
  secondVip: 102,
} as const;
export const MAX_NODES = 40;

export const nodeOffset = (i: number) => (i < 10 ? OFFSET.firstNode + i : OFFSET.moreNodes + i - 10);
export const pairVipOffset = (k: number) => (k < 2 ? OFFSET.vips[k]! : OFFSET.moreVips + k - 2);

export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix > 32) {
    throw new LabError(`"${text}" is not an IPv4 CIDR such as 198.18.0.0/24`);
  }
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base: addr - (addr % 2 ** (32 - prefix)), prefix };
}

export function labSubnet(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr.prefix < 8 || cidr.prefix > 24) {
    throw new LabError(`lab subnet ${text} must have a prefix between /8 and /24 (the lab uses offsets .1 to .180)`);
  }
  return cidr;
}

export function formatCidr(c: Cidr): string {
  return `${ipAt(c, 0)}/${c.prefix}`;
}

export function ipAt(c: Cidr, offset: number): string {
  const n = c.base + offset;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const size = (c: Cidr) => 2 ** (32 - c.prefix);
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat']);

/**
 * The first line of `ip route` / `ip -o addr` output whose prefix (per `overlapsLab`: the family's
 * own parse and overlap test; false for what it cannot read) overlaps the lab, ignoring default
 * routes and the lab's own host link. `inet`: the address keyword of that family's `ip addr`.
 */
function firstClash(
  routeLines: string[],
  addrLines: string[],
  ownLink: string,
  inet: 'inet' | 'inet6',
  overlapsLab: (prefix: string) => boolean,
): string | undefined {
  const own = (line: string) => new RegExp(`\\b(dev )?${ownLink}\\b`).test(line);
  const fromRoute = (line: string) =>
    line
      .trim()
      .split(/\s+/)
      .find((t) => !ROUTE_TYPES.has(t));
  const fromAddr = (line: string) => new RegExp(`\\b${inet} (\\S+)`).exec(line)?.[1];
  const candidates = [
    ...routeLines.map((l) => ({ line: l, prefix: fromRoute(l) })),
    ...addrLines.map((l) => ({ line: l, prefix: fromAddr(l) })),
  ];
  return candidates
    .find(({ line, prefix }) => prefix !== undefined && prefix !== 'default' && !own(line) && overlapsLab(prefix))
    ?.line.trim()
    .replace(/\s+/g, ' ');
}

/** The first `ip -4 route` / `ip -4 -o addr` line whose prefix overlaps `lab` (default routes and the lab's own link ignored). */
export function findClash(lab: Cidr, routeLines: string[], addrLines: string[], ownLink: string): string | undefined {
  return firstClash(routeLines, addrLines, ownLink, 'inet', (prefix) =>
    overlaps(lab, parseCidr(prefix.includes('/') ? prefix : `${prefix}/32`)),
  );
}

/**
 * The lab's IPv6 segment: a /64 of the benchmarking prefix 2001:2::/48 (RFC 5180, the IPv6 twin
 * of 198.18.0.0/15), one per lab id: 2001:2:0:N::/64.
 */
export function labSubnet6(labId: string): string {
  // Canonical form (2001:2::/64 for the default lab): what `ip -6 addr` and keepalived print.
  return labId ? `2001:2:0:${labId}::/64` : '2001:2::/64';
}

/**
 * A member's IPv6 address: the IPv4 offset's digits as the last group (node1 .11 is ::11, the VIP
 * .100 is ::100), so the two families read alike. Offsets stay below 1000: four hex digits at most.
 */
export function ip6At(subnet6: string, offset: number): string {
  return `${subnet6.split('/')[0]}${offset}`;
}

/** The first `ip -6 route` / `ip -6 -o addr` line whose prefix overlaps `lab` (default routes and the lab's own link ignored). */
export function findClash6(lab: string, routeLines: string[], addrLines: string[], ownLink: string): string | undefined {
  const net = parseNetwork6(lab);
  return firstClash(routeLines, addrLines, ownLink, 'inet6', (prefix) => {
    const cidr = prefix.includes('/') ? prefix : `${prefix}/128`;
    if (!isCidr6(cidr)) return false;
    const other = parseNetwork6(cidr);
    return networksOverlap6(net, other) || contains6(other, net.base);
  });
}

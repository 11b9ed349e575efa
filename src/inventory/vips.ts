// The addresses of one VRRP instance, however the inventory wrote them (`vip:` or `vips:`), in
// order: the first is the instance's primary VIP. Named for the address, not its family. Pure.
import { familyOf, plainAddress } from '../core/ipv6.js';
import type { PathKey } from './errors.js';
import type { InstanceSpec } from './schema.js';

export interface InstanceVip {
  /** The address alone, as nodes list it (`ip addr`). */
  address: string;
  /** The prefix length; when the inventory wrote none, the host prefix keepalived takes (32; IPv6 128). */
  prefix: number;
  /** Whether the inventory wrote the prefix. */
  prefixWritten: boolean;
  /** As the inventory wrote it (`addr` or `addr/prefix`): what keepalived.conf carries. */
  written: string;
  /** The interface keepalived puts it on when not the pair's (`vips: - { address, dev }`). */
  dev?: string;
  /** Where it sits in the inventory, below the instance: ['vip'] or ['vips', k] (['vips', k, 'address']). */
  field: PathKey[];
}

/** keepalived's prefix for an address written without one: the host route. */
export const HOST_PREFIX = 32;

export function instanceVips(inst: Pick<InstanceSpec, 'vip' | 'vips'>): InstanceVip[] {
  const one = (written: string, field: PathKey[], dev?: string): InstanceVip => {
    const slash = written.indexOf('/');
    return {
      // IPv6 in canonical form, so two spellings of one address compare equal.
      address: plainAddress(written),
      prefix: slash < 0 ? (familyOf(written) === 6 ? 128 : HOST_PREFIX) : Number(written.slice(slash + 1)),
      prefixWritten: slash >= 0,
      written,
      ...(dev !== undefined ? { dev } : {}),
      field,
    };
  };
  if (inst.vips) return inst.vips.map((v, k) => one(v.address, ['vips', k, ...(v.dev !== undefined ? ['address'] : [])], v.dev));
  return inst.vip !== undefined ? [one(inst.vip, ['vip'])] : [];
}

/** The instance's primary VIP (its first address): what probes, reports and tests ask through. */
export function primaryVip(inst: Pick<InstanceSpec, 'vip' | 'vips'>): string {
  return instanceVips(inst)[0]?.address ?? '';
}

/** The address families an instance's VIPs belong to. */
export function familiesOf(inst: Pick<InstanceSpec, 'vip' | 'vips'>): Set<4 | 6> {
  return new Set(instanceVips(inst).map((v) => familyOf(v.address)));
}

/**
 * keepalived runs one address family per VRRP instance: an instance whose vips: hold both is two,
 * the IPv4 one as written and NAME_V6 with its IPv6 addresses (same router id, master and
 * priorities; VRRPv3, so no authentication). The user writes the instance once.
 */
export function instancesByFamily(inst: InstanceSpec): InstanceSpec[] {
  if (!inst.vips || familiesOf(inst).size < 2) return [inst];
  const v4 = inst.vips.filter((v) => familyOf(v.address) === 4);
  const v6 = inst.vips.filter((v) => familyOf(v.address) === 6);
  const { authentication: _auth, ...rest } = inst;
  return [
    { ...inst, vips: v4 },
    { ...rest, name: v6InstanceName(inst.name), vips: v6 },
  ];
}

/** The name of the IPv6 instance derived from an instance with VIPs of both families. */
export const v6InstanceName = (name: string) => `${name}_V6`;

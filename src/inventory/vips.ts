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

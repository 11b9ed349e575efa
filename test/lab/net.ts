// Addresses and names of the lab the tests run on: HAOPS_LAB_ID=N moves it to 198.18.N.0/24
// and its own namespaces and state directory (src/lab/paths.ts).
import { IDENTITY_FILE, KNOWN_HOSTS, LAB_ID, netnsOf } from '../../src/lab/paths.js';

/**
 * The inventory of the lab the tests run on: inventory/lab.yaml, or the one a file that booted
 * its own lab on a spare id wrote (test/lab/spare.ts).
 */
export const LAB = process.env.HAOPS_LAB_INVENTORY || 'inventory/lab.yaml';
/** The first three octets of the lab subnet, e.g. 198.18.0. */
export const NET = `198.18.${LAB_ID || '0'}`;
export const KEY = IDENTITY_FILE;
export const KNOWN = KNOWN_HOSTS;
/** The network namespace of a lab node, e.g. haops-node2. */
export const netns = netnsOf;
/** A literal address pattern for a RegExp, e.g. 198\.18\.0\.100. */
export const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** An instance's first VIP without its prefix, whether the inventory writes `vip:` or `vips:`. */
export function firstVip(instance: { vip?: string; vips?: (string | { address: string })[] }): string {
  const v = instance.vip ?? instance.vips?.[0];
  return (typeof v === 'string' ? v : (v?.address ?? '')).split('/')[0]!;
}

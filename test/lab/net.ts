// Addresses and names of the lab the tests run on: HAOPS_LAB_ID=N moves it to 198.18.N.0/24
// and its own namespaces and state directory (src/lab/paths.ts).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
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

/**
 * The inventory without its IPv6 part (each host's ip6, each pair's subnet6 and IPv6 instances),
 * in a temp file, its other lines as written: for files that test the IPv4 shapes (fleet,
 * firewalld, probe host) and name every VIP they expect. The file itself when it has none.
 */
export function ipv4Only(file: string): string {
  if (!existsSync(file)) return file;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  let changed = false;
  const hosts = doc.get('hosts');
  if (isMap(hosts)) for (const h of hosts.items) if (isMap(h.value) && h.value.has('ip6')) changed = h.value.delete('ip6') || changed;
  const pairs = doc.get('pairs');
  if (isMap(pairs))
    for (const p of pairs.items) {
      if (!isMap(p.value)) continue;
      if (p.value.has('subnet6')) changed = p.value.delete('subnet6') || changed;
      const instances = p.value.get('instances');
      if (!isSeq(instances)) continue;
      const kept = instances.items.filter((i) => !(isMap(i) && String(i.get('vip') ?? '').includes(':')));
      if (kept.length !== instances.items.length) {
        instances.items = kept;
        changed = true;
      }
    }
  if (!changed) return file;
  const out = join(mkdtempSync(join(tmpdir(), 'haops-v4-')), basename(file));
  writeFileSync(out, doc.toString({ flowCollectionPadding: false, lineWidth: 0 }));
  return out;
}

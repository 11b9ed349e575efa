#!/usr/bin/env node
// Prints the first IPv4 VIP of the lab's first pair, then its IPv6 VIP if it has one, one per
// line, from an inventory the lab wrote (default inventory/lab.yaml): what scripts/demo.sh curls.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const inv = parse(readFileSync(process.argv[2] ?? 'inventory/lab.yaml', 'utf8'));
const pair = Object.values(inv.pairs ?? {})[0] ?? { instances: [] };
const addresses = pair.instances
  .flatMap((i) => i.vips ?? [i.vip])
  .map((v) => String(typeof v === 'object' && v !== null ? v.address : v).split('/')[0]);
for (const family of [(a) => !a.includes(':'), (a) => a.includes(':')]) {
  const found = addresses.find(family);
  if (found) console.log(found);
}

// The keys each mapping of the inventory accepts, for "did you mean". Read from the schema's
// public `shape` once, by path pattern (record keys and list indexes as *): no walking of zod's
// private definitions, so a zod upgrade cannot silently break it.
import type { PathKey } from './errors.js';
import {
  authSchema,
  checkSchema,
  hostSchema,
  instanceSchema,
  inventorySchema,
  nginxSchema,
  notifySchema,
  pairSchema,
  probeSchema,
  siteSchema,
  secretSource,
  sshDefaults,
  tlsSchema,
  upstreamSchema,
  urlSource,
} from './schema.js';

const keys = (shape: object) => Object.keys(shape);

const BY_PATTERN: Record<string, string[]> = {
  '': keys(inventorySchema.shape),
  ssh: keys(sshDefaults.shape),
  'ssh.sudo': keys(secretSource.shape),
  'hosts.*': keys(hostSchema.shape),
  'hosts.*.sudo': keys(secretSource.shape),
  'pairs.*': keys(pairSchema.shape),
  'pairs.*.instances.*': keys(instanceSchema.shape),
  'pairs.*.instances.*.authentication': keys(authSchema.shape),
  'pairs.*.instances.*.vips.*': ['address', 'dev'],
  'pairs.*.check': keys(checkSchema.shape),
  'pairs.*.notify': keys(notifySchema.shape),
  'pairs.*.notify.email': keys(notifySchema.shape.email.unwrap().shape),
  'pairs.*.notify.sms': keys(notifySchema.shape.sms.unwrap().shape),
  'pairs.*.notify.webhooks.*': keys(urlSource.innerType().shape),
  el_archive: ['centos', 'epel'],
  'el_archive.centos': keys(urlSource.innerType().shape),
  'el_archive.epel': keys(urlSource.innerType().shape),
  'pairs.*.nginx': keys(nginxSchema.shape),
  'pairs.*.nginx.upstreams.*': keys(upstreamSchema.shape),
  'pairs.*.nginx.tls': keys(tlsSchema.innerType().shape),
  'pairs.*.nginx.sites.*': keys(siteSchema.shape),
  'pairs.*.nginx.sites.*.tls': keys(tlsSchema.innerType().shape),
  probe: keys(probeSchema.shape),
  'pairs.*.probe': keys(probeSchema.shape),
};

/** Record keys (host and pair names) and list indexes become `*`. */
function pattern(path: readonly PathKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' || ((path[i - 1] === 'hosts' || path[i - 1] === 'pairs') && i === 1) ? '*' : p))
    .join('.');
}

export function allowedKeys(path: readonly PathKey[]): string[] {
  return BY_PATTERN[pattern(path)] ?? [];
}

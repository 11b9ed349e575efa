// A pair's nginx sites, one shape for both ways of writing them: `nginx.sites:` (several server
// blocks), or without it the top-level fields as the one site. Pure; everything downstream
// (secrets, render, probes, status) reads sites from here, never the raw fields.
import { closest } from 'fastest-levenshtein';
import { type InventoryIssue, issueAt, type Locator, type PathKey } from './errors.js';
import { SITE_FIELDS, type PairSpec, type TlsSpec } from './schema.js';

export interface Site {
  /** The site's name (`sites[].name`); a pair without sites: its own name. */
  name: string;
  /** Written without `sites:`: the top-level fields are this one site (rendered as before). */
  implicit: boolean;
  /** server_name as nginx reads it: without sites `_` or a name (or wildcard); with sites, real names. */
  serverNames: string[];
  /** The nginx.upstreams entry it proxies to (the first one without sites). */
  upstream: string;
  healthPath: string;
  healthStatus: number | string;
  extra: string[];
  tls?: TlsSpec;
  /** Answers hosts no other site names; the drill and switchover probe it. */
  isDefault: boolean;
  /** Where the site is written: pairs.P.nginx or pairs.P.nginx.sites[i]. */
  at: PathKey[];
  /**
   * The site's TLS key in `secrets.tls` and its files' name on the node: the pair's name without
   * sites (/etc/nginx/haops/tls/<pair>.crt, as before), `<pair>/<site>` with them.
   */
  tlsKey: string;
}

type Nginx = PairSpec['nginx'];

/** Every site of the pair, the default one marked (the one `default: true`, else the first). */
export function sitesOf(pairName: string, nginx: Nginx): Site[] {
  if (!nginx.sites?.length)
    return [
      {
        name: pairName,
        implicit: true,
        serverNames: [nginx.server_name],
        upstream: nginx.upstreams[0]!.name,
        healthPath: nginx.health_path,
        healthStatus: nginx.health_status,
        extra: nginx.extra,
        ...(nginx.tls ? { tls: nginx.tls } : {}),
        isDefault: true,
        at: ['pairs', pairName, 'nginx'],
        tlsKey: pairName,
      },
    ];
  const marked = nginx.sites.findIndex((s) => s.default);
  const def = Math.max(marked, 0);
  return nginx.sites.map((s, i) => ({
    name: s.name,
    implicit: false,
    serverNames: s.server_name,
    upstream: s.upstream,
    healthPath: s.health_path,
    healthStatus: s.health_status,
    extra: s.extra,
    ...(s.tls ? { tls: s.tls } : {}),
    isDefault: i === def,
    at: ['pairs', pairName, 'nginx', 'sites', i],
    tlsKey: `${pairName}/${s.name}`,
  }));
}

export const defaultSite = (sites: readonly Site[]): Site => sites.find((s) => s.isDefault) ?? sites[0]!;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * With `sites:`, a site's field written at the top of nginx: would be ignored or mean two things
 * (whose server_name?): refused, on the raw YAML, since the schema fills in defaults.
 */
export function topLevelSiteFields(raw: unknown, locate: Locator): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  if (!isRecord(raw) || !isRecord(raw.pairs)) return issues;
  for (const [pname, pair] of Object.entries(raw.pairs)) {
    if (!isRecord(pair) || !isRecord(pair.nginx) || pair.nginx.sites === undefined) continue;
    for (const f of SITE_FIELDS)
      if (Object.hasOwn(pair.nginx, f))
        issues.push(
          issueAt(
            locate,
            ['pairs', pname, 'nginx', f],
            `${f} is a site's field, and this pair lists its sites under nginx.sites`,
            `move it into a site (nginx.sites[].${f}); only listen and upstreams stay at the top of nginx:`,
            true,
          ),
        );
  }
  return issues;
}

/**
 * What the schema cannot see one value at a time: site names and host names each unique, every
 * `upstream` an upstream of the pair, at most one default.
 */
export function checkSites(pname: string, nginx: Nginx, add: (path: PathKey[], message: string, fix?: string) => void): void {
  if (!nginx.sites) return;
  const base: PathKey[] = ['pairs', pname, 'nginx', 'sites'];
  const names = new Map<string, number>();
  const hosts = new Map<string, string>();
  const upstreams = nginx.upstreams.map((u) => u.name);
  let firstDefault: string | undefined;
  nginx.sites.forEach((s, i) => {
    const before = names.get(s.name);
    if (before !== undefined)
      add([...base, i, 'name'], `site ${s.name} is listed twice (sites[${before}])`, 'give every site its own name');
    else names.set(s.name, i);
    s.server_name.forEach((h, j) => {
      const key = h.toLowerCase();
      const owner = hosts.get(key);
      const at: PathKey[] = [...base, i, 'server_name', ...(nginx.sites![i]!.server_name.length > 1 ? [j] : [])];
      if (owner !== undefined)
        add(
          at,
          `host name ${h} is already ${owner}'s: nginx would send all its requests to one of them`,
          'name each host in one site only',
        );
      else hosts.set(key, `site ${s.name}`);
    });
    if (!upstreams.includes(s.upstream))
      add(
        [...base, i, 'upstream'],
        `site ${s.name} proxies to upstream ${s.upstream}, which nginx.upstreams does not define`,
        `did you mean ${closest(s.upstream, upstreams)}? (upstreams: ${upstreams.join(', ')})`,
      );
    if (s.default) {
      if (firstDefault !== undefined)
        add(
          [...base, i, 'default'],
          `sites ${firstDefault} and ${s.name} both say default: true; one site answers the hosts no site names`,
          'keep default: true on one site only (none: the first site is the default)',
        );
      else firstDefault = s.name;
    }
  });
}

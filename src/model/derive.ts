// From one pair description to each node's VRRP settings: state, priority, router_id,
// unicast_src_ip and unicast_peer are computed here, never typed twice. Pure: secrets arrive
// resolved with the loaded inventory; nothing here reads the environment or a file.
import { type Family, familyOf, plainAddress } from '../core/ipv6.js';
import { hostIp, hostIp6, own, probeFromOf } from '../inventory/cross-checks.js';
import { instancesByFamily, instanceVips } from '../inventory/vips.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { ResolvedTls } from '../inventory/secrets.js';
import { defaultSite, type Site, sitesOf } from '../inventory/sites.js';
import type { CheckSpec, HostSpec, InstanceSpec, NotifyInput, NotifySpec, PairSpec } from '../inventory/schema.js';
import { derivePriorities, type InstanceMath } from './failover.js';
import { type FailoverWanted, resolveFailover, trackWeight } from './profile.js';

export { hostIp } from '../inventory/cross-checks.js';

/** One address of an instance. */
export interface Vip {
  address: string;
  /** As written, else the host prefix (32) keepalived takes. */
  prefix: number;
  /** Set only when the inventory names an interface for it (keepalived's `dev`). */
  dev?: string;
  /** As the inventory wrote it (addr or addr/prefix): what keepalived.conf carries, unchanged. */
  written: string;
}

/** The instance's addresses as the model carries them. */
export function vipsOf(spec: InstanceSpec): Vip[] {
  return instanceVips(spec).map((v) => ({
    address: v.address,
    prefix: v.prefix,
    ...(v.dev !== undefined ? { dev: v.dev } : {}),
    written: v.written,
  }));
}

export interface NodeInstance {
  name: string;
  /** The VIP's address family: an IPv6 instance is VRRPv3 between the nodes' ip6 addresses. */
  family: Family;
  state: 'MASTER' | 'BACKUP';
  priority: number;
  virtualRouterId: number;
  interface: string;
  srcIp: string;
  peerIp: string;
  /** The primary VIP as the inventory wrote it (addr or addr/prefix): the first of vips. */
  vip: string;
  /** Every address of the instance, in order; they move together. */
  vips: Vip[];
  /** The instance's own advert_int; unset: the pair's profile decides (fitted at render). */
  advertInt?: number;
  nopreempt: boolean;
  garpMasterDelay?: number;
  auth?: { type: 'PASS' | 'AH'; password: string };
}

export interface NodeModel {
  host: string;
  pair: string;
  routerId: string;
  ip: string;
  /** The node's IPv6 address on the LAN (ip6), canonical; set when the inventory gives it. */
  ip6?: string;
  peer: string;
  instances: NodeInstance[];
  check: CheckSpec;
  failover: FailoverWanted;
  notify: NotifySpec;
  nginx: PairSpec['nginx'];
  /** nginx.tls with its chain and key as read at load (the key is in the model's secrets); a pair without sites: only. */
  tls?: ResolvedTls;
  /** The pair's sites (one, from the top-level fields, without nginx.sites), each with its TLS as read at load. */
  sites: SiteModel[];
  scriptUser?: string;
}

export interface PairInstance {
  /** The instance as written; for one with VIPs of both families, each family's half (NAME, NAME_V6). */
  spec: InstanceSpec;
  /** Its place in the inventory's instances list (where its authentication secret is). */
  index: number;
  family: Family;
  /** The primary VIP's address (the first of vips): what probes and reports ask through. */
  vip: string;
  /** Every address of the instance, in order: its holder holds them all. */
  vips: Vip[];
  master: string;
  backup: string;
  priorities: Record<string, number>;
  math: InstanceMath;
}

/** How probes from this machine reach a TLS site (src/runner/client-target.ts). */
export interface ProbeTls {
  /** The TLS port (nginx.tls.listen). */
  port: number;
  /** SNI and Host: tls.server_name, else the certificate's first DNS name. */
  servername: string;
  /** PEM of tls.ca_file: the only CAs the probe trusts; undefined: Node's own. */
  ca?: string;
}

/** What a client's request through the VIP must get: path, port and the statuses that count as healthy. */
export interface HealthModel {
  /** The site asked (nginx.sites[].name); absent for a pair without sites. */
  site?: string;
  /** The Host header a plain-HTTP probe sends (the site's first name); absent: the VIP, as before sites. */
  host?: string;
  path: string;
  port: number;
  min: number;
  max: number;
  /** A pair with nginx.tls: probes from this machine speak HTTPS to the site (src/runner/client-target.ts). */
  tls?: ProbeTls;
}

/** One upstream server as nginx on each node reaches it: what the per-node upstream check asks. */
export interface UpstreamServer {
  upstream: string;
  server: string;
  host: string;
  port: number;
}

export interface PairModel {
  name: string;
  nodes: [string, string];
  spec: PairSpec;
  failover: FailoverWanted;
  instances: PairInstance[];
  /** The default site's: what the drill and the switchover probe (unless --site). */
  health: HealthModel;
  /** Every site's, in the inventory's order (one, equal to health, for a pair without sites). */
  sites: HealthModel[];
  /** The sites themselves, each with its TLS as read at load (status reads each site's certificate). */
  nginxSites: SiteModel[];
  /** Every upstream server of the pair's nginx, each once per upstream. */
  upstreams: UpstreamServer[];
  /** Where the user's path through the VIPs is asked from: this machine, a probe host, or nowhere. */
  probeFrom: ProbeFrom;
  /** nginx.tls's chain and key as read at load: status compares the nodes' certificate with it. */
  tls?: ResolvedTls;
}

/** `local`: this machine; `none`: only the nodes' own answer; else an inventory host or SSH destination. */
export type ProbeFrom = { kind: 'local' } | { kind: 'none' } | { kind: 'host'; host: string };

export function probeFromModel(from: string): ProbeFrom {
  return from === 'local' || from === 'none' ? { kind: from } : { kind: 'host', host: from };
}

/** A site with its TLS chain and key as read at load. */
export interface SiteModel extends Site {
  resolvedTls?: ResolvedTls;
}

export function healthOf(nginx: PairSpec['nginx'], tls?: ResolvedTls): HealthModel {
  return siteHealth(defaultSite(sitesOf('pair', nginx)), nginx.listen, tls);
}

/**
 * What probes ask of one site: its health path and statuses; a site of nginx.sites is asked by
 * name (Host, and SNI over TLS: tls.server_name, else its first host name); the one site of a
 * pair without sites as before (the VIP as Host; SNI tls.server_name, else the certificate's name).
 */
export function siteHealth(site: Site, port: number, tls?: ResolvedTls): HealthModel {
  const s = site.healthStatus;
  const [min, max] = typeof s === 'number' ? [s, s] : s.split('-').map(Number);
  const health: HealthModel = {
    ...(site.implicit ? {} : { site: site.name, host: site.serverNames[0]! }),
    path: site.healthPath,
    port,
    min: min!,
    max: max!,
  };
  const servername = site.tls?.server_name ?? (site.implicit ? undefined : site.serverNames[0]) ?? tls?.facts.dnsNames[0];
  if (site.tls && tls && servername) health.tls = { port: site.tls.listen, servername, ...(tls.ca ? { ca: tls.ca } : {}) };
  return health;
}

export function upstreamServers(nginx: PairSpec['nginx']): UpstreamServer[] {
  return nginx.upstreams.flatMap((u) =>
    u.servers.map((server) => {
      const at = server.lastIndexOf(':');
      return { upstream: u.name, server, host: server.slice(0, at), port: Number(server.slice(at + 1)) };
    }),
  );
}

/** How a host's commands reach root: not at all (root login), sudo with a known password, or asked. */
export interface SudoModel {
  password?: string;
  /** `sudo: true`: ask on the terminal if sudo wants a password. */
  prompt: boolean;
}

export interface Model {
  pairs: PairModel[];
  nodes: NodeModel[];
  hosts: Record<string, HostSpec>;
  /** Per host with sudo configured (inline, env, file or default, resolved once at load). */
  sudo: Record<string, SudoModel>;
  /** Every secret value in play, for masking output. */
  secrets: string[];
  /** Archive mirrors for end-of-life CentOS (inventory `el_archive`). */
  elArchive?: { centos: string; epel?: string };
  /** The nginx module stream on EL8/9 (inventory `el_nginx_stream`). */
  elNginxStream?: string;
}

/** The VIP without its prefix; IPv6 in canonical form (as `ip -6 addr` prints it). */
export const vipAddress = plainAddress;

/** notify: with every webhook and SMS URL as resolved at load (inline, url_env or url_file). */
function resolvedNotify(n: NotifyInput, pairName: string, urlAt: (path: string) => string | undefined): NotifySpec {
  const { webhooks, sms, ...rest } = n;
  const out: NotifySpec = {
    ...rest,
    webhooks: webhooks.map((w, i) => (typeof w === 'string' ? w : (urlAt(`pairs.${pairName}.notify.webhooks[${i}]`) ?? ''))),
  };
  if (sms) {
    const { url_env: _e, url_file: _f, url: _u, ...smsRest } = sms;
    const url = urlAt(`pairs.${pairName}.notify.sms.url`);
    out.sms = { ...smsRest, ...(url !== undefined ? { url } : {}) };
  }
  return out;
}

/**
 * Priorities as written, or derived. The fast profile derives 254/253: the BACKUP's skew
 * ((256 − priority)/256 of an advert) is then a few milliseconds.
 */
export function instancePriorities(
  spec: InstanceSpec,
  nodes: [string, string],
  weight: number,
  failover?: FailoverWanted,
): Record<string, number> | null {
  const backup = nodes.find((n) => n !== spec.master)!;
  if (spec.priorities !== 'derive') return spec.priorities;
  if (failover?.profile === 'fast' && weight === 0) return { [spec.master]: 254, [backup]: 253 };
  const d = derivePriorities(weight);
  return d ? { [spec.master]: d.master, [backup]: d.backup } : null;
}

export function buildModel(loaded: Pick<LoadedInventory, 'inventory' | 'secrets'>): Model {
  const inv = loaded.inventory;
  const secretAt = (path: string) => loaded.secrets.byPath.get(path)?.value;
  const urlAt = (path: string) => loaded.secrets.urls.get(path);
  const ipOf = (name: string) => hostIp(own(inv.hosts, name)!)!;
  // An IPv6 instance speaks VRRP between the nodes' ip6 (validate refuses one without them).
  const ipFor = (name: string, family: Family) => (family === 6 ? (hostIp6(own(inv.hosts, name)!) ?? '') : ipOf(name));
  const pairs: PairModel[] = [];
  const nodes: NodeModel[] = [];
  for (const [pairName, spec] of Object.entries(inv.pairs)) {
    const pairNodes = spec.nodes as [string, string];
    const failover = resolveFailover(spec.failover);
    const weight = trackWeight(failover, spec.check);
    // keepalived runs one family per instance: one with VIPs of both is two (NAME, NAME_V6).
    const written = spec.instances.flatMap((i, index) => instancesByFamily(i).map((half) => ({ i: half, index })));
    const instances: PairInstance[] = written.map(({ i, index }) => {
      const backup = pairNodes.find((n) => n !== i.master)!;
      const priorities = instancePriorities(i, pairNodes, weight, failover) ?? { [i.master]: 200, [backup]: 199 };
      const vips = vipsOf(i);
      const family = familyOf(vips[0]?.address);
      return {
        spec: i,
        index,
        family,
        vip: vips[0]!.address,
        vips,
        master: i.master,
        backup,
        priorities,
        math: {
          master: { name: i.master, priority: priorities[i.master]!, ip: ipFor(i.master, family) },
          backup: { name: backup, priority: priorities[backup]!, ip: ipFor(backup, family) },
          weight,
          nopreempt: i.nopreempt,
        },
      };
    });
    const sites: SiteModel[] = sitesOf(pairName, spec.nginx).map((site) => {
      const resolvedTls = site.tls ? loaded.secrets.tls?.get(site.tlsKey) : undefined;
      return { ...site, ...(resolvedTls ? { resolvedTls } : {}) };
    });
    const healths = sites.map((site) => siteHealth(site, spec.nginx.listen, site.resolvedTls));
    pairs.push({
      name: pairName,
      nodes: pairNodes,
      spec,
      failover,
      instances,
      health: healths[sites.indexOf(defaultSite(sites) as SiteModel)]!,
      sites: healths,
      nginxSites: sites,
      upstreams: upstreamServers(spec.nginx),
      probeFrom: probeFromModel(probeFromOf(inv, spec)),
      ...(loaded.secrets.tls?.has(pairName) ? { tls: loaded.secrets.tls.get(pairName)! } : {}),
    });
    for (const host of pairNodes) {
      const peer = pairNodes.find((n) => n !== host)!;
      const ip = ipOf(host);
      const ip6 = hostIp6(own(inv.hosts, host)!);
      nodes.push({
        host,
        pair: pairName,
        routerId: host,
        ip,
        ...(ip6 ? { ip6 } : {}),
        peer,
        check: spec.check,
        failover,
        notify: resolvedNotify(spec.notify, pairName, urlAt),
        nginx: spec.nginx,
        sites,
        ...(loaded.secrets.tls?.has(pairName) ? { tls: loaded.secrets.tls.get(pairName)! } : {}),
        scriptUser: spec.script_user,
        instances: instances.map((pi) => {
          const i = pi.spec;
          const auth: NodeInstance['auth'] = i.authentication && {
            type: i.authentication.type,
            password: secretAt(`pairs.${pairName}.instances[${pi.index}].authentication`) ?? '',
          };
          return {
            name: i.name,
            family: pi.family,
            // nopreempt only works when every node starts as BACKUP (keepalived.conf(5)).
            state: i.nopreempt || host !== i.master ? 'BACKUP' : 'MASTER',
            priority: pi.priorities[host]!,
            virtualRouterId: i.virtual_router_id,
            interface: spec.interface,
            srcIp: ipFor(host, pi.family),
            peerIp: ipFor(peer, pi.family),
            vip: pi.vips[0]!.written,
            vips: pi.vips,
            advertInt: i.advert_int,
            nopreempt: i.nopreempt,
            garpMasterDelay: i.garp_master_delay,
            auth,
          };
        }),
      });
    }
  }
  const sudo: Record<string, SudoModel> = {};
  for (const [name, h] of Object.entries(inv.hosts)) {
    const s = h.sudo ?? inv.ssh.sudo;
    if (s === true) sudo[name] = { prompt: true };
    else if (s && typeof s === 'object') sudo[name] = { prompt: false, password: secretAt(h.sudo ? `hosts.${name}.sudo` : 'ssh.sudo') };
  }
  return {
    pairs,
    nodes,
    hosts: inv.hosts,
    sudo,
    secrets: loaded.secrets.values,
    ...(inv.el_archive
      ? {
          elArchive: {
            centos: urlAt('el_archive.centos') ?? '',
            ...(inv.el_archive.epel !== undefined ? { epel: urlAt('el_archive.epel') ?? '' } : {}),
          },
        }
      : {}),
    ...(inv.el_nginx_stream ? { elNginxStream: inv.el_nginx_stream } : {}),
  };
}

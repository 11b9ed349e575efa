// `haops status`: per pair and instance, who holds the VIP, keepalived's state and effective
// priority against the model's, nginx, its upstream servers and the tracked check on each node
// (one exec per node), and the user's path through the VIP asked from this machine or the probe host.
import { trackWeight } from '../model/profile.js';
import type { Model, PairModel } from '../model/derive.js';
import { tlsPaths } from '../render/nginx.js';
import type { Host } from '../ssh/host.js';
import { instanceHolderProblem, instanceSightOf, parseVipProbe, vipProbeScript, VIP_MARK } from '../runner/vip.js';
import { askClients, clientProblem, type ClientProbe, type ClientView } from '../runner/client-probe.js';
import { checkProblem, checkProofScript, expectedPriority, parseCheckProof, type CheckProof } from '../facts/check-proof.js';
import { bind } from '../protocol/script.js';
import {
  KEEPALIVED_DUMP,
  NGINX_AGAIN,
  parseServedCert,
  parseStatusLines,
  SERVED_CERTS,
  STATE_DUMP,
  STATUS,
  STATUS_MARK,
} from '../protocol/status.js';
import { parseUpstreams, UPSTREAMS, upstreamValues, type UpstreamResult } from '../protocol/upstreams.js';

export interface NodeStatus {
  host: string;
  reachable: boolean;
  error?: string;
  keepalived: boolean;
  nginx: boolean;
  addresses: string[];
  /**
   * Per instance: state and priority as keepalived last reported them; `effective` only from
   * keepalived's own state dump, `expectedPriority` what the model wants with the check passing.
   */
  instances: Record<string, { state: string | null; priority: number | null; effective?: number | null; expectedPriority?: number }>;
  http: Record<string, string | null>;
  /** haops drain: the node holds no VIP on purpose until undrained. */
  drained?: boolean;
  /** Each upstream server as this node reaches it. */
  upstreams?: UpstreamResult[];
  /** The tracked check, run the way keepalived runs it. */
  check?: CheckProof;
  /** keepalived state dumps not read: planted, stale or not root's (see keepalivedDumpScript). */
  dumpSkipped?: string[];
  /**
   * nginx.tls: the certificate the node serves (its file as nginx reads it): sha256 of the file,
   * notAfter (ms) from openssl on the node, or from the inventory's chain when the file is that one.
   * null fields: the file is absent.
   */
  tls?: { sha256: string | null; notAfter: number | null };
  /** nginx.sites: the same, per TLS site, by the site's name. */
  siteTls?: Record<string, { sha256: string | null; notAfter: number | null }>;
}

export interface InstanceStatus {
  pair: string;
  instance: string;
  /** The primary VIP (the instance's first): HTTP is asked through it. */
  vip: string;
  /** Every VIP of the instance and who holds each, the primary first. */
  vips: { vip: string; holders: string[] }[];
  master: string;
  /** The nodes that hold every VIP of the instance. */
  holders: string[];
  /** The node that answered /haops-health through the VIP when asked from the nodes (second opinion). */
  servedBy: string | null;
  /** The user's path: health_path through the VIP, asked from this machine or the probe host. */
  client?: ClientProbe | null;
  verdict: 'ok' | 'outage' | 'split brain' | 'vips split' | 'unknown' | 'degraded';
  /** nginx.sites: every site's answer through the VIP (the default site's is `client` too). */
  sites?: SiteAnswer[];
  problem?: string;
}

/** One site of nginx.sites asked through one VIP with its Host (and SNI): what answered, and what is wrong. */
export interface SiteAnswer {
  site: string;
  /** null: not asked (probe: none, or the probe host could not ask). */
  client: ClientProbe | null;
  problem?: string;
}

export interface PairStatus {
  pair: string;
  nodes: NodeStatus[];
  instances: InstanceStatus[];
  /** Wrong with the pair as a whole (upstreams all down, a check that cannot pass): not ok. */
  problems: string[];
  /** Worth knowing, not failing: some upstream servers down, nodes that cannot reach their own VIP. */
  warnings: string[];
  /** Where the user's path was asked from: 'this machine', a probe host's name, or 'none'. */
  probedFrom?: string;
  /** The probe host could not ask (unreachable, no curl or wget): the nodes' answer stood in. */
  probeFailed?: boolean;
  ok: boolean;
}

export { DUMP_TRUSTED, KEEPALIVED_DUMP, STATUS_MARK } from '../protocol/status.js';

/** keepalived's state dump (protocol/status.ts STATE_DUMP) from these places. */
export function keepalivedDumpScript(where = KEEPALIVED_DUMP): string {
  return bind(STATE_DUMP, { PID_FILES: where.pidFiles, DUMP_FILE: where.dumps[0]!, DUMP_GLOBS: where.dumps.slice(1).join(' ') });
}

/** The served certificate: its file's hash and, where the node has openssl, its notAfter; each line starts with `tag`. */
export const tlsScript = (cert: string, tag = 'tls') => bind(SERVED_CERTS, { TLS: [`${tag},${cert}`] });

/** One exec per node: services and the notify log, keepalived's dump, upstreams, the check, nginx again, certificates, VIPs. */
export function statusScript(pair: PairModel): string {
  return [
    bind(STATUS, { INSTANCES: pair.instances.map((i) => i.spec.name), NOTIFY_LOG: pair.spec.notify.log }),
    keepalivedDumpScript(),
    bind(UPSTREAMS, upstreamValues(pair.upstreams, pair.health.path)),
    checkProofScript(pair.spec.check, pair.spec.script_user),
    bind(NGINX_AGAIN, {}),
    bind(SERVED_CERTS, { TLS: tlsSites(pair).map((t) => `${t.tag},${tlsPaths(t.tlsKey).cert}`) }),
    vipProbeScript(pair),
  ].join('');
}

/**
 * The pair's TLS sites as status reads them: the one site of a pair without sites (tag `tls`, as
 * before), or each TLS site of nginx.sites (tag `tls@NAME`), with the chain the inventory holds.
 */
function tlsSites(pair: PairModel): { site?: string; tag: string; tlsKey: string; facts?: { sha256: string; notAfter: number } }[] {
  const sites = pair.nginxSites ?? [];
  if (!sites.some((s) => !s.implicit))
    return pair.spec.nginx.tls ? [{ tag: 'tls', tlsKey: pair.name, ...(pair.tls ? { facts: pair.tls.facts } : {}) }] : [];
  return sites
    .filter((s) => s.tls)
    .map((s) => ({ site: s.name, tag: `tls@${s.name}`, tlsKey: s.tlsKey, ...(s.resolvedTls ? { facts: s.resolvedTls.facts } : {}) }));
}

function parseTls(text: string, tag: string, facts?: { sha256: string; notAfter: number }): NonNullable<NodeStatus['tls']> {
  const { sha256: hash, notAfter: end } = parseServedCert(text, tag);
  let notAfter = end ? Date.parse(end.replace(/\s+/g, ' ')) : Number.NaN;
  // No openssl on the node: the file is the inventory's chain (same hash), so its date is known.
  if (!Number.isFinite(notAfter)) notAfter = hash && facts && hash === facts.sha256 ? facts.notAfter : Number.NaN;
  return { sha256: hash, notAfter: Number.isFinite(notAfter) ? notAfter : null };
}

/** Certificates that expire within `warnDays`, or that differ between the nodes. */
export function tlsWarnings(pair: PairModel, nodes: NodeStatus[], warnDays: number, now: number = Date.now()): string[] {
  return tlsSites(pair).flatMap((site) => {
    const served = (n: NodeStatus) => (site.site === undefined ? n.tls : n.siteTls?.[site.site]);
    const facts = site.facts;
    const warnings = siteTlsWarnings(site.tlsKey, facts, nodes, served, warnDays, now);
    return site.site === undefined ? warnings : warnings.map((w) => `site ${site.site}: ${w}`);
  });
}

function siteTlsWarnings(
  tlsKey: string,
  facts: { sha256: string } | undefined,
  nodes: NodeStatus[],
  served: (n: NodeStatus) => NodeStatus['tls'],
  warnDays: number,
  now: number,
): string[] {
  const out: string[] = [];
  const seen = nodes.filter((n) => n.reachable && served(n));
  for (const n of seen) {
    const t = served(n)!;
    if (t.sha256 === null) out.push(`${n.host}: no TLS certificate at ${tlsPaths(tlsKey).cert} (deploy pushes it)`);
    else if (t.notAfter === null)
      out.push(`${n.host}: the TLS certificate's expiry could not be read (no openssl on the node, and not the inventory's chain)`);
    else {
      const days = (t.notAfter - now) / 86_400_000;
      if (days < warnDays)
        out.push(
          days <= 0
            ? `${n.host}: the TLS certificate EXPIRED on ${new Date(t.notAfter).toISOString().slice(0, 10)}`
            : `${n.host}: the TLS certificate expires in ${days.toFixed(1)} days (${new Date(t.notAfter).toISOString().slice(0, 10)}; warned under ${warnDays})`,
        );
    }
    if (t.sha256 && facts && t.sha256 !== facts.sha256)
      out.push(`${n.host}: serves a TLS certificate other than the inventory's cert_file (haops deploy pushes it)`);
  }
  const hashes = new Set(seen.map((n) => served(n)!.sha256).filter((h) => h !== null));
  if (hashes.size > 1)
    out.push(
      `the nodes serve different TLS certificates: ${seen.map((n) => `${n.host} sha256 ${served(n)!.sha256?.slice(0, 12) ?? 'none'}`).join(', ')}`,
    );
  return out;
}

/** A failed check proves something only if nginx ran before and after it: else its verdict is unknown. */
function trustedProof(p: CheckProof, nginxThroughout: boolean): CheckProof {
  return p.ok === false && p.exit !== null && !nginxThroughout ? { ...p, ok: null } : p;
}

export function parseStatus(host: string, pair: PairModel, stdout: string): NodeStatus {
  const at = stdout.indexOf(STATUS_MARK);
  const text = at >= 0 ? stdout.slice(at) : stdout;
  const vipAt = text.indexOf(VIP_MARK);
  const probe = parseVipProbe(vipAt >= 0 ? text.slice(vipAt + VIP_MARK.length) : '');
  const before = vipAt >= 0 ? text.slice(0, vipAt) : text;
  const lines = parseStatusLines(text);
  const node: NodeStatus = {
    host,
    reachable: true,
    keepalived: lines.services.keepalived === true,
    nginx: lines.services.nginx === true,
    addresses: probe.addresses,
    instances: {},
    http: probe.http,
    ...(probe.drained ? { drained: true } : {}),
    ...(lines.dumpSkipped.length ? { dumpSkipped: lines.dumpSkipped } : {}),
    upstreams: parseUpstreams(before),
    check: trustedProof(parseCheckProof(pair.spec.check, before), lines.services.nginx === true && lines.services['nginx-after'] === true),
  };
  for (const t of tlsSites(pair)) {
    const served = parseTls(before, t.tag, t.facts);
    if (t.site === undefined) node.tls = served;
    else (node.siteTls ??= {})[t.site] = served;
  }
  for (const i of pair.instances) {
    const name = i.spec.name;
    // keepalived's own dump, where it was read, over the notify log's last transition.
    const notified = lines.notified[name];
    const dumped = lines.dumped[name];
    node.instances[name] = {
      state: dumped?.state ?? notified?.state ?? null,
      priority: dumped?.effective ?? notified?.priority ?? null,
      effective: dumped?.effective ?? null,
      expectedPriority: expectedPriority(i.priorities[host] ?? 0, trackWeight(pair.failover, pair.spec.check)),
    };
  }
  if (!node.keepalived)
    for (const k of Object.keys(node.instances)) Object.assign(node.instances[k]!, { state: 'STOPPED', priority: null, effective: null });
  return node;
}

/**
 * The verdict on a pair. `clients` holds, per VIP, the answer to the user's request from this
 * machine; without it (older callers, tests) only the nodes' own view counts.
 */
/** status warns when a served certificate expires in fewer days than this (--cert-warn-days). */
export const CERT_WARN_DAYS = 14;

export function judgePair(
  pair: PairModel,
  nodes: NodeStatus[],
  clients: Record<string, ClientProbe | null> = {},
  certWarnDays: number = CERT_WARN_DAYS,
  /** nginx.sites: per site name, per VIP, the site's answer (asked with its Host and SNI). */
  siteClients: Record<string, Record<string, ClientProbe | null>> = {},
): PairStatus {
  const problems: string[] = [];
  const warnings: string[] = tlsWarnings(pair, nodes, certWarnDays);
  const up = nodes.filter((n) => n.reachable);

  // The tracked check and the priority it should give, per node with nginx running.
  for (const n of up) {
    // A planted or stale dump is not evidence: said, and the state comes from the notify log alone.
    for (const d of n.dumpSkipped ?? []) warnings.push(`${n.host}: keepalived state dump not read: ${d}`);
    // A drained node (haops drain) gives up its VIPs on purpose: its priority says nothing of the check.
    if (!n.nginx || !n.keepalived || n.drained) continue;
    const failing = n.check ? checkProblem(n.check, n.host) : null;
    if (failing) problems.push(failing);
    for (const i of pair.instances) {
      const st = n.instances[i.spec.name];
      if (!st || st.effective === null || st.effective === undefined || st.expectedPriority === undefined) continue;
      const weight = trackWeight(pair.failover, pair.spec.check);
      if (weight === 0 ? st.state === 'FAULT' : st.effective < st.expectedPriority) {
        const what = weight === 0 ? 'is in FAULT' : `has effective priority ${st.effective}, expected ${st.expectedPriority}`;
        if (!failing)
          problems.push(
            `${n.host} ${i.spec.name} ${what} while nginx runs: check ${pair.spec.check.name} fails for keepalived${n.check?.log ? ` (keepalived: ${n.check.log})` : ''}`,
          );
        else problems.push(`${n.host} ${i.spec.name} ${what}: nginx stopping would not move the VIP`);
      }
    }
  }

  // Upstream servers, as each node's nginx reaches them: all down is an outage of the service.
  const seen = up.filter((n) => n.upstreams?.length);
  const downEverywhere = seen.length > 0 && seen.every((n) => n.upstreams!.every((u) => !u.up));
  if (downEverywhere) {
    const first = seen[0]!.upstreams!;
    problems.push(
      `DEGRADED: upstreams down: ${first.map((u) => `${u.upstream} ${u.server} (${u.error ?? 'down'})`).join(', ')}, seen from ${seen.map((n) => n.host).join(' and ')}`,
    );
  } else {
    for (const n of seen)
      for (const u of n.upstreams!)
        if (!u.up) warnings.push(`upstream ${u.upstream} ${u.server} is down from ${n.host} (${u.error ?? 'down'})`);
  }

  const instances = pair.instances.map((i): InstanceStatus => {
    const vip = i.vip;
    const sight = instanceSightOf(
      pair.nodes,
      i.vips.map((v) => v.address),
      Object.fromEntries(nodes.map((n) => [n.host, n.reachable ? n : null])),
    );
    const { holders, servedBy } = sight;
    const client = clients[vip];
    const base = {
      pair: pair.name,
      instance: i.spec.name,
      vip,
      vips: sight.each,
      master: i.master,
      holders,
      servedBy,
      ...(client !== undefined ? { client } : {}),
    };
    // Every site of nginx.sites, asked by name through this VIP: one that is not served degrades the instance.
    const sites: SiteAnswer[] = (pair.sites ?? [])
      .filter((h) => h.site !== undefined && siteClients[h.site] !== undefined)
      .map((h) => {
        const c = siteClients[h.site!]![vip] ?? null;
        const problem = c ? clientProblem(vip, h, c, servedBy) : null;
        return { site: h.site!, client: c, ...(problem ? { problem } : {}) };
      });
    if (sites.length) Object.assign(base, { sites });
    const trouble = instanceHolderProblem(i.spec.name, pair.nodes, sight);
    if (trouble) return { ...base, ...trouble };
    const holder = nodes.find((n) => n.host === holders[0])!;
    if (!holder.nginx)
      return {
        ...base,
        verdict: 'degraded',
        problem: `${holder.host} holds ${sight.each.map((e) => e.vip).join(', ')} but nginx is not running there`,
      };
    if (client) {
      const wrong = clientProblem(vip, pair.health, client, servedBy);
      if (wrong) return { ...base, verdict: 'degraded', problem: wrong };
      if (!servedBy) warnings.push(`clients reach ${vip}, but the nodes cannot ask their own VIP (no curl or wget on them?)`);
    } else if (!servedBy) return { ...base, verdict: 'degraded', problem: `HTTP through ${vip}:${pair.spec.nginx.listen} does not answer` };
    const badSite = sites.find((x) => x.problem);
    if (badSite) return { ...base, verdict: 'degraded', problem: `site ${badSite.site}: ${badSite.problem}` };
    const down = nodes.filter((n) => !n.reachable || !n.keepalived || !n.nginx).map((n) => n.host);
    if (down.length)
      return { ...base, verdict: 'degraded', problem: `no standby: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} not healthy` };
    return { ...base, verdict: 'ok' };
  });
  return { pair: pair.name, nodes, instances, problems, warnings, ok: instances.every((i) => i.verdict === 'ok') && problems.length === 0 };
}

export async function nodeStatus(host: Host | null, name: string, pair: PairModel, error?: string): Promise<NodeStatus> {
  const down: NodeStatus = { host: name, reachable: false, error, keepalived: false, nginx: false, addresses: [], instances: {}, http: {} };
  if (!host) return down;
  try {
    const r = await host.exec(statusScript(pair), { timeoutMs: 15_000 });
    return parseStatus(name, pair, r.stdout);
  } catch (e) {
    return { ...down, error: (e as Error).message };
  }
}

export async function pairStatus(
  pair: PairModel,
  connect: (name: string) => Promise<Host>,
  opts: { client?: boolean; certWarnDays?: number } = {},
): Promise<PairStatus> {
  // The user's path is asked while the nodes run their scripts: same moment, no added wait.
  const clientsP: Promise<ClientView | null> = opts.client === false ? Promise.resolve(null) : askClients(pair, connect, { retry: true });
  // nginx.sites: every site asked by its name too (the default site's answer is the one above).
  const named = opts.client === false ? [] : (pair.sites ?? []).filter((h) => h.site !== undefined);
  const sitesP = Promise.all(
    named.map((h) => (h === pair.health ? clientsP : askClients({ ...pair, health: h }, connect, { retry: true }))),
  );
  const nodes = await Promise.all(
    pair.nodes.map(async (n) => {
      try {
        return await nodeStatus(await connect(n), n, pair);
      } catch (e) {
        return nodeStatus(null, n, pair, (e as Error).message);
      }
    }),
  );
  const view = await clientsP;
  const siteViews = await sitesP;
  const siteClients = Object.fromEntries(named.map((h, i) => [h.site!, siteViews[i]?.probes ?? {}]));
  const judged = judgePair(pair, nodes, view?.probes ?? {}, opts.certWarnDays, siteClients);
  if (view?.warning) judged.warnings.push(view.warning);
  return {
    ...judged,
    probedFrom: opts.client === false ? undefined : (view?.from ?? (view ? 'this machine' : 'none')),
    ...(view?.warning ? { probeFailed: true } : {}),
  };
}

/** `VIP a` for one address, `VIPs a, b` for an instance with several (older --json readers: vip alone). */
export function vipsLabel(i: Pick<InstanceStatus, 'vip'> & { vips?: { vip: string }[] }): string {
  return i.vips && i.vips.length > 1 ? `VIPs ${i.vips.map((v) => v.vip).join(', ')}` : `VIP ${i.vip}`;
}

export function formatStatus(pairs: PairStatus[]): string {
  const out: string[] = [];
  for (const p of pairs) {
    out.push(`pair ${p.pair}: ${p.ok ? 'healthy' : 'UNHEALTHY'}`);
    if (p.probedFrom)
      out.push(
        p.probeFailed
          ? `  clients' path NOT asked: probe host ${p.probedFrom} could not (see the warning); the nodes answer for it`
          : `  clients' path asked from ${p.probedFrom === 'this machine' ? 'this machine' : p.probedFrom === 'none' ? 'nowhere (probe: none; the nodes answer for it)' : `probe host ${p.probedFrom}`}`,
      );
    for (const n of p.nodes) {
      if (!n.reachable) {
        out.push(`  ${n.host}: UNREACHABLE (${n.error ?? 'no answer'})`);
        continue;
      }
      const inst = Object.entries(n.instances)
        .map(([k, v]) => `${k} ${v.state ?? '?'}${v.priority !== null ? ` prio ${v.priority}` : ''}`)
        .join(', ');
      const ups = n.upstreams?.length ? `; upstreams ${n.upstreams.filter((u) => u.up).length}/${n.upstreams.length} up` : '';
      const chk = n.check && n.check.ok !== null ? `; check ${n.check.name} ${n.check.ok ? 'passes' : 'FAILS'}` : '';
      const cert = !n.tls
        ? ''
        : n.tls.notAfter !== null
          ? `; TLS certificate until ${new Date(n.tls.notAfter).toISOString().slice(0, 10)} (${((n.tls.notAfter - Date.now()) / 86_400_000).toFixed(1)} days)`
          : n.tls.sha256
            ? '; TLS certificate expiry unknown'
            : '; TLS certificate MISSING';
      const siteCerts = Object.entries(n.siteTls ?? {})
        .map(([site, t]) =>
          t.notAfter !== null
            ? `; site ${site} TLS certificate until ${new Date(t.notAfter).toISOString().slice(0, 10)} (${((t.notAfter - Date.now()) / 86_400_000).toFixed(1)} days)`
            : `; site ${site} TLS certificate ${t.sha256 ? 'expiry unknown' : 'MISSING'}`,
        )
        .join('');
      out.push(
        `  ${n.host}: ${n.drained ? 'DRAINED (holds no VIP until `haops undrain`), ' : ''}keepalived ${n.keepalived ? 'running' : 'STOPPED'}, nginx ${n.nginx ? 'running' : 'STOPPED'}; ${inst}${ups}${chk}${cert}${siteCerts}`,
      );
    }
    for (const i of p.instances) {
      // From here when asked (the user's path); the nodes' own answer only when nothing else was asked.
      const answered = i.client?.ok
        ? `, ${i.client.url} answered ${i.client.status}${i.client.node ? ` by ${i.client.node}` : ''}`
        : !i.client && i.servedBy
          ? `, HTTP answered by ${i.servedBy}`
          : '';
      out.push(
        `  ${i.instance}: ${vipsLabel(i)} on ${i.holders.join(' and ') || (i.verdict === 'vips split' ? 'no one node' : 'nobody')}${answered}: ${i.verdict === 'ok' ? 'ok' : i.problem}`,
      );
      for (const s of i.sites ?? [])
        out.push(
          `    site ${s.site}: ${
            !s.client
              ? 'not asked'
              : s.client.status !== undefined
                ? `${s.client.url} answered ${s.client.status}${s.client.node ? ` by ${s.client.node}` : ''}`
                : `${s.client.url} did not answer`
          }: ${s.problem ?? (s.client?.ok ? 'ok' : 'unknown')}`,
        );
    }
    for (const x of p.problems) out.push(`  PROBLEM: ${x}`);
    for (const w of p.warnings) out.push(`  warning: ${w}`);
  }
  return out.join('\n');
}

export async function fleetStatus(
  model: Model,
  connect: (name: string) => Promise<Host>,
  opts: { certWarnDays?: number } = {},
): Promise<PairStatus[]> {
  return Promise.all(model.pairs.map((p) => pairStatus(p, connect, opts)));
}

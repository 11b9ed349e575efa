// `status --prom FILE`: the status of every pair in node_exporter's textfile format, so the
// monitoring users already scrape sees haops's verdict. Pure rendering plus one atomic write.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What the renderer reads from `status --json` (structurally: PairStatus with its optional fields). */
export interface PromNode {
  host: string;
  reachable: boolean;
  keepalived: boolean;
  nginx: boolean;
  instances: Record<string, { state: string | null; priority: number | null; expectedPriority?: number | null }>;
  upstreams?: { upstream: string; server: string; up: boolean }[];
  checks?: { name: string; ok: boolean | null }[];
  /** nginx.tls: the served certificate's notAfter (ms since the epoch), null when unknown or absent. */
  tls?: { notAfter: number | null };
  /** nginx.sites: the same per TLS site, by the site's name (a `site` label). */
  siteTls?: Record<string, { notAfter: number | null }>;
}

export interface PromInstance {
  pair: string;
  instance: string;
  /** The primary VIP: the instance's series carry it as their vip label. */
  vip: string;
  /** Every VIP and its holders (absent in older readings: the primary alone). */
  vips?: { vip: string; holders: string[] }[];
  holders: string[];
  verdict: string;
  /**
   * Through the VIP from where clients are; `from` names the probe host, absent for this machine.
   * Absent or null when it was not asked (`probe: none`, or the probe host could not ask).
   */
  client?: { ok: boolean; from?: string } | null;
  /** Through the VIP from the nodes themselves (the second opinion). */
  servedBy: string | null;
  /** nginx.sites: each site asked through the VIP by its name. */
  sites?: { site: string; client: { ok: boolean; from?: string } | null }[];
}

export interface PromPair {
  pair: string;
  ok: boolean;
  nodes: PromNode[];
  instances: PromInstance[];
}

/** What keepalived's model needs that the status does not carry: interface and VRID per instance. */
export interface PromContext {
  /** Per pair, per instance name: the interface and virtual_router_id. */
  instances: Record<string, Record<string, { intf: string; vrid: number }>>;
  /** When the status was taken (ms since the epoch): written as a value, never a sample timestamp. */
  takenAt: number;
}

/** keepalived's state numbers (vrrp.h: VRRP_STATE_INIT 0, BACKUP 1, MASTER 2, FAULT 3), as the exporter reports them. */
const VRRP_STATE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  type: 'gauge';
  samples: { labels: Labels; value: number }[];
}

/** Text exposition format: backslash, double quote and newline are the only escapes in label values. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline only. */
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function sampleLine(name: string, labels: Labels, value: number): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  // No timestamp: node_exporter's textfile collector skips a whole file that carries one.
  return `${name}${l.length ? `{${l.join(',')}}` : ''} ${Number.isFinite(value) ? String(value) : 'NaN'}`;
}

export function renderFamilies(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!f.samples.length) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(sampleLine(f.name, s.labels, s.value));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

const b = (x: boolean) => (x ? 1 : 0);

export function statusToProm(pairs: PromPair[], ctx: PromContext): string {
  const fam = (name: string, help: string): Family => ({ name, help, type: 'gauge', samples: [] });
  const up = fam('keepalived_up', 'Whether keepalived runs on the node (1) or not (0), as haops status saw it.');
  const vrrp = fam('keepalived_vrrp_state', 'VRRP instance state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (keepalived-exporter convention).');
  const prio = fam('haops_vrrp_effective_priority', 'Effective priority keepalived reports for the instance on the node.');
  const want = fam('haops_vrrp_expected_priority', 'Effective priority the model expects with every check passing.');
  const reach = fam('haops_node_reachable', 'Whether haops could run its status script on the node.');
  const nginx = fam('haops_nginx_up', 'Whether nginx runs on the node.');
  const check = fam('haops_check_ok', "Whether the node's tracked check script passes, as keepalived last ran it.");
  const upstream = fam('haops_upstream_up', 'Whether the node reaches the upstream server (from where nginx sees it).');
  const holders = fam('haops_vip_holders', 'How many nodes hold the VIP: 1 is healthy, 0 an outage, 2 split brain.');
  const client = fam(
    'haops_vip_http_ok',
    'Whether HTTP through the VIP answered as expected from where clients are; from is local (the machine running haops) or the probe host.',
  );
  const siteOk = fam(
    'haops_site_http_ok',
    'Whether a site of nginx.sites, asked by its name through the VIP, answered as its health_status says; from as for haops_vip_http_ok.',
  );
  const nodeSide = fam('haops_vip_http_node_ok', "Whether HTTP through the VIP answered when asked from the pair's nodes.");
  const instOk = fam('haops_instance_ok', 'Whether haops judges the instance healthy (1) or not (0); verdict label says why.');
  const pairOk = fam('haops_pair_healthy', 'Whether haops status judges the whole pair healthy.');
  const certEnd = fam(
    'haops_tls_cert_not_after_seconds',
    "When the TLS certificate the node serves expires (its notAfter, Unix time, seconds); the pair label names the site's pair, the site label the site of nginx.sites (absent for a pair without sites).",
  );
  const last = fam('haops_status_last_run_timestamp_seconds', 'When haops status took this reading (Unix time, seconds).');

  for (const p of pairs) {
    pairOk.samples.push({ labels: { pair: p.pair }, value: b(p.ok) });
    const vips = Object.fromEntries(p.instances.map((i) => [i.instance, i.vip]));
    for (const n of p.nodes) {
      const nl = { pair: p.pair, node: n.host };
      reach.samples.push({ labels: nl, value: b(n.reachable) });
      if (!n.reachable) continue;
      up.samples.push({ labels: nl, value: b(n.keepalived) });
      nginx.samples.push({ labels: nl, value: b(n.nginx) });
      if (n.tls && typeof n.tls.notAfter === 'number') certEnd.samples.push({ labels: nl, value: Math.floor(n.tls.notAfter / 1000) });
      for (const [site, t] of Object.entries(n.siteTls ?? {}))
        if (typeof t.notAfter === 'number') certEnd.samples.push({ labels: { ...nl, site }, value: Math.floor(t.notAfter / 1000) });
      for (const [iname, st] of Object.entries(n.instances)) {
        const meta = ctx.instances[p.pair]?.[iname];
        const state = st.state === null ? undefined : VRRP_STATE[st.state];
        if (state !== undefined) {
          vrrp.samples.push({
            labels: {
              iname,
              intf: meta?.intf ?? '',
              vrid: String(meta?.vrid ?? ''),
              ip_address: vips[iname] ?? '',
              pair: p.pair,
              node: n.host,
            },
            value: state,
          });
        }
        if (st.priority !== null) prio.samples.push({ labels: { ...nl, iname }, value: st.priority });
        if (st.expectedPriority !== undefined && st.expectedPriority !== null)
          want.samples.push({ labels: { ...nl, iname }, value: st.expectedPriority });
      }
      for (const c of n.checks ?? []) if (c.ok !== null) check.samples.push({ labels: { ...nl, check: c.name }, value: b(c.ok) });
      for (const u of n.upstreams ?? [])
        upstream.samples.push({ labels: { ...nl, upstream: u.upstream, server: u.server }, value: b(u.up) });
    }
    for (const i of p.instances) {
      const il = { pair: p.pair, iname: i.instance, vip: i.vip };
      // One series per VIP: a VIP of the instance split off (or lost) shows as its own 0 or 2.
      for (const v of i.vips?.length ? i.vips : [{ vip: i.vip, holders: i.holders }])
        holders.samples.push({ labels: { ...il, vip: v.vip }, value: v.holders.length });
      // `from` tells apart files written from several places; no client answer, no sample (as before).
      if (i.client) client.samples.push({ labels: { ...il, from: i.client.from ?? 'local' }, value: b(i.client.ok) });
      for (const x of i.sites ?? [])
        if (x.client) siteOk.samples.push({ labels: { ...il, site: x.site, from: x.client.from ?? 'local' }, value: b(x.client.ok) });
      nodeSide.samples.push({ labels: il, value: b(i.servedBy !== null) });
      instOk.samples.push({ labels: { ...il, verdict: i.verdict }, value: b(i.verdict === 'ok') });
    }
  }
  last.samples.push({ labels: {}, value: Math.round(ctx.takenAt / 1000) });
  return renderFamilies([
    up,
    vrrp,
    prio,
    want,
    reach,
    nginx,
    check,
    upstream,
    holders,
    client,
    siteOk,
    nodeSide,
    instOk,
    pairOk,
    certEnd,
    last,
  ]);
}

/**
 * Writes the file the way the textfile collector needs: a temp file in the same directory (not
 * ending in .prom, so a scrape never reads half a file), then rename over the target.
 */
export function writePromFile(file: string, text: string): void {
  const dir = mkdtempSync(join(dirname(file), `.${basename(file)}.`));
  const tmp = join(dir, 'tmp');
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

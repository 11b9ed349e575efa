// HTTP through the VIP from where clients are (this machine, or the probe host the inventory
// names, over SSH): the user's path, not nginx's own /haops-health on the node. Compared with the
// node-side answer, it tells a firewall from an outage.
import { urlHost } from '../core/ipv6.js';
import { getOn, siteProbeUrl } from './client-target.js';
import { CLIENT_MARK, CLIENT_PROBE } from '../protocol/client-probe.js';
import { bind } from '../protocol/script.js';
import { sleep } from '../core/poll.js';
import type { HealthModel, PairModel } from '../model/derive.js';
import type { Host } from '../ssh/host.js';

/** Why a request through the VIP failed, as a user would tell it. */
export type ProbeFailure = 'refused' | 'reset' | 'timeout' | 'unreachable' | '5xx' | '4xx' | 'other';

/** Classifies a Node.js socket error or an HTTP status the way the report names failures. */
export function probeFailure(err: { code?: string; message?: string } | null, status?: number): ProbeFailure | undefined {
  if (err) {
    const code = err.code ?? '';
    if (code === 'ECONNREFUSED') return 'refused';
    if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
    if (code === 'ETIMEDOUT' || /timeout/i.test(err.message ?? '')) return 'timeout';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') return 'unreachable';
    return 'other';
  }
  if (status === undefined) return undefined;
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return undefined;
}

export interface ClientProbe {
  url: string;
  ok: boolean;
  status?: number;
  /** The node that answered (nginx adds X-Haops-Node). */
  node: string | null;
  failure?: ProbeFailure;
  error?: string;
  ms: number;
  /** The probe host it was asked from; absent: this machine. */
  from?: string;
}

export const NODE_HEADER = 'x-haops-node';

/** A node name as haops's X-Haops-Node header carries it (anything else is not believed). */
export const NODE_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;

/** One GET of the inventory's health_path through the VIP; never rejects. */
export function probeVip(vip: string, health: HealthModel, timeoutMs = 2000): Promise<ClientProbe> {
  const url = siteProbeUrl(vip, health);
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<ClientProbe, 'url' | 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ url, ms: Date.now() - started, ...r });
    };
    const req = getOn(
      vip,
      health,
      { path: health.path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'haops-status' } },
      (res) => {
        const status = res.statusCode ?? 0;
        const h = res.headers[NODE_HEADER];
        const node = typeof h === 'string' && NODE_RE.test(h) ? h : null;
        res.resume();
        const ok = status >= health.min && status <= health.max;
        const failure = ok ? undefined : (probeFailure(null, status) ?? 'other');
        res.on('end', () => done({ ok, status, node, ...(failure ? { failure, error: `answered ${status}` } : {}) }));
        res.on('error', (e) => done({ ok: false, status, node, failure: probeFailure(e as NodeJS.ErrnoException), error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) =>
      done({ ok: false, node: null, failure: probeFailure(e), error: e.code === 'ECONNREFUSED' ? 'connection refused' : e.message }),
    );
  });
}

/**
 * The verdict on the user's path, from the client's answer and the nodes' own (second opinion):
 * null when clients are served as expected, else what is wrong in a user's words.
 */
export function clientProblem(vip: string, health: HealthModel, client: ClientProbe, nodeSide: string | null): string | null {
  if (client.ok) return null;
  // What was asked: https://NAME for a TLS site probed from here, else the VIP over plain HTTP.
  const where = client.url || `http://${urlHost(vip)}:${health.port}${health.path}`;
  if (client.status !== undefined) {
    const by = client.node ? ` by ${client.node}` : '';
    const why = client.status === 502 || client.status === 504 ? ': nginx cannot reach its upstream servers' : '';
    return `${where} answered ${client.status}${by}, expected ${health.min === health.max ? health.min : `${health.min}-${health.max}`}${why}`;
  }
  // No route or no answer from this machine: it may simply not be on the clients' LAN (an ops laptop behind a jump host).
  const offLan =
    !client.from && (client.failure === 'unreachable' || client.failure === 'timeout')
      ? " or is this machine off the clients' LAN? (probe: { from: HOST } asks from a host on it)"
      : '';
  if (nodeSide)
    return `nginx answers through ${vip} on the node (${nodeSide}), but clients cannot reach ${where} from ${fromWhere(client)} (${client.error ?? client.failure}): firewall?${offLan}`;
  return `${where} does not answer from ${fromWhere(client)} (${client.error ?? client.failure})${offLan ? `:${offLan.replace(' or is', ' is')}` : ''}`;
}

const fromWhere = (c: Pick<ClientProbe, 'from'>) => (c.from ? `probe host ${c.from}` : 'here');

/** The probe host's script (protocol/client-probe.ts) for these VIPs and the site's health path. */
export function remoteProbeScript(vips: readonly string[], health: HealthModel, timeoutMs = 2000): string {
  const tls = health.tls;
  return bind(CLIENT_PROBE, {
    VIPS: vips,
    MODE: tls ? 'tls' : health.host ? 'host' : 'plain',
    PORT: tls ? tls.port : health.port,
    HEALTH_PATH: health.path,
    SERVERNAME: tls?.servername ?? '',
    HOST: health.host ?? '',
    CA: tls?.ca?.trim() ?? '',
    SECS: Math.max(1, Math.round(timeoutMs / 1000)),
  });
}

/** The probe host's tool: none means it cannot ask at all. */
export type ProbeTool = 'curl' | 'wget' | 'none';

/** The probe host's answer per VIP, judged against the health statuses like a local request. */
export function parseRemoteProbe(
  stdout: string,
  health: HealthModel,
  from: string,
  timeoutMs = 2000,
): { tool: ProbeTool; probes: Record<string, ClientProbe> } {
  const tool = (/^tool (curl|wget|none)$/m.exec(stdout)?.[1] ?? 'none') as ProbeTool;
  const probes: Record<string, ClientProbe> = {};
  for (const block of stdout.split(`${CLIENT_MARK} `).slice(1)) {
    const [head, ...rest] = block.split('\n');
    const vip = head!.trim();
    const text = rest.filter((l) => l.startsWith('| ')).map((l) => l.slice(2));
    const rc = Number(/^rc (\d+)$/m.exec(block)?.[1] ?? -1);
    const url = siteProbeUrl(vip, health);
    const statuses = text.map((l) => /^(?:< )? *HTTP\/[\d.]+ (\d{3})\b/.exec(l)?.[1]).filter(Boolean);
    const header = text.map((l) => /x-haops-node:\s*(\S+)/i.exec(l)?.[1]).find(Boolean);
    const node = header && NODE_RE.test(header) ? header : null;
    const secs = Number(/^haops-ms ([\d.]+)/m.exec(text.join('\n'))?.[1]);
    const ms = Number.isFinite(secs) ? Math.round(secs * 1000) : 0;
    const status = statuses.length ? Number(statuses[statuses.length - 1]) : undefined;
    if (status !== undefined && (tool === 'wget' || rc === 0)) {
      const ok = status >= health.min && status <= health.max;
      const failure = ok ? undefined : (probeFailure(null, status) ?? 'other');
      probes[vip] = { url, ok, status, node, ms, from, ...(failure ? { failure, error: `answered ${status}` } : {}) };
      continue;
    }
    const { failure, error } = remoteFailure(text, rc, tool, timeoutMs);
    probes[vip] = { url, ok: false, node, ms, from, failure, error };
  }
  return { tool, probes };
}

/** curl's and wget's failures in the words a local request's would use. */
function remoteFailure(text: string[], rc: number, tool: ProbeTool, timeoutMs: number): { failure: ProbeFailure; error: string } {
  const all = text.join('\n');
  if (/refused/i.test(all)) return { failure: 'refused', error: 'connection refused' };
  if ((tool === 'curl' && rc === 28) || /timed out|timeout/i.test(all))
    return { failure: 'timeout', error: `no answer within ${timeoutMs / 1000} s` };
  if (/no route to host|unreachable/i.test(all)) {
    const why = /(no route to host|(?:network|host) is unreachable)/i.exec(all)![1]!;
    return { failure: 'unreachable', error: why.toLowerCase() };
  }
  if (/reset by peer/i.test(all) || (tool === 'curl' && (rc === 52 || rc === 56))) return { failure: 'reset', error: 'connection reset' };
  const line = text.find((l) => /^curl: \(\d+\)|fail|error/i.test(l) && !/^\* *(Trying|Connected)/.test(l));
  return { failure: 'other', error: (line ?? `${tool} exited ${rc}`).replace(/^\* /, '').slice(0, 200) };
}

/** The user's path through a pair's VIPs as asked from where the inventory says clients are. */
export interface ClientView {
  /** The probe host, or null for this machine. */
  from: string | null;
  /** Per VIP; empty when the probe host could not ask (see warning). */
  probes: Record<string, ClientProbe>;
  /** Why the user's path was not asked: the probe host unreachable, or without curl and wget. */
  warning?: string;
}

/**
 * Asks each VIP of the pair once, and once more half a second later for those that failed when
 * `retry` (a VIP mid-move, a stale ARP entry). From a probe host that is one SSH round trip
 * (a second only on failure). null when the inventory says `probe: { from: none }`.
 */
export async function askClients(
  pair: PairModel,
  connect: (host: string) => Promise<Host>,
  opts: { retry?: boolean; timeoutMs?: number } = {},
): Promise<ClientView | null> {
  const vips = pair.instances.map((i) => i.vip);
  const timeoutMs = opts.timeoutMs ?? 2000;
  const from = pair.probeFrom;
  if (from.kind === 'none') return null;
  if (from.kind === 'local') {
    const once = (vip: string) => probeVip(vip, pair.health, timeoutMs);
    const probes = Object.fromEntries(
      await Promise.all(
        vips.map(async (vip) => {
          const first = await once(vip);
          if (first.ok || !opts.retry) return [vip, first] as const;
          await sleep(500);
          return [vip, await once(vip)] as const;
        }),
      ),
    );
    return { from: null, probes };
  }
  const name = from.host;
  let host: Host;
  try {
    host = await connect(name);
  } catch (e) {
    return {
      from: name,
      probes: {},
      warning: `cannot reach probe host ${name} (${(e as Error).message}): the user's path was not asked; the nodes' own answer decides`,
    };
  }
  const ask = async (which: readonly string[]) => {
    const r = await host.exec(remoteProbeScript(which, pair.health, timeoutMs), {
      root: false,
      timeoutMs: 10_000 + which.length * timeoutMs,
    });
    const parsed = parseRemoteProbe(r.stdout, pair.health, name, timeoutMs);
    // Only the VIPs asked, each with an answer: a script cut short still says something per VIP.
    const probes: Record<string, ClientProbe> = {};
    for (const vip of which)
      probes[vip] = parsed.probes[vip] ?? {
        url: `http://${urlHost(vip)}:${pair.health.port}${pair.health.path}`,
        ok: false,
        node: null,
        ms: r.durationMs,
        from: name,
        failure: 'other',
        error: `the probe host's script gave no answer for it (exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]!.slice(0, 200)}` : ''})`,
      };
    return { tool: parsed.tool, probes };
  };
  try {
    const first = await ask(vips);
    if (first.tool === 'none')
      return {
        from: name,
        probes: {},
        warning: `probe host ${name} has neither curl nor wget: the user's path was not asked (install curl there); the nodes' own answer decides`,
      };
    const failed = vips.filter((v) => !first.probes[v]?.ok);
    if (!opts.retry || failed.length === 0) return { from: name, probes: first.probes };
    await sleep(500);
    const again = await ask(failed);
    return { from: name, probes: { ...first.probes, ...again.probes } };
  } catch (e) {
    return {
      from: name,
      probes: {},
      warning: `probe host ${name} could not ask the VIPs (${(e as Error).message}); the nodes' own answer decides`,
    };
  }
}

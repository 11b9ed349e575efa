// `haops status`: per pair and instance, who holds the VIP, keepalived's state and effective
// priority, nginx running or not, and whether HTTP through the VIP answers. One exec per node.
import { serviceActive } from '../platforms/services.js';
import type { Model, PairModel } from '../model/derive.js';
import { vipAddress } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import { holderProblem, parseVipProbe, sightOf, vipProbeScript, VIP_MARK } from '../runner/vip.js';

export interface NodeStatus {
  host: string;
  reachable: boolean;
  error?: string;
  keepalived: boolean;
  nginx: boolean;
  addresses: string[];
  /** Per instance: state and effective priority as keepalived last reported them. */
  instances: Record<string, { state: string | null; priority: number | null }>;
  http: Record<string, string | null>;
  /** haops drain: the node holds no VIP on purpose until undrained. */
  drained?: boolean;
}

export interface InstanceStatus {
  pair: string;
  instance: string;
  vip: string;
  master: string;
  holders: string[];
  servedBy: string | null;
  verdict: 'ok' | 'outage' | 'split brain' | 'unknown' | 'degraded';
  problem?: string;
}

export interface PairStatus {
  pair: string;
  nodes: NodeStatus[];
  instances: InstanceStatus[];
  ok: boolean;
}

export const STATUS_MARK = '@@haops-status@@';

/** keepalived writes its state on SIGUSR1 to /tmp/keepalived.data (or its own private /tmp). */
export function statusScript(pair: PairModel): string {
  const active = (svc: string) => `${serviceActive(svc)} && echo 'svc ${svc} up' || echo 'svc ${svc} down'`;
  return (
    [
      `echo ${STATUS_MARK}`,
      active('keepalived'),
      active('nginx'),
      // The notify log's last line per instance holds the state and priority of the last transition.
      ...pair.instances.map(
        (i) => `grep -h 'instance=${i.spec.name} ' ${pair.spec.notify.log} 2>/dev/null | tail -n 1 | sed 's/^/notify /'`,
      ),
      // keepalived's own view: SIGUSR1 dumps the running state, with the effective priority.
      `p=$(cat /run/keepalived.pid /var/run/keepalived.pid 2>/dev/null | head -n 1); if [ -n "$p" ]; then rm -f /tmp/keepalived.data; kill -USR1 "$p" 2>/dev/null; sleep 0.3; f=/tmp/keepalived.data; [ -s "$f" ] || f=$(ls /tmp/systemd-private-*-keepalived.service-*/tmp/keepalived.data 2>/dev/null | head -n 1); [ -n "$f" ] && grep -E "VRRP Instance = |State = |Effective priority = " "$f" | sed 's/^ */data /'; fi`,
      vipProbeScript(pair),
    ].join('\n') + '\n'
  );
}

export function parseStatus(host: string, pair: PairModel, stdout: string): NodeStatus {
  const at = stdout.indexOf(STATUS_MARK);
  const text = at >= 0 ? stdout.slice(at) : stdout;
  const vipAt = text.indexOf(VIP_MARK);
  const probe = parseVipProbe(vipAt >= 0 ? text.slice(vipAt + VIP_MARK.length) : '');
  const node: NodeStatus = {
    host,
    reachable: true,
    keepalived: /svc keepalived up/.test(text),
    nginx: /svc nginx up/.test(text),
    addresses: probe.addresses,
    instances: {},
    http: probe.http,
    ...(probe.drained ? { drained: true } : {}),
  };
  for (const i of pair.instances) node.instances[i.spec.name] = { state: null, priority: null };
  // The dump lists each instance, its State, then its Effective priority; interfaces follow
  // with State lines of their own, so each instance takes only its first State.
  let current: string | null = null;
  let stateSeen = false;
  for (const line of text.split('\n')) {
    const n = /^notify .*instance=(\S+) state=(\S+) priority=(\d+)/.exec(line);
    if (n && node.instances[n[1]!]) node.instances[n[1]!] = { state: n[2]!, priority: Number(n[3]) };
    const d = /^data (VRRP Instance|State|Effective priority) = (\S+)/.exec(line);
    if (d?.[1] === 'VRRP Instance') {
      current = d[2]!;
      stateSeen = false;
    } else if (d && current && node.instances[current]) {
      if (d[1] === 'State' && !stateSeen) {
        node.instances[current]!.state = d[2]!.replace(/,$/, '');
        stateSeen = true;
      } else if (d[1] === 'Effective priority') {
        node.instances[current]!.priority = Number(d[2]);
        current = null;
      }
    }
  }
  if (!node.keepalived) for (const k of Object.keys(node.instances)) node.instances[k] = { state: 'STOPPED', priority: null };
  return node;
}

export function judgePair(pair: PairModel, nodes: NodeStatus[]): PairStatus {
  const instances = pair.instances.map((i): InstanceStatus => {
    const vip = vipAddress(i.spec.vip);
    const sight = sightOf(pair.nodes, vip, Object.fromEntries(nodes.map((n) => [n.host, n.reachable ? n : null])));
    const { holders, servedBy } = sight;
    const base = { pair: pair.name, instance: i.spec.name, vip, master: i.master, holders, servedBy };
    const trouble = holderProblem(vip, pair.nodes, sight);
    if (trouble) return { ...base, ...trouble };
    const holder = nodes.find((n) => n.host === holders[0])!;
    if (!holder.nginx) return { ...base, verdict: 'degraded', problem: `${holder.host} holds ${vip} but nginx is not running there` };
    if (!servedBy) return { ...base, verdict: 'degraded', problem: `HTTP through ${vip}:${pair.spec.nginx.listen} does not answer` };
    const down = nodes.filter((n) => !n.reachable || !n.keepalived || !n.nginx).map((n) => n.host);
    if (down.length)
      return { ...base, verdict: 'degraded', problem: `no standby: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} not healthy` };
    return { ...base, verdict: 'ok' };
  });
  return { pair: pair.name, nodes, instances, ok: instances.every((i) => i.verdict === 'ok') };
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

export async function pairStatus(pair: PairModel, connect: (name: string) => Promise<Host>): Promise<PairStatus> {
  const nodes = await Promise.all(
    pair.nodes.map(async (n) => {
      try {
        return await nodeStatus(await connect(n), n, pair);
      } catch (e) {
        return nodeStatus(null, n, pair, (e as Error).message);
      }
    }),
  );
  return judgePair(pair, nodes);
}

export function formatStatus(pairs: PairStatus[]): string {
  const out: string[] = [];
  for (const p of pairs) {
    out.push(`pair ${p.pair}: ${p.ok ? 'healthy' : 'UNHEALTHY'}`);
    for (const n of p.nodes) {
      if (!n.reachable) {
        out.push(`  ${n.host}: UNREACHABLE (${n.error ?? 'no answer'})`);
        continue;
      }
      const inst = Object.entries(n.instances)
        .map(([k, v]) => `${k} ${v.state ?? '?'}${v.priority !== null ? ` prio ${v.priority}` : ''}`)
        .join(', ');
      out.push(
        `  ${n.host}: ${n.drained ? 'DRAINED (holds no VIP until `haops undrain`), ' : ''}keepalived ${n.keepalived ? 'running' : 'STOPPED'}, nginx ${n.nginx ? 'running' : 'STOPPED'}; ${inst}`,
      );
    }
    for (const i of p.instances) {
      out.push(
        `  ${i.instance}: VIP ${i.vip} on ${i.holders.join(' and ') || 'nobody'}${i.servedBy ? `, HTTP answered by ${i.servedBy}` : ''}: ${i.verdict === 'ok' ? 'ok' : i.problem}`,
      );
    }
  }
  return out.join('\n');
}

export async function fleetStatus(model: Model, connect: (name: string) => Promise<Host>): Promise<PairStatus[]> {
  return Promise.all(model.pairs.map((p) => pairStatus(p, connect)));
}

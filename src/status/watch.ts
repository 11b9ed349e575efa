// `status --watch`: after the first full reading, one line per change as it is seen (a VIP moving,
// a state, a service, an upstream, a verdict), so the terminal or a log shows what happened when.
import type { PairStatus } from './status.js';

/** Facts worth a line when they change, keyed so that two readings can be compared. */
function facts(p: PairStatus): Map<string, string> {
  const f = new Map<string, string>();
  f.set(`pair ${p.pair}`, p.ok ? 'healthy' : 'UNHEALTHY');
  for (const n of p.nodes) {
    f.set(`${n.host} reachable`, n.reachable ? 'yes' : `no (${n.error ?? 'no answer'})`);
    if (!n.reachable) continue;
    f.set(`${n.host} keepalived`, n.keepalived ? 'running' : 'STOPPED');
    f.set(`${n.host} nginx`, n.nginx ? 'running' : 'STOPPED');
    for (const [i, st] of Object.entries(n.instances))
      f.set(`${n.host} ${i}`, `${st.state ?? '?'}${st.priority !== null ? ` prio ${st.priority}` : ''}`);
    for (const u of n.upstreams ?? []) f.set(`${n.host} upstream ${u.upstream} ${u.server}`, u.up ? 'up' : `DOWN (${u.error ?? 'down'})`);
    if (n.check && n.check.ok !== null) f.set(`${n.host} check ${n.check.name}`, n.check.ok ? 'passes' : 'FAILS');
  }
  for (const i of p.instances) {
    // Each VIP its own line: a VIP moving without the others shows.
    for (const v of i.vips?.length ? i.vips : [{ vip: i.vip, holders: i.holders }])
      f.set(`VIP ${v.vip} holder`, v.holders.join(' and ') || 'nobody');
    if (i.client)
      f.set(
        `VIP ${i.vip} from ${i.client.from ? `probe host ${i.client.from}` : 'here'}`,
        i.client.ok ? `ok (${i.client.node ?? '?'})` : `FAILS (${i.client.error ?? i.client.failure ?? 'no answer'})`,
      );
    f.set(`${i.instance} verdict`, i.verdict === 'ok' ? 'ok' : `${i.verdict}: ${i.problem ?? ''}`);
  }
  return f;
}

/** One line per fact that changed between two readings: "node1 VI_1: MASTER prio 202 -> BACKUP prio 200". */
export function statusChanges(before: PairStatus[], after: PairStatus[]): string[] {
  const out: string[] = [];
  const prev = new Map(before.map((p) => [p.pair, facts(p)]));
  for (const p of after) {
    const old = prev.get(p.pair);
    const now = facts(p);
    for (const [k, v] of now) {
      const was = old?.get(k);
      if (was !== v) out.push(`${p.pair}: ${k}: ${was === undefined ? '' : `${was} -> `}${v}`);
    }
    for (const [k, v] of old ?? []) if (!now.has(k)) out.push(`${p.pair}: ${k}: ${v} -> gone`);
  }
  return out;
}

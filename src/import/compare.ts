// Does a new keepalived.conf make VRRP behave differently from the live one? Both are read with
// the same parser and compared item by item (VIPs, VRIDs, priorities, authentication, peers,
// preemption, advert interval). Passwords are compared, never shown. Pure.
import { parseKeepalivedConf } from './keepalived-conf.js';
import { keepalivedModel, type KaInstance, type KaModel } from './keepalived-model.js';

export interface BehaviourItem {
  item: 'VIPs' | 'VRIDs' | 'priorities' | 'authentication' | 'peers' | 'preemption' | 'advert interval';
  same: boolean;
  /** What differs, in words: "VRID 51: 200 → 199". */
  detail?: string;
}

export interface Behaviour {
  same: boolean;
  items: BehaviourItem[];
}

/** A config's text alone (no includes): what deploy is about to write. */
export function modelOfText(text: string, path = '/etc/keepalived/keepalived.conf'): KaModel {
  return keepalivedModel(parseKeepalivedConf(path, new Map([[path, text]])));
}

const vipKey = (i: KaInstance) =>
  i.vips
    .map((v) => `${v.address}/${v.prefix ?? 32}${v.dev && v.dev !== i.interface ? ` dev ${v.dev}` : ''}`)
    .sort()
    .join(', ');

function effectiveWeight(m: KaModel, i: KaInstance): number {
  return i.trackScripts.reduce((n, t) => n + (t.weight ?? m.scripts[t.name]?.weight ?? 0), 0);
}

export function compareBehaviour(live: KaModel, next: KaModel): Behaviour {
  const byVrid = (m: KaModel) => new Map(m.instances.filter((i) => i.vrid !== undefined).map((i) => [i.vrid!, i]));
  const a = byVrid(live);
  const b = byVrid(next);
  const items: BehaviourItem[] = [];
  const vrids = (m: Map<number, KaInstance>) => [...m.keys()].sort((x, y) => x - y).join(', ') || 'none';
  items.push(vrids(a) === vrids(b) ? { item: 'VRIDs', same: true } : { item: 'VRIDs', same: false, detail: `${vrids(a)} → ${vrids(b)}` });
  const both = [...a.keys()].filter((v) => b.has(v)).sort((x, y) => x - y);
  const per = (item: BehaviourItem['item'], show: (m: KaModel, i: KaInstance) => string) => {
    const diffs = both.flatMap((v) => {
      const [x, y] = [show(live, a.get(v)!), show(next, b.get(v)!)];
      return x === y ? [] : [`VRID ${v}: ${x} → ${y}`];
    });
    items.push(diffs.length ? { item, same: false, detail: diffs.join('; ') } : { item, same: true });
  };
  per('VIPs', (_, i) => vipKey(i) || 'none');
  per('priorities', (m, i) => {
    const w = effectiveWeight(m, i);
    return `${i.state ?? 'BACKUP'} ${i.priority}${w ? ` (check weight ${w > 0 ? '+' : ''}${w})` : ''}`;
  });
  per('authentication', (_, i) => (i.auth ? i.auth.type : 'none'));
  // The password itself: only whether it changed.
  const pw = both.filter((v) => (a.get(v)!.auth?.password ?? '').slice(0, 8) !== (b.get(v)!.auth?.password ?? '').slice(0, 8));
  if (pw.length) {
    const auth = items.find((x) => x.item === 'authentication')!;
    auth.same = false;
    auth.detail = [auth.detail, ...pw.map((v) => `VRID ${v}: the password changes`)].filter(Boolean).join('; ');
  }
  per('peers', (_, i) => `${i.unicastSrcIp ?? 'multicast'} → ${[...i.unicastPeers].sort().join(' ') || 'multicast'}`);
  per('preemption', (_, i) => (i.nopreempt ? 'nopreempt' : 'preempt'));
  per('advert interval', (_, i) => `${i.advertInt ?? 1} s`);
  return { same: items.every((i) => i.same), items };
}

/** One line per pair or node: "VRRP behaviour: same", else each item that differs. */
export function describeBehaviour(b: Behaviour): string {
  if (b.same) return 'VRRP behaviour: same (VIPs, VRIDs, priorities, authentication, peers, preemption, advert interval)';
  return `VRRP behaviour changes: ${b.items
    .filter((i) => !i.same)
    .map((i) => `${i.item}: ${i.detail}`)
    .join('; ')}`;
}

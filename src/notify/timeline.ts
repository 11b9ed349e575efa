// For the drill report: which notifications each node sent while the VIP moved, how long after
// the move each one arrived, and which configured channels said nothing. Pure.
import type { ChannelName, NotificationEvent, RefusedSender } from './collector.js';

export interface VipMove {
  vip: string;
  /** The node that held the VIP before (null: nobody did). */
  from: string | null;
  to: string;
  /** Local clock (Date.now()) when the VIP was seen on `to`. */
  arrivedAt: number;
  /** Local clock when the VIP left `from`, when that was seen. */
  goneAt?: number;
}

export interface TimelineInput {
  events: readonly NotificationEvent[];
  moves: readonly VipMove[];
  /** Per node, the channels to expect (those haops could observe: see observableChannels()). */
  channels: Record<string, readonly ChannelName[]>;
  /** The drill's window; events outside it are ignored. Default: every event. */
  startedAt?: number;
  endedAt?: number;
  /** How far around a move a notification still belongs to it. Default 30 s before, 60 s after. */
  beforeMs?: number;
  afterMs?: number;
}

export interface TimelineEntry {
  host: string;
  channel: ChannelName;
  source: 'keepalived' | 'haops' | 'other';
  instance?: string;
  state?: string;
  receivedAt: number;
  /** The move this notification belongs to (the nearest one involving its node). */
  move: VipMove | null;
  /** receivedAt − move.arrivedAt: negative when it came before the VIP arrived (the old holder letting go). */
  delayMs: number | null;
}

export interface NodeTimeline {
  host: string;
  notifications: TimelineEntry[];
  /** Expected channels that sent nothing for this node during the whole drill. */
  silent: ChannelName[];
  /** Per move involving this node: the expected channels that sent nothing for it. */
  missed: { move: VipMove; channels: ChannelName[] }[];
}

export interface NotifyTimeline {
  nodes: NodeTimeline[];
  /** Events from hosts that are not in `channels` (another pair, a stray sender). */
  unmatched: NotificationEvent[];
  /** Refused by the collector (not a node of the pair, or without the run's token): never counted. */
  refused?: RefusedSender[];
}

/** An SMS carries only text: its state is the one keepalived word in it, its instance the word before "is now" (default template). */
function smsFields(text: string): { instance?: string; state?: string } {
  const state = /\b(MASTER|BACKUP|FAULT|STOP|DELETED)\b/.exec(text)?.[1];
  const instance = /(\S+) is now \S+/.exec(text)?.[1];
  return { ...(instance ? { instance } : {}), ...(state ? { state } : {}) };
}

function sourceOf(e: NotificationEvent): TimelineEntry['source'] {
  return e.channel === 'email' ? e.source : 'haops';
}

/** Events name the node by inventory host (webhook, haops mail) or by router_id (keepalived mail). */
function hostOf(e: NotificationEvent, hosts: readonly string[]): string | null {
  if (e.host && hosts.includes(e.host)) return e.host;
  if (e.channel === 'sms') {
    // An SMS carries no host field: look for a host name in the text (the default template has it).
    const named = hosts.find((h) =>
      new RegExp(`(^|[^A-Za-z0-9_.-])${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_.-]|$)`).test(e.text),
    );
    return named ?? null;
  }
  return null;
}

export function notifyTimeline(input: TimelineInput): NotifyTimeline {
  const before = input.beforeMs ?? 30_000;
  const after = input.afterMs ?? 60_000;
  const hosts = Object.keys(input.channels);
  const inWindow = (t: number) =>
    (input.startedAt === undefined || t >= input.startedAt) && (input.endedAt === undefined || t <= input.endedAt);
  const moves = [...input.moves].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const involves = (m: VipMove, h: string) => m.to === h || m.from === h;
  const nearest = (h: string, t: number): VipMove | null => {
    let best: VipMove | null = null;
    for (const m of moves) {
      if (!involves(m, h)) continue;
      const d = t - m.arrivedAt;
      if (d < -before || d > after) continue;
      if (!best || Math.abs(d) < Math.abs(t - best.arrivedAt)) best = m;
    }
    return best;
  };

  const byHost = new Map<string, TimelineEntry[]>(hosts.map((h) => [h, []]));
  const unmatched: NotificationEvent[] = [];
  for (const e of [...input.events].sort((a, b) => a.receivedAt - b.receivedAt)) {
    if (e.test || !inWindow(e.receivedAt)) continue;
    const host = hostOf(e, hosts);
    if (!host) {
      unmatched.push(e);
      continue;
    }
    const move = nearest(host, e.receivedAt);
    const sms = e.channel === 'sms' ? smsFields(e.text) : {};
    byHost.get(host)!.push({
      host,
      channel: e.channel,
      source: sourceOf(e),
      instance: e.instance ?? sms.instance,
      state: e.state ?? sms.state,
      receivedAt: e.receivedAt,
      move,
      delayMs: move ? e.receivedAt - move.arrivedAt : null,
    });
  }

  const nodes: NodeTimeline[] = hosts.map((host) => {
    const notifications = byHost.get(host)!;
    const expected = input.channels[host]!.filter((c) => c !== 'log');
    const silent = expected.filter((c) => !notifications.some((n) => n.channel === c));
    const missed = moves
      .filter((m) => involves(m, host))
      .map((move) => ({ move, channels: expected.filter((c) => !notifications.some((n) => n.channel === c && n.move === move)) }))
      .filter((x) => x.channels.length > 0);
    return { host, notifications, silent, missed };
  });
  return { nodes, unmatched };
}

const sec = (ms: number) => `${(Math.abs(ms) / 1000).toFixed(2)} s`;

/** What a notification came after: the VIP arriving, or (sent before that) the VIP leaving the old holder, or the fault. */
function relativeTo(e: TimelineEntry, faultAt: number | undefined): string {
  const m = e.move;
  if (m && e.receivedAt >= m.arrivedAt) return `${sec(e.receivedAt - m.arrivedAt)} after the VIP arrived on ${m.to}`;
  if (m && m.goneAt !== undefined && m.from && e.receivedAt >= m.goneAt)
    return `${sec(e.receivedAt - m.goneAt)} after the VIP left ${m.from}, ${sec(m.arrivedAt - e.receivedAt)} before it arrived on ${m.to}`;
  if (m)
    return `${sec(m.arrivedAt - e.receivedAt)} before the VIP arrived on ${m.to}${m.from ? ` (when it left ${m.from} was not seen)` : ''}`;
  return faultAt !== undefined && e.receivedAt >= faultAt
    ? `${sec(e.receivedAt - faultAt)} after the fault, no VIP move near it`
    : 'no VIP move near it';
}

/**
 * Every notification of the round in time order, one line each: when it arrived (after the fault,
 * when known), which node and channel, what it said, and what it came after.
 */
export function formatTimeline(t: NotifyTimeline, opts: { faultAt?: number } = {}): string {
  const out: string[] = [];
  const all = t.nodes.flatMap((n) => n.notifications).sort((a, b) => a.receivedAt - b.receivedAt);
  const hostW = Math.max(0, ...all.map((e) => e.host.length));
  for (const e of all) {
    const when =
      opts.faultAt !== undefined
        ? `${`${e.receivedAt >= opts.faultAt ? '+' : '−'}${sec(e.receivedAt - opts.faultAt)}`.padStart(8)} after the fault  `
        : '';
    const channel = `${e.channel}${e.source === 'keepalived' ? ' (keepalived)' : ''}`;
    const what = [e.instance, e.state].filter(Boolean).join(' ') || '(state not given)';
    out.push(`${when}${e.host.padEnd(hostW)}  ${channel.padEnd(20)} ${what.padEnd(16)} ${relativeTo(e, opts.faultAt)}`);
  }
  if (!all.length) out.push('no notification arrived');
  for (const n of t.nodes) {
    if (n.silent.length > 0) out.push(`${n.host}: silent on ${n.silent.join(', ')}`);
    for (const m of n.missed) {
      if (m.channels.length === n.silent.length && m.channels.every((c) => n.silent.includes(c))) continue;
      out.push(`${n.host}: nothing on ${m.channels.join(', ')} for the move ${m.move.from ?? '-'} → ${m.move.to}`);
    }
  }
  if (t.unmatched.length > 0) out.push(`${t.unmatched.length} notification(s) from hosts outside this drill`);
  if (t.refused?.length) {
    const senders = [...new Set(t.refused.map((x) => `${x.from} (${x.reason})`))].slice(0, 5).join(', ');
    out.push(`refused ${t.refused.length} notification(s), not counted: ${senders}`);
  }
  return out.join('\n');
}

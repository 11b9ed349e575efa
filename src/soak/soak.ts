// `haops soak`: watch a pair that nobody touches and count every VRRP transition, VIP move and
// notification; on an idle pair each one is unplanned (a flapping profile is worse than a slow one).
import type { NodeModel, PairModel } from '../model/derive.js';
import type { Host, StreamHandle } from '../ssh/host.js';
import { parseMonitorLine } from '../measure/clock.js';
import { bind } from '../protocol/script.js';
import { ADDRESS_MONITOR, KEEPALIVED_LOG_FOLLOW, NOTIFY_LOG_FOLLOW } from '../protocol/watch.js';

export type SoakEventKind = 'transition' | 'vip' | 'notification' | 'timer';

export interface SoakEvent {
  node: string;
  kind: SoakEventKind;
  at: string;
  line: string;
}

export interface SoakReport {
  ok: boolean;
  pair: string;
  seconds: number;
  /** Per node: VRRP state changes, VIP adds/deletes, notify-script lines, keepalived's late-timer warnings. */
  counts: Record<string, Record<SoakEventKind, number>>;
  events: SoakEvent[];
  load: { before: string | null; after: string | null };
  problems: string[];
}

/** A keepalived log line that is a state change of an instance ("(VI_1) Entering MASTER STATE", "entering FAULT state"). */
export function transitionOf(line: string): string | null {
  const m = /\(([^)]+)\) (?:Entering|entering) (MASTER|BACKUP|FAULT) (?:STATE|state)/.exec(line);
  return m ? `${m[1]} ${m[2]}` : null;
}

/** keepalived's own word that its timers ran late: the first sign of a host too busy for the advert_int. */
export function isLateTimer(line: string): boolean {
  return /thread timer expired|scheduling delayed|timer.*expired.*late|Delay detected/i.test(line);
}

export class Soak {
  private streams: StreamHandle[] = [];
  readonly events: SoakEvent[] = [];

  constructor(
    private readonly pair: PairModel,
    private readonly nodes: NodeModel[],
    private readonly hosts: Record<string, Host>,
    private readonly log: (s: string) => void = () => {},
  ) {}

  private push(node: string, kind: SoakEventKind, line: string, at: number): void {
    const e = { node, kind, at: new Date(at).toISOString(), line: line.trim() };
    this.events.push(e);
    this.log(`${e.at} ${node} ${kind}: ${e.line}`);
  }

  async start(): Promise<void> {
    const vips = this.pair.instances.flatMap((i) => i.vips.map((v) => v.address));
    for (const name of this.pair.nodes) {
      const host = this.hosts[name]!;
      const notifyLog = this.nodes.find((n) => n.host === name)?.notify.log;
      this.streams.push(
        await host.stream(bind(KEEPALIVED_LOG_FOLLOW, {}), (line, at) => {
          if (!/keepalived/i.test(line)) return;
          if (transitionOf(line)) this.push(name, 'transition', line, at);
          else if (isLateTimer(line)) this.push(name, 'timer', line, at);
        }),
        await host.stream(bind(ADDRESS_MONITOR, {}), (line, at) => {
          if (vips.some((v) => parseMonitorLine(line, v))) this.push(name, 'vip', line, at);
        }),
      );
      if (notifyLog)
        this.streams.push(
          await host.stream(
            bind(NOTIFY_LOG_FOLLOW, { LOG: notifyLog }),
            // One line per notification in the rendered notify script's words; channel results are not counted.
            (line, at) => /state transition: notify/.test(line) && this.push(name, 'notification', line, at),
          ),
        );
    }
  }

  stop(): void {
    for (const s of this.streams) s.stop();
    this.streams = [];
  }

  report(seconds: number, load: SoakReport['load']): SoakReport {
    const counts: SoakReport['counts'] = {};
    for (const n of this.pair.nodes) counts[n] = { transition: 0, vip: 0, notification: 0, timer: 0 };
    for (const e of this.events) counts[e.node]![e.kind]++;
    const problems: string[] = [];
    for (const [n, c] of Object.entries(counts)) {
      if (c.transition) problems.push(`${n}: ${c.transition} unplanned VRRP transition${c.transition > 1 ? 's' : ''}`);
      if (c.vip) problems.push(`${n}: ${c.vip} unplanned VIP change${c.vip > 1 ? 's' : ''}`);
      if (c.notification) problems.push(`${n}: ${c.notification} notification${c.notification > 1 ? 's' : ''} sent`);
    }
    return { ok: problems.length === 0, pair: this.pair.name, seconds, counts, events: this.events, load, problems };
  }
}

export function formatSoak(r: SoakReport): string {
  const lines = [`soak: pair ${r.pair}, ${Math.round(r.seconds)} s idle (load ${r.load.before ?? '?'} -> ${r.load.after ?? '?'})`];
  for (const [n, c] of Object.entries(r.counts))
    lines.push(
      `  ${n}: ${c.transition} transitions, ${c.vip} VIP changes, ${c.notification} notifications, ${c.timer} late-timer warnings`,
    );
  for (const e of r.events) lines.push(`  ${e.at} ${e.node} ${e.kind}: ${e.line}`);
  for (const p of r.problems) lines.push(`  PROBLEM: ${p}`);
  lines.push(r.ok ? 'soak passed: no unplanned transition' : 'soak FAILED: the pair moved while nobody touched it');
  return lines.join('\n');
}

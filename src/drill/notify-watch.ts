// During a drill, haops listens itself on the webhook and SMTP endpoints that point at this
// machine, so the report can say which notifications each node sent and which channels stayed silent.
import type { NodeModel } from '../model/derive.js';
import { startCollectors, type Collector, type NotificationEvent } from '../notify/collector.js';
import { endpointKey, observableChannels, watchableChannels } from '../notify/channels.js';
import { localAddresses } from '../notify/notify-test.js';
import { notifyTimeline, type NotifyTimeline, type VipMove } from '../notify/timeline.js';

export class NotifyWatch {
  private constructor(
    private readonly nodes: NodeModel[],
    private readonly collectors: Collector[],
    private readonly local: string[],
    readonly problems: string[],
  ) {}

  static async start(nodes: NodeModel[]): Promise<NotifyWatch> {
    const local = localAddresses();
    const wanted = new Map<string, { webhook?: { host: string; port: number }; smtp?: { host: string; port: number } }>();
    for (const n of nodes) {
      for (const w of watchableChannels(n, local)) {
        if (!w.listen) continue;
        const key = `${w.kind} ${endpointKey(w.listen)}`;
        wanted.set(key, w.kind === 'smtp' ? { smtp: w.listen } : { webhook: w.listen });
      }
    }
    const collectors: Collector[] = [];
    const problems: string[] = [];
    for (const [key, opts] of wanted) {
      try {
        collectors.push(await startCollectors(opts));
      } catch (e) {
        problems.push(`cannot listen for notifications on ${key}: ${(e as Error).message}`);
      }
    }
    return new NotifyWatch(nodes, collectors, local, problems);
  }

  get events(): NotificationEvent[] {
    return this.collectors.flatMap((c) => c.events).sort((a, b) => a.receivedAt - b.receivedAt);
  }

  /** Whether anything is being watched at all. */
  get watching(): boolean {
    return this.collectors.length > 0;
  }

  timeline(moves: VipMove[], startedAt: number, endedAt: number): NotifyTimeline {
    const channels = Object.fromEntries(this.nodes.map((n) => [n.host, observableChannels(n, this.local)]));
    return notifyTimeline({ events: this.events.filter((e) => !e.test), moves, channels, startedAt, endedAt });
  }

  async stop(): Promise<void> {
    await Promise.all(this.collectors.map((c) => c.stop().catch(() => undefined)));
  }
}

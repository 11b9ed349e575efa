// During a drill, haops listens itself on the webhook and SMTP endpoints that point at this
// machine, so the report can say which notifications each node sent and which channels stayed silent.
import type { NodeModel } from '../model/derive.js';
import type { Collector, NotificationEvent } from '../notify/collector.js';
import { observableChannels } from '../notify/channels.js';
import { listenForNodes, localAddresses } from '../notify/listen.js';
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
    const listening = await listenForNodes(nodes, local);
    const problems = listening.listeners
      .filter((l) => l.error)
      .map((l) => `cannot listen for notifications on ${l.kind} ${l.endpoint}: ${l.error}`);
    return new NotifyWatch(nodes, [...listening.collectors.values()], local, problems);
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

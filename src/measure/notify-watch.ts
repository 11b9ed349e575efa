// During a drill, haops listens itself on the webhook and SMTP endpoints that point at this
// machine, so the report can say which notifications each node sent and which channels stayed silent.
// Only the pair's nodes are heard, and only with the drill's token: keepalived runs the notify
// script, so the token reaches it as a root-only file on each node, removed when the drill ends.
import type { NodeModel } from '../model/derive.js';
import type { Collector, NotificationEvent, RefusedSender } from '../notify/collector.js';
import { observableChannels } from '../notify/channels.js';
import { listenForNodes, localAddresses, newRunToken, nodeAddresses } from '../notify/listen.js';
import { notifyTimeline, type NotifyTimeline, type VipMove } from '../notify/timeline.js';
import { NOTIFY_TOKEN_FILE } from '../render/notify.js';
import type { Host } from '../ssh/host.js';
import { bind } from '../protocol/script.js';
import { REMOVE_NOTIFY_TOKEN, WRITE_NOTIFY_TOKEN } from '../protocol/watch.js';

/** Writes the token (read from stdin) where the notify script looks for it: a root-only directory under /run. */
export const writeTokenCommand = bind(WRITE_NOTIFY_TOKEN, { TOKEN_FILE: NOTIFY_TOKEN_FILE });

export const removeTokenCommand = bind(REMOVE_NOTIFY_TOKEN, { TOKEN_FILE: NOTIFY_TOKEN_FILE });

export class NotifyWatch {
  private constructor(
    private readonly nodes: NodeModel[],
    private readonly collectors: Collector[],
    private readonly local: string[],
    readonly problems: string[],
    private readonly hosts: Host[],
  ) {}

  static async start(nodes: NodeModel[], hosts: Record<string, Host> = {}): Promise<NotifyWatch> {
    const local = localAddresses();
    const token = newRunToken();
    const listening = await listenForNodes(nodes, local, undefined, { allowFrom: nodeAddresses(nodes), token });
    const problems = listening.listeners
      .filter((l) => l.error)
      .map((l) => `cannot listen for notifications on ${l.kind} ${l.endpoint}: ${l.error}`);
    const reached: Host[] = [];
    if (listening.collectors.size > 0) {
      for (const n of nodes) {
        const h = hosts[n.host];
        if (!h) continue;
        const r = await h
          .exec(writeTokenCommand, { stdin: `${token}\n`, timeoutMs: 15_000 })
          .catch((e: Error) => ({ code: -1, stderr: e.message }));
        if (r.code === 0) reached.push(h);
        else
          problems.push(
            `${n.host}: cannot leave the drill's token in ${NOTIFY_TOKEN_FILE} (${r.stderr.trim() || `exit ${r.code}`}): its notifications will not count`,
          );
      }
    }
    return new NotifyWatch(nodes, [...listening.collectors.values()], local, problems, reached);
  }

  get events(): NotificationEvent[] {
    return this.collectors.flatMap((c) => c.events).sort((a, b) => a.receivedAt - b.receivedAt);
  }

  /** Notifications refused (not a node of the pair, or without the drill's token). */
  get refused(): RefusedSender[] {
    return this.collectors.flatMap((c) => c.refused).sort((a, b) => a.at - b.at);
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
    await Promise.all(this.hosts.map((h) => h.exec(removeTokenCommand, { timeoutMs: 15_000 }).catch(() => undefined)));
  }
}

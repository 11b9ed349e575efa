// haops listening for the notifications its nodes send to this machine: one collector per
// distinct webhook or SMTP address of ours that some node's channels point at. Used by
// notify-test and by the drill.
import { networkInterfaces } from 'node:os';
import type { NodeModel } from '../model/derive.js';
import { endpointKey, watchableChannels, type Watchable } from './channels.js';
import { startCollectors, type Collector } from './collector.js';

export interface Listener {
  endpoint: string;
  kind: Watchable['kind'];
  error?: string;
  hint?: string;
}

export interface Listening {
  /** By `KIND HOST:PORT` (see listenKey). */
  collectors: Map<string, Collector>;
  /** Every address tried, with why it could not be listened on. */
  listeners: Listener[];
  stop(): Promise<void>;
}

/** This machine's own addresses: a channel pointing at one of them can be listened on here. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.address);
}

export const listenKey = (w: Watchable): string => `${w.kind} ${endpointKey(w.listen!)}`;

export async function listenForNodes(
  nodes: Pick<NodeModel, 'notify'>[],
  local: string[],
  log: (s: string) => void = () => undefined,
): Promise<Listening> {
  const wanted = new Map<string, Watchable>();
  for (const n of nodes) for (const w of watchableChannels(n, local)) if (w.listen) wanted.set(listenKey(w), w);
  const collectors = new Map<string, Collector>();
  const listeners: Listener[] = [];
  await Promise.all(
    [...wanted.entries()].map(async ([key, w]) => {
      const endpoint = endpointKey(w.listen!);
      try {
        collectors.set(key, await startCollectors(w.kind === 'http' ? { webhook: w.listen! } : { smtp: w.listen! }));
        listeners.push({ endpoint, kind: w.kind });
        log(`listening for ${w.kind === 'http' ? 'HTTP' : 'SMTP'} on ${endpoint}`);
      } catch (err) {
        const e = err as Error & { hint?: string };
        listeners.push({ endpoint, kind: w.kind, error: e.message, ...(e.hint ? { hint: e.hint } : {}) });
      }
    }),
  );
  const stop = async () => {
    await Promise.all([...collectors.values()].map((c) => c.stop().catch(() => undefined)));
  };
  return { collectors, listeners, stop };
}

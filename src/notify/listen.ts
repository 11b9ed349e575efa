// haops listening for the notifications its nodes send to this machine: one collector per
// distinct webhook or SMTP address of ours that some node's channels point at. Used by
// notify-test and by the drill.
import { networkInterfaces } from 'node:os';
import type { NodeModel } from '../model/derive.js';
import { endpointKey, watchableChannels, type Watchable } from './channels.js';
import { randomBytes } from 'node:crypto';
import { startCollectors, type Collector, type RefusedSender } from './collector.js';

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
  /** Every notification refused so far, by any collector (wrong sender or token). */
  refused(): RefusedSender[];
  stop(): Promise<void>;
}

/** What makes a notification count: who may send it, and the run's token it must carry. */
export interface Trust {
  /** The nodes' addresses: any other sender is refused. */
  allowFrom: string[];
  /** The per-run token the node's notify script sends back (X-Haops-Token). */
  token: string;
}

/** A fresh per-run token: 128 random bits, hex (the notify script accepts [A-Za-z0-9] only). */
export function newRunToken(): string {
  return randomBytes(16).toString('hex');
}

/** The addresses the nodes send from: each node's pair-LAN address. */
export function nodeAddresses(nodes: Pick<NodeModel, 'ip'>[]): string[] {
  return [...new Set(nodes.map((n) => n.ip))];
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
  trust?: Trust,
): Promise<Listening> {
  const wanted = new Map<string, Watchable>();
  for (const n of nodes) for (const w of watchableChannels(n, local)) if (w.listen) wanted.set(listenKey(w), w);
  const collectors = new Map<string, Collector>();
  const listeners: Listener[] = [];
  await Promise.all(
    [...wanted.entries()].map(async ([key, w]) => {
      const endpoint = endpointKey(w.listen!);
      try {
        const where = w.kind === 'http' ? { webhook: w.listen! } : { smtp: w.listen! };
        collectors.set(key, await startCollectors({ ...where, ...(trust ? { allowFrom: trust.allowFrom, token: trust.token } : {}) }));
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
  const refused = () => [...collectors.values()].flatMap((c) => c.refused).sort((a, b) => a.at - b.at);
  return { collectors, listeners, refused, stop };
}

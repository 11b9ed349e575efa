// `haops soak`: watch a pair idle for some minutes; exit 1 on any unplanned VRRP transition,
// VIP change or notification (the fast profile's proof that it does not flap).
import { UsageError } from '../core/errors.js';
import type { NodeFlags } from '../nodes/connector.js';
import { formatSoak, Soak } from '../soak/soak.js';
import { withNodes } from './nodes.js';
import { onePair } from './limit.js';

export interface SoakFlags extends NodeFlags {
  pair?: string;
  minutes?: string;
  json?: boolean;
  limit?: string[];
}

const loadavg = async (): Promise<string | null> => {
  const { readFile } = await import('node:fs/promises');
  return (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' ') || null;
};

export async function soakCommand(file: string, flags: SoakFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const minutes = Number(flags.minutes ?? 10);
  if (!(minutes > 0) || minutes > 24 * 60) throw new UsageError(`--minutes ${flags.minutes}: expected minutes, e.g. 10`);
  return withNodes(file, flags, async ({ model, connect }) => {
    const pair = onePair(model, flags.pair, flags.limit);
    const hosts = Object.fromEntries(await Promise.all(pair.nodes.map(async (n) => [n, await connect(n)] as const)));
    const soak = new Soak(
      pair,
      model.nodes.filter((n) => n.pair === pair.name),
      hosts,
      flags.json ? () => {} : err,
    );
    const before = await loadavg();
    const started = Date.now();
    await soak.start();
    if (!flags.json)
      err(`soak: watching pair ${pair.name} for ${minutes} min (load ${before ?? '?'}); every transition is reported as it happens`);
    // Ctrl-C ends the soak early with the report so far.
    let wake: () => void = () => {};
    const done = new Promise<void>((r) => (wake = r));
    const timer = setTimeout(() => wake(), minutes * 60_000);
    const onSignal = () => wake();
    process.once('SIGINT', onSignal);
    try {
      await done;
    } finally {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      soak.stop();
    }
    const report = soak.report((Date.now() - started) / 1000, { before, after: await loadavg() });
    out(flags.json ? JSON.stringify(report, null, 2) : formatSoak(report));
    return report.ok ? 0 : 1;
  });
}

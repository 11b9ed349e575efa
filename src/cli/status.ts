// `haops status`: one look at every pair, or --watch: the first look, then each change as it is
// seen. --prom FILE writes every reading for node_exporter's textfile collector. Non-zero when unhealthy.
import { resolve } from 'node:path';
import { sleep } from '../core/poll.js';
import { UsageError } from '../core/errors.js';
import type { Model } from '../model/derive.js';
import { CERT_WARN_DAYS, fleetStatus, formatStatus, type PairStatus } from '../status/status.js';
import { statusToProm, writePromFile } from '../status/prom.js';
import { maskText } from '../core/mask.js';
import { statusChanges } from '../status/watch.js';
import type { NodeFlags } from '../nodes/connector.js';
import { withNodes } from './nodes.js';
import { selectPairs } from './limit.js';
import { checkOutputFile, numberFlag } from './options.js';

export interface StatusFlags extends NodeFlags {
  json?: boolean;
  watch?: string | boolean;
  prom?: string;
  limit?: string[];
  certWarnDays?: string;
}

function promContext(model: Model, takenAt: number) {
  return {
    takenAt,
    instances: Object.fromEntries(
      model.pairs.map((p) => [
        p.name,
        Object.fromEntries(p.instances.map((i) => [i.spec.name, { intf: p.spec.interface, vrid: i.spec.virtual_router_id }])),
      ]),
    ),
  };
}

export async function statusCommand(file: string, flags: StatusFlags, out: (s: string) => void): Promise<number> {
  const every = numberFlag('--watch', typeof flags.watch === 'string' ? flags.watch : undefined, 2, {
    min: 0.2,
    max: 86400,
    unit: 'seconds',
  });
  const certWarnDays = numberFlag('--cert-warn-days', flags.certWarnDays, CERT_WARN_DAYS, { min: 0, max: 3650, unit: 'days' });
  checkOutputFile('--prom', flags.prom);
  const prom = flags.prom ? resolve(flags.prom) : null;
  return withNodes(file, flags, async ({ model: all, connect }) => {
    // --limit: the pairs of the selected hosts (a pair's status needs both of its nodes).
    const pairs = selectPairs(all, flags.limit);
    const model = { ...all, pairs, nodes: all.nodes.filter((n) => pairs.some((p) => p.name === n.pair)) };
    let last: PairStatus[] | null = null;
    for (;;) {
      const pairs = await fleetStatus(model, connect, { certWarnDays });
      const at = Date.now();
      const ok = pairs.every((p) => p.ok);
      // The reading is printed first: a --prom file that cannot be written does not lose it.
      const stamp = new Date(at).toISOString();
      if (!flags.watch) out(flags.json ? JSON.stringify({ ok, takenAt: stamp, pairs }, null, 2) : formatStatus(pairs));
      else if (flags.json) out(JSON.stringify({ ok, takenAt: stamp, pairs }));
      else if (!last) out(`${stamp}\n${formatStatus(pairs)}\n-- changes as they are seen (every ${every} s):`);
      else for (const line of statusChanges(last, pairs)) out(`${stamp}  ${line}`);
      if (prom) {
        try {
          writePromFile(prom, maskText(statusToProm(pairs, promContext(model, at)), model.secrets));
        } catch (e) {
          throw new UsageError(
            `--prom ${flags.prom}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the reading above is complete`,
            'give a file in a directory that exists and that you may write, e.g. /var/lib/node_exporter/textfile/haops.prom',
          );
        }
      }
      if (!flags.watch) return ok ? 0 : 1;
      last = pairs;
      await sleep(every * 1000);
    }
  });
}

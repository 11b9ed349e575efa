// `haops status`: one look at every pair, or a refreshing one with --watch. Non-zero when unhealthy.
import { sleep } from '../core/poll.js';
import { fleetStatus, formatStatus } from '../status/status.js';
import type { NodeFlags } from '../nodes/connector.js';
import { withNodes } from './nodes.js';

export interface StatusFlags extends NodeFlags {
  json?: boolean;
  watch?: string | boolean;
}

export async function statusCommand(file: string, flags: StatusFlags, out: (s: string) => void): Promise<number> {
  return withNodes(file, flags, async ({ model, connect }) => {
    for (;;) {
      const pairs = await fleetStatus(model, connect);
      const ok = pairs.every((p) => p.ok);
      const text = flags.json ? JSON.stringify({ ok, pairs }, null, 2) : formatStatus(pairs);
      if (!flags.watch) {
        out(text);
        return ok ? 0 : 1;
      }
      if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      out(`${new Date().toISOString()}\n${text}\n`);
      await sleep((typeof flags.watch === 'string' ? Number(flags.watch) : 2) * 1000);
    }
  });
}

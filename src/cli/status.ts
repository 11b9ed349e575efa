// `haops status`: one look at every pair, or a refreshing one with --watch. Non-zero when unhealthy.
import { fleetStatus, formatStatus } from '../drill/status.js';
import { connector, type NodeFlags } from './deploy.js';
import { loadModel } from './offline.js';
import { masked } from './mask.js';

export interface StatusFlags extends NodeFlags {
  json?: boolean;
  watch?: string | boolean;
}

export async function statusCommand(file: string, flags: StatusFlags, out: (s: string) => void): Promise<number> {
  const { inventory, model } = loadModel(file);
  const hosts = connector(inventory, file, flags, model.secrets, model.sudo);
  const restore = masked(model.secrets);
  try {
    for (;;) {
      const pairs = await fleetStatus(model, hosts.get);
      const ok = pairs.every((p) => p.ok);
      const text = flags.json ? JSON.stringify({ ok, pairs }, null, 2) : formatStatus(pairs);
      if (!flags.watch) {
        out(text);
        return ok ? 0 : 1;
      }
      if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      out(`${new Date().toISOString()}\n${text}\n`);
      await new Promise((r) => setTimeout(r, (typeof flags.watch === 'string' ? Number(flags.watch) : 2) * 1000));
    }
  } finally {
    await hosts.closeAll();
    restore();
  }
}

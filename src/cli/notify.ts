// `haops notify-test`: a synthetic transition through every channel of every node, and which arrived.
import { formatNotifyTest, notifyTest } from '../notify/notify-test.js';
import type { NodeFlags } from '../nodes/connector.js';
import { withNodes } from './nodes.js';
import { selectHosts } from './limit.js';
import { numberFlag } from './options.js';

export interface NotifyFlags extends NodeFlags {
  limit?: string[];
  json?: boolean;
  wait?: string;
}

export async function notifyTestCommand(
  file: string,
  flags: NotifyFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const wait = numberFlag('--wait', flags.wait, 8, { min: 1, max: 600, unit: 'seconds' });
  return withNodes(file, flags, async ({ model, connect }) => {
    const limit = selectHosts(model, flags.limit);
    const report = await notifyTest(model, connect, {
      limit,
      waitMs: flags.wait ? wait * 1000 : undefined,
      log: flags.json ? undefined : err,
    });
    out(flags.json ? JSON.stringify(report, null, 2) : formatNotifyTest(report));
    return report.ok ? 0 : 1;
  });
}

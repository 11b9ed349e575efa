// `haops notify-test`: a synthetic transition through every channel of every node, and which arrived.
import { formatNotifyTest, notifyTest } from '../notify/test.js';
import { checkLimit, connector, type NodeFlags } from './deploy.js';
import { loadModel } from './offline.js';
import { masked } from './mask.js';

export interface NotifyFlags extends NodeFlags {
  limit?: string[];
  json?: boolean;
  wait?: string;
}

export async function notifyTestCommand(file: string, flags: NotifyFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { inventory, model } = loadModel(file);
  checkLimit(model, flags.limit);
  const hosts = connector(inventory, file, flags, model.secrets, model.sudo);
  const restore = masked(model.secrets);
  try {
    const report = await notifyTest(model, hosts.get, { limit: flags.limit, waitMs: flags.wait ? Number(flags.wait) * 1000 : undefined, log: flags.json ? undefined : err });
    out(flags.json ? JSON.stringify(report, null, 2) : formatNotifyTest(report));
    return report.ok ? 0 : 1;
  } finally {
    await hosts.closeAll();
    restore();
  }
}

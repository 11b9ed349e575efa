// The set-up every command that talks to nodes shares: load the model, open connections on
// demand, mask the inventory's secrets in everything printed, and always close and unmask.
import type { Inventory } from '../inventory/schema.js';
import type { Model } from '../model/derive.js';
import { hostConnections, type Connector, type NodeFlags } from '../nodes/connector.js';
import { refuseProbeHostsThatAreNodes } from '../nodes/probe-hosts.js';
import type { LoadModelOptions } from '../model/load.js';
import { loadModelAndWarn } from './load.js';
import { masked } from './mask.js';
import { numberFlag } from './options.js';

export interface Nodes {
  inventory: Inventory;
  model: Model;
  connect: Connector;
  /** Closes every connection opened so far (withNodes also does, when fn returns or throws). */
  closeAll: () => Promise<void>;
}

export async function withNodes<T>(
  file: string,
  flags: NodeFlags,
  fn: (nodes: Nodes) => Promise<T>,
  load: LoadModelOptions = {},
): Promise<T> {
  numberFlag('--connect-timeout', flags.connectTimeout, 10, { min: 1, max: 600, unit: 'seconds' });
  const { inventory, model } = loadModelAndWarn(file, process.env, load);
  await refuseProbeHostsThatAreNodes(inventory, file, flags, model);
  const hosts = hostConnections(inventory, file, flags, model.secrets, model.sudo);
  const restore = masked(model.secrets);
  try {
    return await fn({ inventory, model, connect: hosts.get, closeAll: hosts.closeAll });
  } finally {
    await hosts.closeAll();
    restore();
  }
}

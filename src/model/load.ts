// From an inventory file to the model every command works on: load and check the inventory,
// check the failover math, derive the model. Commands load through cli/load.ts, which also says
// the warnings this returns.
import { InventoryError, type InventoryIssue } from '../inventory/errors.js';
import { type LoadedInventory, loadInventory, parseInventory } from '../inventory/load.js';
import { failoverIssues } from './failover-checks.js';
import { buildModel, type Model } from './derive.js';

export interface LoadModelOptions {
  /** Check the failover math too (default). `haops plan` shows it as a table instead. */
  failoverMath?: boolean;
  /**
   * The command changes nodes: a secret that fell back to its `default:` is refused unless the
   * inventory says `allow_default_secrets: true` (the lab's does) or the caller allows it.
   */
  changesNodes?: boolean;
  allowDefaultSecrets?: boolean;
}

export interface LoadedModel extends LoadedInventory {
  model: Model;
}

export function loadModel(file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadModelOptions = {}): LoadedModel {
  return modelOf(loadInventory(file, env), opts);
}

/** The same from text, for tests and tools that hold the inventory in memory. */
export function parseModel(text: string, file: string, env: NodeJS.ProcessEnv = {}, opts: LoadModelOptions = {}): LoadedModel {
  return modelOf(parseInventory(text, file, env), opts);
}

function modelOf(loaded: LoadedInventory, opts: LoadModelOptions): LoadedModel {
  const issues: InventoryIssue[] = opts.failoverMath === false ? [] : failoverIssues(loaded.inventory, loaded.locate);
  if (opts.changesNodes && !opts.allowDefaultSecrets && !loaded.inventory.allow_default_secrets) {
    for (const w of loaded.warnings) {
      issues.push({
        ...w,
        message: `${w.message}; refusing to deploy a default secret`,
        fix: `${w.fix ?? 'set the variable'} (or --allow-default-secrets)`,
      });
    }
  }
  if (issues.length > 0) throw new InventoryError(issues);
  return { ...loaded, model: buildModel(loaded) };
}

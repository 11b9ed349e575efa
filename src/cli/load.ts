// How every command loads its inventory: the model (model/load.ts), with each warning about a
// secret that fell back to its default said on stderr, every time, before anything runs.
import { formatIssue } from '../inventory/errors.js';
import { type LoadModelOptions, type LoadedModel, loadModel } from '../model/load.js';

export function loadModelAndWarn(
  file: string,
  env = process.env,
  opts: LoadModelOptions = {},
  warn: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): LoadedModel {
  const loaded = loadModel(file, env, opts);
  for (const w of loaded.warnings) {
    // Allowed by the inventory (the lab's): one line; else the full warning with its fix.
    if (loaded.inventory.allow_default_secrets) warn(`note: ${formatIssue({ ...w, fix: undefined })} (allow_default_secrets: true)`);
    else warn(`warning: ${formatIssue(w)}`);
  }
  for (const c of loaded.cautions) warn(`warning: ${formatIssue(c)}`);
  return loaded;
}

// validate, plan, render: commands that never touch a node.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { formatIssue } from '../inventory/errors.js';
import { type LoadModelOptions, loadModel as loadModelPure, type LoadedModel } from '../model/load.js';
import { formatPlan, planData } from '../model/plan-table.js';
import { renderNode } from '../render/index.js';
import { UsageError } from '../core/errors.js';

/** Every command loads through here: a secret that fell back to its default is said on stderr, each time. */
export function loadModel(
  file: string,
  env = process.env,
  opts: LoadModelOptions = {},
  warn: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): LoadedModel {
  const loaded = loadModelPure(file, env, opts);
  for (const w of loaded.warnings) {
    // Allowed by the inventory (the lab's): one line; else the full warning with its fix.
    if (loaded.inventory.allow_default_secrets) warn(`note: ${formatIssue({ ...w, fix: undefined })} (allow_default_secrets: true)`);
    else warn(`warning: ${formatIssue(w)}`);
  }
  return loaded;
}

export function validateCommand(file: string, out: (s: string) => void, err?: (s: string) => void): number {
  const { model } = loadModel(file, process.env, {}, err);
  const inst = model.pairs.reduce((n, p) => n + p.instances.length, 0);
  out(
    `${file}: ok (${model.nodes.length} nodes, ${model.pairs.length} pair${model.pairs.length === 1 ? '' : 's'}, ${inst} VRRP instance${inst === 1 ? '' : 's'})`,
  );
  return 0;
}

/** Prints the table even when the math is wrong (that is what the table is for), then exits 2. */
export function planCommand(file: string, out: (s: string) => void, json = false, err?: (s: string) => void): number {
  const { model } = loadModel(file, process.env, { failoverMath: false }, err);
  out(json ? JSON.stringify(formatPlan(model, true), null, 2) : (formatPlan(model, false) as string));
  return planData(model).every((p) => p.ok) ? 0 : 2;
}

/**
 * Renders every file first, checks that each lands inside DIR, then writes: a bad path or an
 * unwritable DIR leaves nothing half-written and ends in a usage error, never a stack trace.
 */
export function renderCommand(
  file: string,
  outDir: string,
  out: (s: string) => void,
  keepalivedVersion?: string,
  err?: (s: string) => void,
): number {
  const { model } = loadModel(file, process.env, {}, err);
  const root = resolve(outDir);
  const files: { target: string; content: string; mode: number }[] = [];
  for (const node of model.nodes) {
    for (const f of renderNode(node, model, { version: keepalivedVersion })) {
      const target = resolve(join(root, node.host, f.path));
      if (!target.startsWith(root + sep))
        throw new UsageError(`render: ${f.path} for ${node.host} would land outside ${outDir}`, 'fix the path in the inventory');
      files.push({ target, content: f.content, mode: parseInt(f.mode, 8) });
    }
  }
  for (const f of files) blockedAt(dirname(f.target));
  for (const f of files) {
    try {
      mkdirSync(dirname(f.target), { recursive: true });
      writeFileSync(f.target, f.content, { mode: f.mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new UsageError(
        `render: cannot write ${f.target}: ${code}`,
        'pass --out a directory you can write, that holds no file where haops needs a directory',
      );
    }
  }
  out(`wrote ${files.length} files for ${model.nodes.length} nodes under ${outDir}`);
  return 0;
}

/** Refuses before writing anything when a file stands where a directory of DIR/HOST/PATH must be. */
function blockedAt(dir: string): void {
  for (let d = dir; ; d = dirname(d)) {
    let isDir: boolean;
    try {
      isDir = statSync(d).isDirectory();
    } catch {
      if (d === dirname(d)) return;
      continue; // not there yet: mkdir makes it
    }
    if (!isDir) throw new UsageError(`render: ${d} is a file, where a directory is needed`, 'pass --out an empty or new directory');
    return;
  }
}

// validate, plan, render: commands that never touch a node.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadInventory, type LoadOptions } from '../inventory/load.js';
import { buildModel } from '../model/derive.js';
import { renderNode } from '../render/index.js';
import { formatPlan, planData } from '../model/plan-table.js';

export function loadModel(file: string, env = process.env, opts: LoadOptions = {}) {
  const loaded = loadInventory(file, env, opts);
  return { ...loaded, model: buildModel(loaded.inventory, file, env) };
}

export function validateCommand(file: string, out: (s: string) => void): number {
  const { model } = loadModel(file);
  const inst = model.pairs.reduce((n, p) => n + p.instances.length, 0);
  out(`${file}: ok (${model.nodes.length} nodes, ${model.pairs.length} pair${model.pairs.length === 1 ? '' : 's'}, ${inst} VRRP instance${inst === 1 ? '' : 's'})`);
  return 0;
}

/** Prints the table even when the math is wrong (that is what the table is for), then exits 2. */
export function planCommand(file: string, out: (s: string) => void, json = false): number {
  const { model } = loadModel(file, process.env, { failoverMath: false });
  out(json ? JSON.stringify(formatPlan(model, true), null, 2) : (formatPlan(model, false) as string));
  return planData(model).every((p) => p.ok) ? 0 : 2;
}

export function renderCommand(file: string, outDir: string, out: (s: string) => void, keepalivedVersion?: string): number {
  const { model } = loadModel(file);
  let count = 0;
  for (const node of model.nodes) {
    for (const f of renderNode(node, model, { version: keepalivedVersion })) {
      const target = join(outDir, node.host, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) });
      count++;
    }
  }
  out(`wrote ${count} files for ${model.nodes.length} nodes under ${outDir}`);
  return 0;
}

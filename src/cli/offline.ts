// validate, plan, render: commands that never touch a node.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { formatIssue } from '../inventory/errors.js';
import { type LoadModelOptions, loadModel as loadModelPure, type LoadedModel } from '../model/load.js';
import { formatPlan, planData } from '../model/plan-table.js';
import { renderNode } from '../render/index.js';
import { UsageError } from '../core/errors.js';
import { ASSUMED_KEEPALIVED, describeVersion, VERSION_RE } from '../model/keepalived-versions.js';
import { FailoverFitError, fitFailover, type KeepalivedTarget } from '../model/profile.js';
import type { Model } from '../model/derive.js';
import { elIntent } from '../ops/el.js';
import { DEFAULT_PLAYBOOK, elWanted, loadPlaybook } from '../runner/playbook.js';

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
  for (const c of loaded.cautions) warn(`warning: ${formatIssue(c)}`);
  return loaded;
}

/** The keepalived an offline command fits to: --keepalived-version, else the assumed one (said on stderr). */
export function offlineTarget(
  version: string | undefined,
  container: string | undefined,
  warn: (s: string) => void,
  say = true,
): KeepalivedTarget {
  if (version !== undefined && !VERSION_RE.test(version))
    throw new UsageError(`--keepalived-version ${version}: expected a version like 2.2.7`);
  if (container !== undefined && !/^[a-z][a-z0-9-]{0,31}$/.test(container))
    throw new UsageError(`--container ${container}: expected a runtime name like systemd-nspawn or lxc`);
  if (version === undefined && say)
    warn(
      `warning: assuming keepalived ${describeVersion(ASSUMED_KEEPALIVED.version)}${container ? ` in ${container}` : ''}; deploy fits the installed version (--keepalived-version X to check another)`,
    );
  return { version: version ?? ASSUMED_KEEPALIVED.version, ...(container ? { container, procEvents: false } : {}) };
}

/** Each pair's profile fitted to the target: a setting it cannot take is a usage error; fallbacks are said. */
function fitPairs(model: Model, target: KeepalivedTarget, warn: (s: string) => void): void {
  for (const p of model.pairs) {
    try {
      const f = fitFailover(
        p.failover,
        p.spec.check,
        target,
        p.spec.instances.map((i) => i.advert_int),
      );
      for (const fb of f.fallbacks)
        warn(`note: pair ${p.name} (failover ${p.failover.profile}) on keepalived ${describeVersion(target.version!)}: ${fb}`);
    } catch (e) {
      if (e instanceof FailoverFitError) throw new UsageError(`pair ${p.name}: ${e.message}`, e.hint);
      throw e;
    }
  }
}

export interface OfflineFlags {
  keepalivedVersion?: string;
  container?: string;
}

export function validateCommand(file: string, out: (s: string) => void, err?: (s: string) => void, flags: OfflineFlags = {}): number {
  const { model } = loadModel(file, process.env, {}, err);
  const warn = err ?? ((s: string) => process.stderr.write(`${s}\n`));
  fitPairs(model, offlineTarget(flags.keepalivedVersion, flags.container, warn), warn);
  const inst = model.pairs.reduce((n, p) => n + p.instances.length, 0);
  out(
    `${file}: ok (${model.nodes.length} nodes, ${model.pairs.length} pair${model.pairs.length === 1 ? '' : 's'}, ${inst} VRRP instance${inst === 1 ? '' : 's'})`,
  );
  return 0;
}

/** Per node, what deploy also does on a CentOS/RHEL node (firewall, SELinux, repositories). */
function elPlanText(model: LoadedModel['model']): string {
  const playbook = loadPlaybook(DEFAULT_PLAYBOOK);
  const out: string[] = [];
  for (const node of model.nodes) {
    const w = elWanted(playbook, node, model);
    if (w) out.push(`${node.host} (pair ${node.pair}), on CentOS/RHEL:`, ...elIntent(w).map((l) => `  ${l}`));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Prints the table even when the math is wrong (that is what the table is for), then exits 2. */
export function planCommand(
  file: string,
  out: (s: string) => void,
  json = false,
  err?: (s: string) => void,
  flags: OfflineFlags = {},
): number {
  const { model } = loadModel(file, process.env, { failoverMath: false }, err);
  const warn = err ?? ((s: string) => process.stderr.write(`${s}\n`));
  const target = offlineTarget(flags.keepalivedVersion, flags.container, warn, !json);
  fitPairs(model, target, () => {}); // refusals only: the table says what fell back
  out(json ? JSON.stringify(formatPlan(model, true, target), null, 2) : (formatPlan(model, false, target) as string) + elPlanText(model));
  return planData(model, target).every((p) => p.ok) ? 0 : 2;
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
  if (keepalivedVersion !== undefined)
    fitPairs(
      model,
      offlineTarget(keepalivedVersion, undefined, () => {}),
      err ?? (() => {}),
    );
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

// validate, plan, render: commands that never touch a node.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  constants as fsConstants,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
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
 * Renders every file first, checks that each lands inside DIR and that nothing on its way is a
 * symlink or a file, then writes: a bad path or an unwritable DIR leaves nothing half-written
 * and ends in a usage error, never a stack trace. Each file is written to a new temporary file
 * (created, never opened through a link) whose mode is set before its content, then renamed over
 * the old one: a file that existed gets the new mode too (0600 when it holds a password).
 */
export function renderCommand(
  file: string,
  outDir: string,
  out: (s: string) => void,
  keepalivedVersion?: string,
  err?: (s: string) => void,
): number {
  if (outDir.trim() === '') throw new UsageError('render: --out is empty', 'pass --out the directory to write into, like --out rendered');
  const root = resolve(outDir);
  checkOutRoot(root, outDir);
  const { model } = loadModel(file, process.env, {}, err);
  if (keepalivedVersion !== undefined)
    fitPairs(
      model,
      offlineTarget(keepalivedVersion, undefined, () => {}),
      err ?? (() => {}),
    );
  const files: { target: string; content: string; mode: number }[] = [];
  for (const node of model.nodes) {
    for (const f of renderNode(node, model, { version: keepalivedVersion })) {
      const target = resolve(join(root, node.host, f.path));
      if (!target.startsWith(root + sep))
        throw new UsageError(`render: ${f.path} for ${node.host} would land outside ${outDir}`, 'fix the path in the inventory');
      // On this machine the node's group means nothing: a file holding a secret is the user's alone.
      const secret = /^\s*auth_pass\s/m.test(f.content) || model.secrets.some((v) => f.content.includes(v));
      const mode = parseInt(f.mode, 8);
      files.push({ target, content: f.content, mode: secret ? mode & 0o700 : mode });
    }
  }
  for (const f of files) checkPathUnder(root, f.target);
  for (const f of files) {
    try {
      makeDirsUnder(root, dirname(f.target));
      writeNoFollow(f.target, f.content, f.mode);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new UsageError(
        `render: cannot write ${f.target}: ${code}`,
        'pass --out a directory you can write, that holds no file where haops needs a directory',
      );
    }
  }
  out(`wrote ${files.length} files for ${model.nodes.length} nodes under ${outDir}`);
  return 0;
}

/** Kernel trees where "files" are not files: writing there hangs or does something else. */
const SPECIAL_TREES = ['/proc', '/sys', '/dev'];

/** --out names a directory, or a place one can be made, on an ordinary filesystem. Checked first: fails fast. */
function checkOutRoot(root: string, given: string): void {
  let existing = root;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (e) {
    throw new UsageError(
      `render: --out ${given}: cannot resolve ${existing} (${(e as NodeJS.ErrnoException).code})`,
      'pass --out a directory you can write',
    );
  }
  const special = SPECIAL_TREES.find((t) => real === t || real.startsWith(`${t}/`));
  if (special)
    throw new UsageError(
      `render: --out ${given} is under ${special}, a kernel tree, not a directory for files`,
      'pass --out a new or empty directory, like --out rendered',
    );
  if (!statSync(real).isDirectory())
    throw new UsageError(
      `render: --out ${given}: ${existing} is a ${describeKind(statSync(real))}, where a directory is needed`,
      'pass --out an empty or new directory',
    );
}

function describeKind(st: Stats): string {
  if (st.isFile()) return 'file';
  if (st.isFIFO()) return 'named pipe';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'special file';
}

/** Every existing step from DIR down to the file is a real directory (never a link), and the file is not a link. */
function checkPathUnder(root: string, target: string): void {
  const rel = target.slice(root.length + 1).split(sep);
  let at = root;
  rel.forEach((part, i) => {
    at = join(at, part);
    let st: Stats;
    try {
      st = lstatSync(at);
    } catch {
      return; // not there yet: made as a directory, or written as a file
    }
    const last = i === rel.length - 1;
    if (st.isSymbolicLink())
      throw new UsageError(
        `render: ${at} is a symbolic link; haops does not write through links under --out (it could land anywhere)`,
        'remove the link, or pass --out a new or empty directory',
      );
    if (!last && !st.isDirectory())
      throw new UsageError(`render: ${at} is a ${describeKind(st)}, where a directory is needed`, 'pass --out an empty or new directory');
    if (last && !st.isFile())
      throw new UsageError(
        `render: ${at} is a ${st.isDirectory() ? 'directory' : describeKind(st)}, where a file is written`,
        'pass --out an empty or new directory',
      );
  });
}

/** mkdir one level at a time under DIR, refusing a link that appeared since the check. */
function makeDirsUnder(root: string, dir: string): void {
  if (!existsSync(root)) mkdirSync(root, { recursive: true });
  let at = root;
  for (const part of dir
    .slice(root.length + 1)
    .split(sep)
    .filter(Boolean)) {
    at = join(at, part);
    try {
      mkdirSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const st = lstatSync(at);
    if (!st.isDirectory() || st.isSymbolicLink())
      throw new UsageError(`render: ${at} is not a plain directory (a link or a file)`, 'pass --out an empty or new directory');
  }
}

/** A new file beside the target (O_EXCL|O_NOFOLLOW), its mode set, its content written, renamed over the target. */
function writeNoFollow(target: string, content: string, mode: number): void {
  const tmp = join(dirname(target), `.${basename(target)}.haops-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

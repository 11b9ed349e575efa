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
import type { LoadedModel } from '../model/load.js';
import { loadModelAndWarn } from './load.js';
import { formatPlan, planData } from '../model/plan-table.js';
import { renderNode } from '../render/index.js';
import { UsageError } from '../core/errors.js';
import { maskText } from '../core/mask.js';
import { ASSUMED_KEEPALIVED, describeVersion, VERSION_RE } from '../model/keepalived-versions.js';
import { KEEPALIVED_CONFINED, OS_HINT_NAMES, OS_HINTS, type OsHint, PGREP_CHECK, signalsNginx } from '../core/os-hints.js';
import { FailoverFitError, fitFailover, type KeepalivedTarget } from '../model/profile.js';
import type { Model } from '../model/derive.js';
import { elIntent } from '../ops/el.js';
import { renderKeepalived } from '../render/keepalived.js';
import { versionRefusals as checkVersion } from '../render/version-check.js';
import { DEFAULT_PLAYBOOK, elWanted, loadPlaybook } from '../runner/playbook.js';

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

/** The OS an offline command assumes for a host: its `os:` hint, else `--os`, else none (Debian 12 assumed). */
function hintOf(model: Model, host: string, flags: OfflineFlags): { name: string; hint: OsHint } | undefined {
  const name = model.hosts[host]?.os ?? flags.os;
  return name && OS_HINTS[name] ? { name, hint: OS_HINTS[name]! } : undefined;
}

/**
 * What one node is assumed to run, as deploy would learn it from the node's facts: an `os:` hint
 * (or --os) gives its family's keepalived, init and SELinux; --keepalived-version and --container
 * override what they name. Nothing known: Debian 12's keepalived.
 */
function nodeTarget(model: Model, host: string, flags: OfflineFlags): KeepalivedTarget {
  const h = hintOf(model, host, flags)?.hint;
  return {
    ...offlineTarget(flags.keepalivedVersion ?? h?.keepalived, flags.container, () => {}, false),
    ...(h ? { family: h.family, systemd: h.systemd } : {}),
  };
}

/** Says once what the offline command fits to: each hinted family, and the assumption for the rest. */
function sayTargets(model: Model, flags: OfflineFlags, warn: (s: string) => void, verb: string): void {
  if (flags.keepalivedVersion) return;
  const unhinted = model.nodes.filter((n) => !hintOf(model, n.host, flags)).map((n) => n.host);
  const hinted = new Map<string, string[]>();
  for (const n of model.nodes) {
    const h = hintOf(model, n.host, flags);
    if (h) hinted.set(h.name, [...(hinted.get(h.name) ?? []), n.host]);
  }
  for (const [name, hosts] of hinted)
    warn(`note: ${verb} keepalived ${describeVersion(OS_HINTS[name]!.keepalived)} on ${[...new Set(hosts)].join(', ')} (os: ${name})`);
  if (unhinted.length)
    warn(
      `warning: ${verb} keepalived ${describeVersion(ASSUMED_KEEPALIVED.version)}${flags.container ? ` in ${flags.container}` : ''}${hinted.size ? ` on ${[...new Set(unhinted)].join(', ')}` : ''}; deploy fits the installed version (os: FAMILY on a host, or --os / --keepalived-version, to check another)`,
    );
}

/** Each node's profile fitted to its target: a setting it cannot take, or a check its SELinux refuses, is a usage error. */
function fitPairs(model: Model, flags: OfflineFlags, warn: (s: string) => void): void {
  for (const p of model.pairs) {
    const said = new Set<string>();
    for (const host of p.nodes) {
      const target = nodeTarget(model, host, flags);
      let f: ReturnType<typeof fitFailover>;
      try {
        f = fitFailover(
          p.failover,
          p.spec.check,
          target,
          p.spec.instances.map((i) => i.advert_int),
        );
      } catch (e) {
        if (e instanceof FailoverFitError) throw new UsageError(`pair ${p.name}: ${e.message}`, e.hint);
        throw e;
      }
      for (const fb of f.fallbacks) {
        const line = `note: pair ${p.name} (failover ${p.failover.profile}) on keepalived ${describeVersion(target.version!)}: ${fb}`;
        if (!said.has(line)) warn(line);
        said.add(line);
      }
      // What deploy refuses on such a node before any change (ops/el.ts), said now.
      const hint = hintOf(model, host, flags);
      if (hint && KEEPALIVED_CONFINED.includes(hint.hint.family) && f.track !== 'process' && signalsNginx(f.check.script))
        throw new UsageError(
          `pair ${p.name}: check "${f.check.script}" can never pass on ${host} (os: ${hint.name}): its stock SELinux policy is enforcing and confines keepalived (keepalived_t), which may not signal nginx (httpd_t); deploy would refuse it`,
          `remove check.script (the default there is "${PGREP_CHECK}", which only reads /proc) or set it to that`,
        );
    }
  }
  versionRefusals(model, flags);
}

/** What each node's keepalived would not run as written (render/version-check.ts), every node's, once per pair. */
function versionRefusals(model: Model, flags: OfflineFlags): void {
  const found = new Set<string>();
  const fixes = new Set<string>();
  for (const node of model.nodes) {
    const target = nodeTarget(model, node.host, flags);
    for (const r of checkVersion(node, renderKeepalived(node, target), target.version)) {
      found.add(`pair ${node.pair}: ${r.message}`);
      fixes.add(r.fix);
    }
  }
  if (found.size) throw new UsageError([...found].join('\n'), [...fixes].join('; '));
}

export interface OfflineFlags {
  keepalivedVersion?: string;
  container?: string;
  json?: boolean;
  /** The OS of every host without its own `os:` hint. */
  os?: string;
}

/** --os is one of the hints an inventory's `os:` takes. */
function checkOsFlag(flags: OfflineFlags): void {
  if (flags.os !== undefined && !OS_HINTS[flags.os])
    throw new UsageError(`--os ${flags.os}: unknown OS`, `use one of ${OS_HINT_NAMES.join(', ')}`);
}

export function validateCommand(file: string, out: (s: string) => void, err?: (s: string) => void, flags: OfflineFlags = {}): number {
  checkOsFlag(flags);
  const { model } = loadModelAndWarn(file, process.env, {}, err);
  const warn = err ?? ((s: string) => process.stderr.write(`${s}\n`));
  offlineTarget(flags.keepalivedVersion, flags.container, () => {}, false);
  sayTargets(model, flags, warn, 'assuming');
  fitPairs(model, flags, warn);
  const inst = model.pairs.reduce((n, p) => n + p.instances.length, 0);
  if (flags.json) {
    out(JSON.stringify({ ok: true, file, nodes: model.nodes.length, pairs: model.pairs.length, instances: inst }, null, 2));
    return 0;
  }
  out(
    `${file}: ok (${model.nodes.length} nodes, ${model.pairs.length} pair${model.pairs.length === 1 ? '' : 's'}, ${inst} VRRP instance${inst === 1 ? '' : 's'})`,
  );
  return 0;
}

/** Per node, what deploy also does on a CentOS/RHEL node (firewall, SELinux, repositories). */
function elPlanText(model: LoadedModel['model'], flags: OfflineFlags): string {
  const playbook = loadPlaybook(DEFAULT_PLAYBOOK);
  const out: string[] = [];
  for (const node of model.nodes) {
    const family = hintOf(model, node.host, flags)?.hint.family;
    if (family === 'debian') continue;
    const w = elWanted(playbook, node, model, family);
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
  checkOsFlag(flags);
  const { model } = loadModelAndWarn(file, process.env, { failoverMath: false }, err);
  const warn = err ?? ((s: string) => process.stderr.write(`${s}\n`));
  offlineTarget(flags.keepalivedVersion, flags.container, () => {}, false);
  if (!json) sayTargets(model, flags, warn, 'assuming');
  fitPairs(model, flags, () => {}); // refusals only: the table says what fell back
  // A pair's table is fitted to its first node (both nodes of a pair normally run one OS).
  const target = (pair: string) => nodeTarget(model, model.pairs.find((p) => p.name === pair)!.nodes[0]!, flags);
  const ok = planData(model, target).every((p) => p.ok);
  const keepalived = Object.fromEntries(model.pairs.map((p) => [p.name, target(p.name).version ?? null]));
  out(
    json
      ? JSON.stringify({ ok, keepalived, instances: formatPlan(model, true, target) }, null, 2)
      : (formatPlan(model, false, target) as string) + elPlanText(model, flags),
  );
  return ok ? 0 : 2;
}

/**
 * Renders every file first, checks that each lands inside DIR and that nothing on its way is a
 * symlink or a file, then writes: a bad path or an unwritable DIR leaves nothing half-written
 * and ends in a usage error, never a stack trace. Each file is written to a new temporary file
 * (created, never opened through a link) whose mode is set before its content, then renamed over
 * the old one: a file that existed gets the new mode too (0600 when it holds a password).
 * `--out -` prints the files instead, each under a `==> HOST:PATH (MODE) <==` line, with the
 * inventory's secrets masked (a terminal or a pasted log is no place for them).
 */
export function renderCommand(
  file: string,
  outDir: string,
  out: (s: string) => void,
  keepalivedVersion?: string,
  err?: (s: string) => void,
  json = false,
  flags: Omit<OfflineFlags, 'keepalivedVersion'> = {},
): number {
  if (outDir.trim() === '')
    throw new UsageError('render: --out is empty', 'pass --out the directory to write into (or - for stdout), like --out rendered');
  const toStdout = outDir === '-';
  const root = resolve(toStdout ? '.' : outDir);
  if (!toStdout) checkOutRoot(root, outDir);
  const all: OfflineFlags = { ...flags, ...(keepalivedVersion !== undefined ? { keepalivedVersion } : {}) };
  checkOsFlag(all);
  const { model } = loadModelAndWarn(file, process.env, {}, err);
  const warn = err ?? ((s: string) => process.stderr.write(`${s}\n`));
  offlineTarget(all.keepalivedVersion, all.container, () => {}, false);
  // Each node's files as deploy would push them to a node of that keepalived and family.
  sayTargets(model, all, warn, 'rendering for');
  fitPairs(model, all, warn);
  const files: { host: string; path: string; target: string; content: string; mode: number }[] = [];
  for (const node of model.nodes) {
    for (const f of renderNode(node, model, nodeTarget(model, node.host, all))) {
      const target = resolve(join(root, node.host, f.path));
      if (!target.startsWith(root + sep))
        throw new UsageError(`render: ${f.path} for ${node.host} would land outside ${outDir}`, 'fix the path in the inventory');
      // On this machine the node's group means nothing: a file holding a secret is the user's alone.
      const secret = /^\s*auth_pass\s/m.test(f.content) || model.secrets.some((v) => f.content.includes(v));
      const m = parseInt(f.mode, 8);
      files.push({ host: node.host, path: f.path, target, content: f.content, mode: secret ? m & 0o700 : m });
    }
  }
  const mode = (m: number) => `0${m.toString(8)}`;
  if (toStdout) {
    const shown = files.map((f) => ({ host: f.host, path: f.path, mode: mode(f.mode), content: maskText(f.content, model.secrets) }));
    if (json) out(JSON.stringify({ ok: true, files: shown }, null, 2));
    else for (const f of shown) out(`==> ${f.host}:${f.path} (${f.mode}) <==\n${f.content.trimEnd()}\n`);
    return 0;
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
  if (json)
    out(
      JSON.stringify(
        {
          ok: true,
          out: outDir,
          nodes: model.nodes.length,
          files: files.map((f) => ({ host: f.host, path: f.path, mode: mode(f.mode), file: f.target })),
        },
        null,
        2,
      ),
    );
  else {
    const versions = [...new Set(model.nodes.map((n) => describeVersion(nodeTarget(model, n.host, all).version!)))];
    out(`wrote ${files.length} files for ${model.nodes.length} nodes under ${outDir}, for keepalived ${versions.join(', ')}`);
  }
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

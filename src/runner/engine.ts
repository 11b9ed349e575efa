// The deploy engine: runs the steps of each host and tells what happens as typed events; the
// report is its return value. It knows nothing of terminals: listr2, --json and tests are
// renderers of the events (see README "How a deploy runs" for the order and failure rules).
import { factsScript, fetchContents, gatherFacts, parseFacts } from '../facts/index.js';
import { applyChange, fileDiff, planHost } from '../ops/index.js';
import { planElHost } from '../ops/plan.js';
import type { Change, Facts, HandlerAction, WantedState } from '../core/state.js';
import { ARCHIVE_REPO_FILE } from '../ops/el.js';
import type { Host } from '../ssh/host.js';
import type { VipVerdict } from './vip.js';
import type { ReloadGuardReport } from './reload-safety.js';

export interface StepReport {
  title: string;
  kind: Change['kind'];
  outcome: 'changed' | 'would change' | 'failed' | 'skipped';
  message?: string;
  hint?: string;
  diff?: string;
  warnings?: string[];
}

export interface HostReport {
  host: string;
  pair: string;
  role: string;
  ok: boolean;
  changed: number;
  steps: StepReport[];
  error?: string;
  hint?: string;
  /** What this node's keepalived.conf fell back to (a fast profile on an older keepalived, in a container). */
  notes?: string[];
  /** What haops does (or leaves alone) on this node's system and why: SELinux, repositories, streams (EL). */
  systemNotes?: string[];
  /** How a change that reloads nginx or keepalived reached this node: in place, or drained first. */
  reload?: ReloadGuardReport;
  roundTrips: number;
}

export interface PairReport {
  pair: string;
  ok: boolean;
  vips: VipVerdict[];
  problem?: string;
  /** Nodes drained (haops drain) before this deploy: they stay drained and hold no VIP. */
  drained?: string[];
}

export interface DeployReport {
  ok: boolean;
  changed: number;
  check: boolean;
  hosts: HostReport[];
  pairs: PairReport[];
  durationMs: number;
}

/** What the engine tells while it runs, in order per host. */
export type DeployEvent =
  | { type: 'pair-started'; pair: string; hosts: string[]; order: { host: string; role: string; runs: boolean }[]; verify: boolean }
  | { type: 'host-connected'; pair: string; host: string }
  | { type: 'host-unreachable'; pair: string; host: string; error: string; hint?: string }
  | { type: 'facts-gathered'; pair: string; hosts: string[]; failed: string[] }
  /** `steps` is the whole plan when `complete`; else the package step, and `host-planned` follows. */
  | { type: 'host-started'; pair: string; host: string; role: string; check: boolean; steps: string[]; complete: boolean }
  | { type: 'host-planned'; pair: string; host: string; steps: string[] }
  | { type: 'step-started'; pair: string; host: string; title: string }
  | { type: 'step-changed'; pair: string; host: string; step: StepReport }
  | { type: 'step-failed'; pair: string; host: string; step: StepReport }
  | { type: 'handler-run'; pair: string; host: string; service: string; action: HandlerAction }
  | { type: 'host-skipped'; pair: string; host: string; reason: string }
  | { type: 'host-finished'; pair: string; host: string; report: HostReport }
  | { type: 'vip-verified'; pair: string; vips: VipVerdict[]; ok: boolean; problem?: string }
  | { type: 'run-finished'; report: DeployReport };

export type Emit = (e: DeployEvent) => void;

/** One host's part of a run: where it sits and what it should look like. */
export interface HostTarget {
  pair: string;
  name: string;
  role: string;
  /** Packages, services and file paths (no contents): what the facts script asks about. */
  skeleton: WantedState;
  /** The whole wanted state, rendered once, fitted to the keepalived that is installed (and where it runs). */
  render: (facts: Facts) => WantedState;
  /** What the rendered config fell back to on this node (the failover profile fitted to its keepalived). */
  notes?: (facts: Facts) => string[];
}

/** A host during a run: its report, connection and what it was last seen to be. */
export interface HostRun {
  target: HostTarget;
  report: HostReport;
  host?: Host;
  facts?: Facts;
}

export interface ConvergeOptions {
  check?: boolean;
  diff?: boolean;
  /** Masked in diffs (on top of each file's own secrets). */
  secrets?: string[];
  emit?: Emit;
  /**
   * Runs after a package step, before any file changes: a problem stops the host there (deploy
   * proves the tracked check on the node before keepalived.conf goes live; without a package
   * step the caller has already proved it from the facts round trip).
   */
  prove?: (run: HostRun, installed: boolean) => Promise<{ message: string; hint?: string } | null>;
}

export const PROVE_STEP = 'prove the check as keepalived runs it';

export const CONFIRM_STEP = 'confirm converged and running';

export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'packages':
      return `install ${c.install.join(' ')}`;
    case 'enable':
      return `enable ${c.service} at boot`;
    case 'file':
      return `${c.before.exists ? (c.contentChanged ? 'update' : 'fix mode of') : 'create'} ${c.file.path}`;
    case 'start':
      return `start ${c.service}`;
    case 'handler':
      return c.action === 'daemon-reload' ? 'reload systemd units (daemon-reload)' : `${c.action} ${c.service}`;
    case 'system':
      return c.title;
  }
}

export function newHostRun(target: HostTarget): HostRun {
  return { target, report: { host: target.name, pair: target.pair, role: target.role, ok: true, changed: 0, steps: [], roundTrips: 0 } };
}

export function failRun(run: HostRun, e: unknown): void {
  const err = e as { message?: string; hint?: string };
  run.report.ok = false;
  run.report.error = err?.message ?? String(e);
  if (err?.hint) run.report.hint = err.hint;
}

/**
 * Connect, then the facts script and `extra` (the VIP probe) in one exec. Returns that exec's
 * whole output (`factsPart` picks the facts out of it), or null when the host failed.
 */
export async function learnHost(
  run: HostRun,
  connect: (host: string) => Promise<Host>,
  extra = '',
  factsPart = (stdout: string) => stdout,
  emit: Emit = () => {},
): Promise<string | null> {
  const { target } = run;
  try {
    run.host = await connect(target.name);
    emit({ type: 'host-connected', pair: target.pair, host: target.name });
    const r = await run.host.exec(factsScript(target.skeleton) + extra);
    run.facts = parseFacts(factsPart(r.stdout), target.skeleton);
    return r.stdout;
  } catch (e) {
    failRun(run, e);
    emit({ type: 'host-unreachable', pair: target.pair, host: target.name, error: run.report.error!, hint: run.report.hint });
    return null;
  } finally {
    run.report.roundTrips = run.host?.roundTrips ?? 0;
  }
}

/**
 * Converges one learned host: packages first, then (when some were installed) facts again, so
 * every file is rendered once for the keepalived now on the node; then the rest of the plan,
 * stopping at the first failure; then a fresh look that it is converged and running.
 */
export async function convergeHost(run: HostRun, opts: ConvergeOptions = {}): Promise<HostReport> {
  const { host, target, report } = run;
  const emit = opts.emit ?? (() => {});
  const base = { pair: target.pair, host: target.name };
  if (!host || !run.facts) return report;
  try {
    // The install phase: haops' archive repo file (end-of-life CentOS), epel-release (EL6/7) or the
    // nginx module stream (EL8/9), then
    // the packages, each in order; the system steps this plan also yields wait for the full plan.
    // An EL refusal (a check SELinux makes impossible) is thrown here, before anything changes.
    const repoFiles = target.skeleton.files.filter((f) => f.path === ARCHIVE_REPO_FILE);
    const installs = planHost({ ...target.skeleton, services: [], files: repoFiles }, run.facts).filter(
      (c) => c.kind === 'packages' || c.kind === 'file' || (c.kind === 'system' && c.area === 'repos'),
    );
    const install = installs[0];
    // What the EL plan said before the install (EPEL, the module stream it installs from) stays in the report.
    const notesBefore = planElHost({ ...target.skeleton, services: [], files: repoFiles }, run.facts)?.notes ?? [];
    if (install && !opts.check) {
      emit({ type: 'host-started', ...base, role: target.role, check: false, steps: installs.map(describeChange), complete: false });
      for (const c of installs) if (!(await applyStep(run, c, opts, emit))) return finish(run, emit);
      run.facts = await gatherFacts(host, target.skeleton);
    }
    // Packages just arrived (nginx, the check's command): prove the check again before any file.
    if (install && opts.prove && !opts.check) {
      const bad = await opts.prove(run, true);
      if (bad) {
        report.steps.push({
          title: PROVE_STEP,
          kind: 'start',
          outcome: 'failed',
          message: bad.message,
          ...(bad.hint ? { hint: bad.hint } : {}),
        });
        failRun(run, bad);
        return finish(run, emit);
      }
    }
    const wanted = target.render(run.facts);
    const notes = target.notes?.(run.facts) ?? [];
    if (notes.length) report.notes = notes;
    const changes = planHost(wanted, run.facts);
    // planHost passed, so the EL plan refuses nothing: keep its one-line reasons for the report.
    const systemNotes = [...new Set([...notesBefore, ...(planElHost(wanted, run.facts)?.notes ?? [])])];
    if (systemNotes.length) report.systemNotes = systemNotes;
    if (install && !opts.check) emit({ type: 'host-planned', ...base, steps: changes.map(describeChange) });
    else
      emit({
        type: 'host-started',
        ...base,
        role: target.role,
        check: Boolean(opts.check),
        steps: changes.map(describeChange),
        complete: true,
      });
    if (opts.diff) await fetchLive(host, changes);
    if (opts.check) {
      for (const c of changes)
        report.steps.push({
          title: describeChange(c),
          kind: c.kind,
          outcome: 'would change',
          ...(opts.diff && stepDiff(c, opts) !== undefined ? { diff: stepDiff(c, opts) } : {}),
        });
      report.changed = changes.length;
      return finish(run, emit);
    }
    for (const c of changes) if (!(await applyStep(run, c, opts, emit))) return finish(run, emit);
    if (report.changed > 0) await confirm(run, wanted, emit);
  } catch (e) {
    failRun(run, { message: `${target.name}: ${(e as Error).message}`, hint: (e as { hint?: string }).hint });
  } finally {
    report.roundTrips = host.roundTrips;
  }
  return finish(run, emit);
}

function finish(run: HostRun, emit: Emit): HostReport {
  emit({ type: 'host-finished', pair: run.target.pair, host: run.target.name, report: run.report });
  return run.report;
}

/** What --diff shows of a step: a file's unified diff, or the commands a system step runs (firewall, SELinux). */
function stepDiff(c: Change, opts: ConvergeOptions): string | undefined {
  if (c.kind === 'file') return fileDiff(c, opts.secrets);
  if (c.kind === 'system') return c.commands.map((x) => `+ ${x}`).join('\n');
  return undefined;
}

/** Current contents of the files about to change, for --diff (one exec). */
async function fetchLive(host: Host, changes: Change[]): Promise<void> {
  const paths = changes.flatMap((c) => (c.kind === 'file' && c.before.exists ? [c.file.path] : []));
  const contents = paths.length ? await fetchContents(host, paths) : {};
  for (const c of changes) if (c.kind === 'file' && c.before.exists) c.before.content = contents[c.file.path] ?? '';
}

/** Applies one change; false when it failed (the host then stops). */
async function applyStep(run: HostRun, c: Change, opts: ConvergeOptions, emit: Emit): Promise<boolean> {
  const { host, facts, report, target } = run;
  const base = { pair: target.pair, host: target.name };
  const step: StepReport = { title: describeChange(c), kind: c.kind, outcome: 'failed' };
  if (opts.diff) {
    const diff = stepDiff(c, opts);
    if (diff !== undefined) step.diff = diff;
  }
  report.steps.push(step);
  emit({ type: 'step-started', ...base, title: step.title });
  let outcome: Awaited<ReturnType<typeof applyChange>>;
  try {
    outcome = await applyChange(c, host!, facts!);
  } catch (e) {
    outcome = {
      ok: false,
      summary: 'failed',
      error: { message: `${target.name}: ${(e as Error).message}`, hint: (e as { hint?: string }).hint },
    };
  } finally {
    report.roundTrips = host!.roundTrips;
  }
  if (!outcome.ok) {
    step.message = outcome.error?.message;
    step.hint = outcome.error?.hint;
    failRun(run, { message: outcome.error?.message ?? `${step.title} failed`, hint: outcome.error?.hint });
    emit({ type: 'step-failed', ...base, step });
    return false;
  }
  step.outcome = 'changed';
  step.message = outcome.summary;
  if (outcome.warnings?.length) step.warnings = outcome.warnings;
  report.changed++;
  emit({ type: 'step-changed', ...base, step });
  if (c.kind === 'handler') emit({ type: 'handler-run', ...base, service: c.service, action: c.action });
  return true;
}

/** The gate before the peer is touched: this node must now be converged and running. */
async function confirm(run: HostRun, wanted: WantedState, emit: Emit): Promise<void> {
  const { host, target } = run;
  emit({ type: 'step-started', pair: target.pair, host: target.name, title: CONFIRM_STEP });
  const after = await gatherFacts(host!, wanted);
  const stopped = wanted.services.filter((s) => s.running && !after.services[s.name]?.active).map((s) => s.name);
  const left = planHost(wanted, after).filter((c) => c.kind !== 'handler');
  if (stopped.length || left.length) {
    const why = [
      stopped.length ? `not running: ${stopped.join(', ')}` : '',
      left.length ? `still to change: ${left.map(describeChange).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    failRun(run, {
      message: `${target.name}: not converged after apply (${why})`,
      hint: 'look at the service logs on the node (journalctl -u NAME)',
    });
    emit({
      type: 'step-failed',
      pair: target.pair,
      host: target.name,
      step: { title: CONFIRM_STEP, kind: 'start', outcome: 'failed', message: run.report.error, hint: run.report.hint },
    });
  }
}

// The deploy engine, one host at a time: gather (facts, the check's proof and the VIP probe in
// one round trip), plan (host-plan.ts, pure), apply the plan, confirm. It tells what happens as
// typed events and the report is its return value; it knows nothing of terminals: listr2,
// --json and tests are renderers of the events. deploy.ts decides the order across hosts.
import { factsScript, fetchContents, gatherFacts, parseFacts } from '../facts/index.js';
import { OWN_MARK, ownershipProblems, ownershipRefusal, ownershipScript, parseOwnership } from '../facts/ownership.js';
import { CHECK_MARK, checkProofScript, parseCheckProof, proofRefusal, type CheckProof } from '../facts/check-proof.js';
import { applyChange, fileDiff, planHost } from '../ops/index.js';
import { runningLine, saysRunning } from '../protocol/service.js';
import type { Change, Facts, HandlerAction, OsFamily, WantedState } from '../core/state.js';
import { checkScriptOf } from '../core/os-hints.js';
import type { Host } from '../ssh/host.js';
import { PATHS } from '../render/index.js';
import { compareBehaviour, describeBehaviour, modelOfText } from '../import/compare.js';
import { readKeepalived } from '../import/read.js';
import { planDeployHost, type HostPlan, type HostSpec, type ProofSpec } from './host-plan.js';
import { VIP_MARK, parseVipProbe, type VipProbe, type VipVerdict } from './vip.js';
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
  /** Check mode, keepalived.conf about to change: whether VRRP would behave differently (one line). */
  vrrp?: string;
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

/** A host during a run: its report, connection, what it was last seen to be, and its plan. */
export interface HostRun {
  spec: HostSpec;
  report: HostReport;
  host?: Host;
  facts?: Facts;
  /** Set when a non-root user could replace the notify script, its log or the check (refused before any change). */
  unsafe?: { message: string; hint: string };
  /** The tracked check as the facts round trip ran it (when the spec asks for a proof). */
  proof?: CheckProof;
  /** Who held the VIPs in the facts round trip (when the spec asks). */
  probe?: VipProbe | null;
  /** The plan from the gathered facts, or why there is none (a refusal, a setting the keepalived cannot take). */
  plan?: HostPlan;
  planError?: unknown;
}

export interface ConvergeOptions {
  check?: boolean;
  diff?: boolean;
  /** Masked in diffs (on top of each file's own secrets). */
  secrets?: string[];
  emit?: Emit;
}

/** Check mode: keepalived.conf about to change, the live one (with its includes, one exec) against the new one. */
async function vrrpBehaviour(host: Host, changes: Change[]): Promise<string | undefined> {
  const next = changes.find((c) => c.kind === 'file' && c.file.path === PATHS.keepalived && c.contentChanged);
  if (next?.kind !== 'file') return changes.length ? 'VRRP behaviour: same (keepalived.conf unchanged)' : undefined;
  if (!next.before.exists) return 'VRRP behaviour: new (no keepalived.conf yet)';
  const live = await readKeepalived(host);
  return describeBehaviour(compareBehaviour(live, modelOfText(next.file.content)));
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

export function newHostRun(spec: HostSpec): HostRun {
  return { spec, report: { host: spec.name, pair: spec.pair, role: spec.role, ok: true, changed: 0, steps: [], roundTrips: 0 } };
}

export function failRun(run: HostRun, e: unknown): void {
  const err = e as { message?: string; hint?: string };
  run.report.ok = false;
  run.report.error = err?.message ?? String(e);
  if (err?.hint) run.report.hint = err.hint;
}

/** Cuts one marked part off the end of a round trip's output: [what comes before, the part or null]. */
function cut(stdout: string, mark: string): [string, string | null] {
  const at = stdout.indexOf(`${mark}\n`);
  return at < 0 ? [stdout, null] : [stdout.slice(0, at), stdout.slice(at)];
}

/** The inventory's check (no config given), as keepalived runs it; `journal`: with keepalived's last line on it. */
const proofScript = (p: ProofSpec, journal: boolean, family?: OsFamily) =>
  checkProofScript({ ...p.check, script: checkScriptOf(p.check, family) }, p.scriptUser, '', journal);

/**
 * Gather: connect, then the facts script, the check's proof and the VIP probe (as the spec asks)
 * in one exec. False when the host failed (its report says why).
 */
export async function learnHost(run: HostRun, connect: (host: string) => Promise<Host>, emit: Emit = () => {}): Promise<boolean> {
  const { spec } = run;
  try {
    run.host = await connect(spec.name);
    emit({ type: 'host-connected', pair: spec.pair, host: spec.name });
    const r = await run.host.exec(
      factsScript(spec.skeleton) +
        (spec.trusted ? ownershipScript(spec.trusted) : '') +
        (spec.proof ? proofScript(spec.proof, false) : '') +
        (spec.vipProbe ?? ''),
    );
    // The parts come in that order: each is cut off the one before it.
    const [beforeProbe, probe] = spec.vipProbe ? cut(r.stdout, VIP_MARK) : [r.stdout, null];
    const [beforeProof, proof] = spec.proof ? cut(beforeProbe, CHECK_MARK) : [beforeProbe, null];
    const [facts, own] = spec.trusted ? cut(beforeProof, OWN_MARK) : [beforeProof, null];
    run.facts = parseFacts(facts, spec.skeleton);
    if (spec.trusted && own !== null)
      run.unsafe = ownershipRefusal(spec.name, ownershipProblems(spec.trusted, parseOwnership(own))) ?? undefined;
    if (spec.vipProbe) run.probe = probe === null ? null : parseVipProbe(probe.slice(VIP_MARK.length + 1));
    if (spec.proof && proof !== null) run.proof = parseCheckProof(spec.proof.check, proof);
    return true;
  } catch (e) {
    failRun(run, e);
    emit({ type: 'host-unreachable', pair: spec.pair, host: spec.name, error: run.report.error!, hint: run.report.hint });
    return false;
  } finally {
    run.report.roundTrips = run.host?.roundTrips ?? 0;
  }
}

/** Plan: the host's plan from its gathered facts, once (pure; a refusal is kept for its turn). */
export function planRun(run: HostRun): void {
  if (!run.facts) return;
  try {
    run.plan = planDeployHost(run.spec, run.facts);
  } catch (e) {
    run.planError = e;
  }
}

/** Prove, before any change: the check as the facts round trip ran it must be able to pass (a refusal or null). */
export function proofProblem(run: HostRun): { message: string; hint: string } | null {
  if (!run.proof) return null;
  return proofRefusal(run.proof, run.spec.name, Boolean(run.facts?.services.nginx?.active), true);
}

/**
 * Prove again after a package step (the command or nginx may just have arrived): the tracked
 * check must pass on the node while nginx runs, run the way keepalived runs it; a check that
 * cannot pass leaves the priorities at the base and nginx dying never moves the VIP.
 */
async function proveInstalled(run: HostRun, proof: ProofSpec): Promise<{ message: string; hint: string } | null> {
  const r = await run.host!.exec(proofScript(proof, true, run.facts?.os.family) + runningLine('nginx'), {
    timeoutMs: 15_000,
  });
  run.report.roundTrips = run.host!.roundTrips;
  const [, part] = cut(r.stdout, CHECK_MARK);
  if (part === null) return null;
  return proofRefusal(parseCheckProof(proof.check, part), run.spec.name, saysRunning(r.stdout, 'nginx'), false);
}

/**
 * Apply one gathered host's plan: the install phase first; when it changed something, facts
 * again, the check proven again and the rest planned anew, so every file is rendered once for
 * the keepalived now on the node; then the rest, stopping at the first failure; then confirm
 * (a fresh look that it is converged and running). With `check`, the plan is the report.
 */
export async function convergeHost(run: HostRun, opts: ConvergeOptions = {}): Promise<HostReport> {
  const { host, spec, report } = run;
  const emit = opts.emit ?? (() => {});
  const base = { pair: spec.pair, host: spec.name };
  if (!host || !run.facts) return report;
  try {
    if (!run.plan && run.planError === undefined) planRun(run);
    if (run.planError !== undefined) throw run.planError;
    let plan = run.plan!;
    const installed = plan.install.length > 0 && !opts.check;
    // What the EL plan said before the install (EPEL, the module stream it installs from) stays in the report.
    const notesBefore = plan.systemNotes;
    if (installed) {
      emit({ type: 'host-started', ...base, role: spec.role, check: false, steps: plan.install.map(describeChange), complete: false });
      for (const c of plan.install) if (!(await applyStep(run, c, opts, emit))) return finish(run, emit);
      run.facts = await gatherFacts(host, spec.skeleton);
      // Packages just arrived (nginx, the check's command): prove the check again before any file.
      const bad = spec.proof ? await proveInstalled(run, spec.proof) : null;
      if (bad) {
        report.steps.push({ title: PROVE_STEP, kind: 'start', outcome: 'failed', message: bad.message, hint: bad.hint });
        failRun(run, bad);
        return finish(run, emit);
      }
      plan = run.plan = planDeployHost(spec, run.facts);
    }
    const { changes } = plan;
    if (plan.notes.length) report.notes = plan.notes;
    const systemNotes = [...new Set([...notesBefore, ...plan.systemNotes])];
    if (systemNotes.length) report.systemNotes = systemNotes;
    if (installed) emit({ type: 'host-planned', ...base, steps: changes.map(describeChange) });
    else
      emit({
        type: 'host-started',
        ...base,
        role: spec.role,
        check: Boolean(opts.check),
        steps: changes.map(describeChange),
        complete: true,
      });
    if (opts.diff) await fetchLive(host, changes);
    if (opts.check) {
      const vrrp = await vrrpBehaviour(host, changes);
      if (vrrp) report.vrrp = vrrp;
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
    if (report.changed > 0) await confirm(run, plan.wanted, emit);
  } catch (e) {
    failRun(run, { message: `${spec.name}: ${(e as Error).message}`, hint: (e as { hint?: string }).hint });
  } finally {
    report.roundTrips = host.roundTrips;
  }
  return finish(run, emit);
}

function finish(run: HostRun, emit: Emit): HostReport {
  emit({ type: 'host-finished', pair: run.spec.pair, host: run.spec.name, report: run.report });
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
  const { host, facts, report, spec } = run;
  const base = { pair: spec.pair, host: spec.name };
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
      error: { message: `${spec.name}: ${(e as Error).message}`, hint: (e as { hint?: string }).hint },
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
  const { host, spec } = run;
  emit({ type: 'step-started', pair: spec.pair, host: spec.name, title: CONFIRM_STEP });
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
      message: `${spec.name}: not converged after apply (${why})`,
      hint: 'look at the service logs on the node (journalctl -u NAME)',
    });
    emit({
      type: 'step-failed',
      pair: spec.pair,
      host: spec.name,
      step: { title: CONFIRM_STEP, kind: 'start', outcome: 'failed', message: run.report.error, hint: run.report.hint },
    });
  }
}

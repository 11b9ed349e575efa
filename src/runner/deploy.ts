// Deploy as a pipeline over the fleet: gather -> prove -> plan -> apply -> confirm -> verify.
// Reads run at fleet width: every pair starts at once and every host is gathered (facts, the
// check's proof, the VIP probe: one round trip) and planned once, bounded only by `width`
// hosts read at a time. Changes keep HA order: a pair with something to change waits for one of
// `concurrency` slots, then its BACKUP converges and is confirmed before its MASTER is touched.
// A pair with nothing to change takes no slot: its VIP verdict comes from the round trip it
// already made. Tells what happens through `onEvent` and returns the report; it prints nothing.
import pLimit from 'p-limit';
import type { Model, PairModel } from '../model/derive.js';
import type { Connector } from '../nodes/connector.js';
import { poll } from '../core/poll.js';
import {
  convergeHost,
  failRun,
  learnHost,
  newHostRun,
  planRun,
  proofProblem,
  PROVE_STEP,
  type DeployEvent,
  type DeployReport,
  type HostReport,
  type HostRun,
  type PairReport,
} from './engine.js';
import type { HostSpec } from './host-plan.js';
import { wantedSkeleton, type Playbook } from './playbook.js';
import { judgeVips, splitVipProbe, vipProbeScript, type VipProbe, type VipVerdict } from './vip.js';
import { askClients, type ClientView } from './client-probe.js';
import { checkProgram } from '../facts/ownership.js';
import { checkScriptOf } from '../core/os-hints.js';
import { guardedConverge, type ReloadGuard } from './reload-guard.js';

export type { DeployEvent, DeployReport, HostReport, PairReport, StepReport } from './engine.js';
export { describeChange } from './engine.js';
export type { Connector } from '../nodes/connector.js';

/** Hosts read at once (connect, facts round trip) when no width is given. */
export const READ_WIDTH = 64;

export interface DeployOptions {
  playbook: Playbook;
  connect: Connector;
  check?: boolean;
  diff?: boolean;
  /** Only these hosts are changed; the others are still probed for the VIP check. */
  limit?: string[];
  /** Pairs changed at once (pairs with nothing to change take no slot). */
  concurrency?: number;
  /** Hosts read at once: connected and gathered (default READ_WIDTH). */
  width?: number;
  /** How long deploy waits for the VIPs to settle after a change. */
  verifyTimeoutMs?: number;
  /** Skips the VIP check (a playbook that does not deploy keepalived). */
  verify?: boolean;
  /** Every event of the run, in order per pair (a renderer: listr2, a test's array). */
  onEvent?: (e: DeployEvent) => void;
  /** Drains a VIP holder before a change that would reload nginx under its clients (docs/keepalive.md). */
  guard?: ReloadGuard;
}

/** What keepalived runs as root on this node, and what the notify script writes. */
const trustedPaths = (pair: PairModel) =>
  [pair.spec.notify.script, pair.spec.notify.log, checkProgram(checkScriptOf(pair.spec.check))].filter((p): p is string => p !== null);

/** The node that converges first: the BACKUP of the pair's first instance. */
export function convergeOrder(pair: PairModel): [string, string] {
  const master = pair.instances[0]!.master;
  return [pair.nodes.find((n) => n !== master)!, master];
}

export function roleOf(pair: PairModel, node: string): string {
  const masters = pair.instances.filter((i) => i.master === node).map((i) => i.spec.name);
  return masters.length ? `MASTER of ${masters.join(', ')}` : 'BACKUP';
}

/** Every host of a pair as data: what to render, what to prove, what to probe. */
export function pairSpecs(model: Model, pair: PairModel, playbook: Playbook, verify: boolean): HostSpec[] {
  return pair.nodes.map((name) => {
    const node = model.nodes.find((n) => n.host === name && n.pair === pair.name)!;
    return {
      pair: pair.name,
      name,
      role: roleOf(pair, name),
      skeleton: wantedSkeleton(playbook, node, model),
      render: { playbook, node, model },
      // The inventory's check (not the deployed one), as keepalived runs it: track_process runs none.
      ...(verify && pair.failover.track !== 'process' ? { proof: { check: pair.spec.check, scriptUser: pair.spec.script_user } } : {}),
      ...(verify ? { vipProbe: vipProbeScript(pair, { upstreams: true }) } : {}),
      trusted: trustedPaths(pair),
    };
  });
}

export async function deploy(model: Model, opts: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  const emit = opts.onEvent ?? (() => {});
  const read = pLimit(opts.width ?? READ_WIDTH);
  const change = pLimit(opts.concurrency ?? 4);
  const results = await Promise.all(model.pairs.map((pair) => deployPair(model, pair, opts, { read, change }, emit)));
  const hosts = results.flatMap((r) => r.hosts);
  const pairs = results.map((r) => r.pair);
  const report: DeployReport = {
    ok: hosts.every((h) => h.ok) && pairs.every((p) => p.ok),
    changed: hosts.reduce((n, h) => n + h.changed, 0),
    check: Boolean(opts.check),
    hosts,
    pairs,
    durationMs: Date.now() - started,
  };
  emit({ type: 'run-finished', report });
  return report;
}

type Limit = ReturnType<typeof pLimit>;

async function deployPair(
  model: Model,
  pair: PairModel,
  opts: DeployOptions,
  limits: { read: Limit; change: Limit },
  emit: (e: DeployEvent) => void,
): Promise<{ hosts: HostReport[]; pair: PairReport }> {
  const verify = opts.verify !== false;
  const runs = new Map(pairSpecs(model, pair, opts.playbook, verify).map((spec) => [spec.name, newHostRun(spec)]));
  const order = convergeOrder(pair);
  const runsHere = (name: string) => !opts.limit || opts.limit.includes(name);
  emit({
    type: 'pair-started',
    pair: pair.name,
    hosts: pair.nodes,
    order: order.map((host) => ({ host, role: runs.get(host)!.report.role, runs: runsHere(host) })),
    verify: verify && !opts.check,
  });

  // Gather and plan: every host at once (within the read width), each planned once.
  await Promise.all(
    [...runs.values()].map((run) =>
      limits.read(async () => {
        if (await learnHost(run, opts.connect, emit)) planRun(run);
      }),
    ),
  );
  const failed = [...runs.values()].filter((r) => !r.report.ok).map((r) => r.spec.name);
  emit({ type: 'facts-gathered', pair: pair.name, hosts: pair.nodes, failed });

  // Apply in HA order: only a pair with something to do waits for a slot.
  const apply = () => applyPair(pair, order, runs, { ...opts, secrets: model.secrets }, runsHere, emit);
  const pairReport = await (opts.check ||
  !hasWork(
    order.filter(runsHere).map((n) => runs.get(n)!),
    verify,
  )
    ? apply()
    : limits.change(apply));
  return { hosts: pair.nodes.map((n) => runs.get(n)!.report), pair: pairReport };
}

/** A host that is down, refuses, or has a step to apply: the pair needs a slot. */
function hasWork(runs: HostRun[], verify: boolean): boolean {
  return runs.some(
    (r) => !r.report.ok || r.unsafe || r.planError !== undefined || (r.plan?.changes.length ?? 0) > 0 || (verify && proofProblem(r)),
  );
}

async function applyPair(
  pair: PairModel,
  order: [string, string],
  runs: Map<string, HostRun>,
  opts: DeployOptions & { secrets: string[] },
  runsHere: (name: string) => boolean,
  emit: (e: DeployEvent) => void,
): Promise<PairReport> {
  const verify = opts.verify !== false;
  for (const [i, name] of order.entries()) {
    if (!runsHere(name)) continue;
    const run = runs.get(name)!;
    if (!run.report.ok) {
      emit({ type: 'host-skipped', pair: pair.name, host: name, reason: `${name}: ${run.report.error}` });
      continue;
    }
    // A first node that failed half-way may be down: the second keeps the VIP untouched.
    const first = runs.get(order[0]!)!;
    if (i === 1 && runsHere(first.spec.name) && !first.report.ok && first.report.changed > 0) {
      failRun(run, {
        message: `${name} left untouched: ${first.spec.name} failed half-way through its changes, so ${name} keeps serving`,
        hint: `fix ${first.spec.name}, then deploy again`,
      });
      emit({ type: 'host-skipped', pair: pair.name, host: name, reason: run.report.error! });
      continue;
    }
    // Files a non-root user could replace, then the check as keepalived will run it, from the
    // facts round trip: refuse before any change.
    const refused = run.unsafe ?? (!opts.check ? proofProblem(run) : null);
    if (refused) {
      run.report.steps.push({ title: PROVE_STEP, kind: 'start', outcome: 'failed', message: refused.message, hint: refused.hint });
      failRun(run, refused);
      emit({ type: 'host-skipped', pair: pair.name, host: name, reason: `${refused.message} (fix: ${refused.hint})` });
      continue;
    }
    const converge = () => convergeHost(run, { check: opts.check, diff: opts.diff, secrets: opts.secrets, emit });
    await guardedConverge(pair, run, runs, converge, { check: opts.check, guard: opts.guard });
  }

  const pairReport: PairReport = { pair: pair.name, ok: true, vips: [] };
  // A node drained before this deploy (haops drain) stays drained: the report says so.
  const drained = pair.nodes.filter((n) => runs.get(n)!.probe?.drained);
  if (drained.length) pairReport.drained = drained;
  if (!opts.check && verify) {
    pairReport.vips = await verifyPair(pair, [...runs.values()], opts);
    const bad = pairReport.vips.filter((v) => !v.ok);
    if (bad.length) {
      pairReport.ok = false;
      pairReport.problem = bad.map((v) => v.problem).join('; ');
    }
    emit({
      type: 'vip-verified',
      pair: pair.name,
      vips: pairReport.vips,
      ok: pairReport.ok,
      ...(pairReport.problem ? { problem: pairReport.problem } : {}),
    });
  }
  if ([...runs.values()].some((r) => !r.report.ok)) pairReport.ok = false;
  return pairReport;
}

/** The user's path through each VIP, asked from this machine or the inventory's probe host. */
async function clientProbes(pair: PairModel, connect: Connector): Promise<ClientView | null> {
  return askClients(pair, connect);
}

/** The VIP verdicts with the user's path as asked; a probe host that could not ask is a warning. */
function judgeWithClients(
  pair: PairModel,
  probes: Record<string, VipProbe | null>,
  expected: (master: string) => string | null,
  view: ClientView | null,
): VipVerdict[] {
  return judgeVips(pair, probes, expected, view?.probes ?? {}).map((v) =>
    view?.warning ? { ...v, warnings: [...(v.warnings ?? []), view.warning] } : v,
  );
}

async function verifyPair(pair: PairModel, all: HostRun[], opts: DeployOptions): Promise<VipVerdict[]> {
  const healthy = all.every((r) => r.report.ok);
  // A drained master keeps its drain through the deploy: its peer should hold the VIP.
  const drained = new Set(all.filter((r) => r.probe?.drained).map((r) => r.spec.name));
  const standIn = (master: string) => (drained.has(master) ? (pair.nodes.find((n) => n !== master && !drained.has(n)) ?? null) : master);
  const expected = (master: string) => (healthy ? standIn(master) : null);
  const nothingChanged = all.every((r) => r.report.changed === 0);
  // A converged pair was already probed in the facts round trip: no extra exec, and nothing is
  // settling, so that look is the verdict (an upstream down does not heal by waiting).
  if (nothingChanged && all.every((r) => r.probe))
    return judgeWithClients(
      pair,
      Object.fromEntries(all.map((r) => [r.spec.name, r.probe!])),
      expected,
      await clientProbes(pair, opts.connect),
    );
  // With a node down there is nothing to wait for: one look, then report what is there.
  const until = healthy ? Date.now() + (opts.verifyTimeoutMs ?? 20_000) : 0;
  const look = async () => {
    const probes = Object.fromEntries(
      await Promise.all(
        all.map(async (r): Promise<[string, VipProbe | null]> => {
          if (!r.host) return [r.spec.name, null];
          try {
            const out = await r.host.exec(vipProbeScript(pair, { upstreams: true }), { timeoutMs: 10_000 });
            r.report.roundTrips = r.host.roundTrips;
            return [r.spec.name, splitVipProbe(out.stdout).probe];
          } catch {
            return [r.spec.name, null];
          }
        }),
      ),
    );
    return judgeWithClients(pair, probes, expected, await clientProbes(pair, opts.connect));
  };
  return (await poll(look, (verdicts) => verdicts?.every((v) => v.ok) === true, { until, everyMs: 500 }))!;
}

// Converges every node of every pair: one connection and one facts round trip per host, the
// BACKUP before the MASTER, handlers once, then a check of who holds each VIP. Tells what
// happens through `onEvent` and returns the report; it prints nothing.
import pLimit from 'p-limit';
import type { Facts, OsFamily } from '../core/state.js';
import { checkScriptOf } from '../core/os-hints.js';
import { targetOf } from '../model/profile.js';
import { fitNode } from '../render/keepalived.js';
import type { Model, PairModel } from '../model/derive.js';
import { poll } from '../core/poll.js';
import type { Host } from '../ssh/host.js';
import {
  convergeHost,
  failRun,
  learnHost,
  newHostRun,
  PROVE_STEP,
  type DeployEvent,
  type DeployReport,
  type HostReport,
  type HostRun,
  type PairReport,
} from './engine.js';
import { wantedSkeleton, wantedState, type Playbook } from './playbook.js';
import { judgeVips, splitVipProbe, vipProbeScript, type VipProbe, type VipVerdict } from './vip.js';
import { serviceActive } from '../platforms/services.js';
import { askClients, type ClientView } from './client-probe.js';
import { CHECK_MARK, checkProofScript, parseCheckProof, proofRefusal, type CheckProof } from '../facts/checks.js';

export type { DeployEvent, DeployReport, HostReport, PairReport, StepReport } from './engine.js';
export { describeChange } from './engine.js';

export type Connector = (host: string) => Promise<Host>;

export interface DeployOptions {
  playbook: Playbook;
  connect: Connector;
  check?: boolean;
  diff?: boolean;
  /** Only these hosts are changed; the others are still probed for the VIP check. */
  limit?: string[];
  /** Pairs converged at once. */
  concurrency?: number;
  /** How long deploy waits for the VIPs to settle after a change. */
  verifyTimeoutMs?: number;
  /** Skips the VIP check (a playbook that does not deploy keepalived). */
  verify?: boolean;
  /** Every event of the run, in order per pair (a renderer: listr2, a test's array). */
  onEvent?: (e: DeployEvent) => void;
}

interface PairRun extends HostRun {
  probe?: VipProbe | null;
  /** The inventory's check, run on the node as keepalived will run it (facts round trip). */
  proof?: CheckProof;
}

/**
 * The inventory's check (not the deployed one: no config given), as keepalived runs it; with no
 * script in the inventory, the default for the node's family once the facts tell it.
 */
const proofScript = (pair: PairModel, family?: OsFamily) =>
  checkProofScript({ ...pair.spec.check, script: checkScriptOf(pair.spec.check, family) }, pair.spec.script_user, '');
const proofOf = (pair: PairModel, stdout: string) => {
  const at = stdout.indexOf(`${CHECK_MARK}\n`);
  return at < 0 ? undefined : parseCheckProof(pair.spec.check, stdout.slice(at));
};
/** Facts, then the proof, then the VIP probe: each part cut off the one before it. */
const beforeProof = (stdout: string) => {
  const at = stdout.indexOf(`${CHECK_MARK}\n`);
  return at < 0 ? stdout : stdout.slice(0, at);
};

/** The node that converges first: the BACKUP of the pair's first instance. */
export function convergeOrder(pair: PairModel): [string, string] {
  const master = pair.instances[0]!.master;
  return [pair.nodes.find((n) => n !== master)!, master];
}

export function roleOf(pair: PairModel, node: string): string {
  const masters = pair.instances.filter((i) => i.master === node).map((i) => i.spec.name);
  return masters.length ? `MASTER of ${masters.join(', ')}` : 'BACKUP';
}

export async function deploy(model: Model, opts: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  const emit = opts.onEvent ?? (() => {});
  const limit = pLimit(opts.concurrency ?? 4);
  const results = await Promise.all(model.pairs.map((pair) => limit(() => deployPair(model, pair, opts, emit))));
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

async function deployPair(
  model: Model,
  pair: PairModel,
  opts: DeployOptions,
  emit: (e: DeployEvent) => void,
): Promise<{ hosts: HostReport[]; pair: PairReport }> {
  const runs = new Map<string, PairRun>();
  for (const name of pair.nodes) {
    const node = model.nodes.find((n) => n.host === name && n.pair === pair.name)!;
    const target = (f: Facts) => targetOf(f.keepalivedVersion, f.container, f.init, f.os.family);
    const render = (f: Facts) => wantedState(opts.playbook, node, model, target(f));
    // Only when keepalived is there to fit to; a failover setting it cannot take fails in render.
    const notes = (f: Facts) => (f.keepalivedVersion ? fitNode(node, target(f)).fallbacks : []);
    runs.set(
      name,
      newHostRun({ pair: pair.name, name, role: roleOf(pair, name), skeleton: wantedSkeleton(opts.playbook, node, model), render, notes }),
    );
  }
  const order = convergeOrder(pair);
  const runsHere = (name: string) => !opts.limit || opts.limit.includes(name);
  emit({
    type: 'pair-started',
    pair: pair.name,
    hosts: pair.nodes,
    order: order.map((host) => ({ host, role: runs.get(host)!.report.role, runs: runsHere(host) })),
    verify: opts.verify !== false && !opts.check,
  });

  const verify = opts.verify !== false;
  await Promise.all(
    [...runs.values()].map(async (run) => {
      const stdout = await learnHost(
        run,
        opts.connect,
        verify ? proofScript(pair) + vipProbeScript(pair, { upstreams: true }) : '',
        (out) => beforeProof(splitVipProbe(out).before),
        emit,
      );
      if (stdout !== null) {
        run.probe = splitVipProbe(stdout).probe;
        run.proof = proofOf(pair, splitVipProbe(stdout).before);
      }
    }),
  );
  const failed = [...runs.values()].filter((r) => !r.report.ok).map((r) => r.target.name);
  emit({ type: 'facts-gathered', pair: pair.name, hosts: pair.nodes, failed });

  for (const [i, name] of order.entries()) {
    if (!runsHere(name)) continue;
    const run = runs.get(name)!;
    if (!run.report.ok) {
      emit({ type: 'host-skipped', pair: pair.name, host: name, reason: `${name}: ${run.report.error}` });
      continue;
    }
    // A first node that failed half-way may be down: the second keeps the VIP untouched.
    const first = runs.get(order[0]!)!;
    if (i === 1 && runsHere(first.target.name) && !first.report.ok && first.report.changed > 0) {
      failRun(run, {
        message: `${name} left untouched: ${first.target.name} failed half-way through its changes, so ${name} keeps serving`,
        hint: `fix ${first.target.name}, then deploy again`,
      });
      emit({ type: 'host-skipped', pair: pair.name, host: name, reason: run.report.error! });
      continue;
    }
    // The check as keepalived will run it, from the facts round trip: refuse before any change.
    const refused =
      verify && !opts.check && run.proof && pair.failover.track !== 'process'
        ? proofRefusal(run.proof, name, Boolean(run.facts?.services.nginx?.active), true)
        : null;
    if (refused) {
      run.report.steps.push({ title: PROVE_STEP, kind: 'start', outcome: 'failed', message: refused.message, hint: refused.hint });
      failRun(run, refused);
      emit({ type: 'host-skipped', pair: pair.name, host: name, reason: `${refused.message} (fix: ${refused.hint})` });
      continue;
    }
    await convergeHost(run, {
      check: opts.check,
      diff: opts.diff,
      secrets: model.secrets,
      emit,
      ...(verify && pair.failover.track !== 'process' ? { prove: (r, installed) => proveCheck(pair, r as PairRun, installed) } : {}),
    });
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
  return { hosts: pair.nodes.map((n) => runs.get(n)!.report), pair: pairReport };
}

/**
 * The tracked check must pass on the node while nginx runs, run the way keepalived runs it: a
 * check that cannot pass leaves the priorities at the base and nginx dying never moves the VIP.
 * After a package step the node is asked again (the command or nginx may just have arrived).
 */
async function proveCheck(pair: PairModel, run: PairRun, installed: boolean): Promise<{ message: string; hint: string } | null> {
  let proof = run.proof;
  let nginx = Boolean(run.facts?.services.nginx?.active);
  if (installed && run.host) {
    const r = await run.host.exec(`${proofScript(pair, run.facts?.os.family)}${serviceActive('nginx')} && echo nginx-running\n`, {
      timeoutMs: 15_000,
    });
    run.report.roundTrips = run.host.roundTrips;
    proof = proofOf(pair, r.stdout);
    nginx = /^nginx-running$/m.test(r.stdout);
  }
  if (!proof) return null;
  return proofRefusal(proof, run.target.name, nginx, false);
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

async function verifyPair(pair: PairModel, all: PairRun[], opts: DeployOptions): Promise<VipVerdict[]> {
  const healthy = all.every((r) => r.report.ok);
  // A drained master keeps its drain through the deploy: its peer should hold the VIP.
  const drained = new Set(all.filter((r) => r.probe?.drained).map((r) => r.target.name));
  const standIn = (master: string) => (drained.has(master) ? (pair.nodes.find((n) => n !== master && !drained.has(n)) ?? null) : master);
  const expected = (master: string) => (healthy ? standIn(master) : null);
  const nothingChanged = all.every((r) => r.report.changed === 0);
  // A converged pair was already probed in the facts round trip: no extra exec, and nothing is
  // settling, so that look is the verdict (an upstream down does not heal by waiting).
  if (nothingChanged && all.every((r) => r.probe))
    return judgeWithClients(
      pair,
      Object.fromEntries(all.map((r) => [r.target.name, r.probe!])),
      expected,
      await clientProbes(pair, opts.connect),
    );
  // With a node down there is nothing to wait for: one look, then report what is there.
  const until = healthy ? Date.now() + (opts.verifyTimeoutMs ?? 20_000) : 0;
  const look = async () => {
    const probes = Object.fromEntries(
      await Promise.all(
        all.map(async (r): Promise<[string, VipProbe | null]> => {
          if (!r.host) return [r.target.name, null];
          try {
            const out = await r.host.exec(vipProbeScript(pair, { upstreams: true }), { timeoutMs: 10_000 });
            r.report.roundTrips = r.host.roundTrips;
            return [r.target.name, splitVipProbe(out.stdout).probe];
          } catch {
            return [r.target.name, null];
          }
        }),
      ),
    );
    return judgeWithClients(pair, probes, expected, await clientProbes(pair, opts.connect));
  };
  return (await poll(look, (verdicts) => verdicts?.every((v) => v.ok) === true, { until, everyMs: 500 }))!;
}

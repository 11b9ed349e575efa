// Converges every node of every pair: one connection and one facts round trip per host, the
// BACKUP before the MASTER, handlers once, then a check of who holds each VIP.
import { poll } from '../core/poll.js';
import { Listr, type ListrTaskWrapper } from 'listr2';
import { factsScript, fetchContents, gatherFacts, parseFacts } from '../facts/index.js';
import type { Model, NodeModel, PairModel } from '../model/derive.js';
import { applyChange, fileDiff, planHost } from '../ops/index.js';
import type { Change, Facts, WantedState } from '../core/state.js';
import type { Host } from '../ssh/host.js';
import { wantedState, type Playbook } from './playbook.js';
import { judgeVips, splitVipProbe, vipProbeScript, type VipProbe, type VipVerdict } from './vip.js';

export type Connector = (host: string) => Promise<Host>;

export interface DeployOptions {
  playbook: Playbook;
  connect: Connector;
  check?: boolean;
  diff?: boolean;
  /** Only these hosts are changed; the others are still probed for the VIP check. */
  limit?: string[];
  concurrency?: number;
  renderer?: 'default' | 'simple' | 'silent';
  /** How long deploy waits for the VIPs to settle after a change. */
  verifyTimeoutMs?: number;
  /** Skips the VIP check (a playbook that does not deploy keepalived). */
  verify?: boolean;
}

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
  roundTrips: number;
}

export interface PairReport {
  pair: string;
  ok: boolean;
  vips: VipVerdict[];
  problem?: string;
}

export interface DeployReport {
  ok: boolean;
  changed: number;
  check: boolean;
  hosts: HostReport[];
  pairs: PairReport[];
  durationMs: number;
}

interface NodeRun {
  name: string;
  node: NodeModel;
  report: HostReport;
  host?: Host;
  wanted: WantedState;
  facts?: Facts;
  probe?: VipProbe | null;
  changes: Change[];
}

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
      return `${c.action} ${c.service}`;
  }
}

/** The node that converges first: the BACKUP of the pair's first instance. */
function convergeOrder(pair: PairModel): [string, string] {
  const master = pair.instances[0]!.master;
  return [pair.nodes.find((n) => n !== master)!, master];
}

function roleOf(pair: PairModel, node: string): string {
  const masters = pair.instances.filter((i) => i.master === node).map((i) => i.spec.name);
  return masters.length ? `MASTER of ${masters.join(', ')}` : 'BACKUP';
}

export async function deploy(model: Model, opts: DeployOptions): Promise<DeployReport> {
  const started = Date.now();
  const hosts: HostReport[] = [];
  const pairs: PairReport[] = [];
  const tasks = new Listr(
    model.pairs.map((pair) => ({
      title: `pair ${pair.name}`,
      task: (_: unknown, task: ListrTaskWrapper<unknown, any, any>) => {
        const runs = new Map<string, NodeRun>();
        for (const name of pair.nodes) {
          const node = model.nodes.find((n) => n.host === name && n.pair === pair.name)!;
          const report: HostReport = { host: name, pair: pair.name, role: roleOf(pair, name), ok: true, changed: 0, steps: [], roundTrips: 0 };
          hosts.push(report);
          runs.set(name, { name, report, node, wanted: wantedState(opts.playbook, node, model), changes: [] });
        }
        const pairReport: PairReport = { pair: pair.name, ok: true, vips: [] };
        pairs.push(pairReport);
        return task.newListr(
          [
            {
              title: `connect and gather facts (${pair.nodes.join(', ')})`,
              task: async () => {
                await Promise.all([...runs.values()].map((r) => learn(r, pair, model, opts)));
                const failed = [...runs.values()].filter((r) => !r.report.ok);
                if (failed.length) throw new Error(failed.map((r) => `${r.name}: ${r.report.error}`).join('; '));
              },
            },
            ...convergeOrder(pair).map((name, i, order) => ({
              title: `${opts.check ? 'check' : 'converge'} ${name} (${runs.get(name)!.report.role})`,
              enabled: () => !opts.limit || opts.limit.includes(name),
              skip: () => {
                const run = runs.get(name)!;
                if (!run.report.ok) return `${name}: ${run.report.error}`;
                // A first node that failed half-way may be down: the second keeps the VIP untouched.
                const first = runs.get(order[0]!)!;
                if (i === 1 && !first.report.ok && first.report.changed > 0) {
                  fail(run, { message: `${name} left untouched: ${first.name} failed half-way through its changes, so ${name} keeps serving`, hint: `fix ${first.name}, then deploy again` });
                  return run.report.error!;
                }
                return false;
              },
              task: (_: unknown, t: ListrTaskWrapper<unknown, any, any>) => converge(runs.get(name)!, opts, t, model.secrets),
            })),
            {
              title: 'check who holds each VIP',
              enabled: () => !opts.check && opts.verify !== false,
              task: async (_: unknown, t: ListrTaskWrapper<unknown, any, any>) => {
                pairReport.vips = await verifyPair(pair, runs, opts);
                const bad = pairReport.vips.filter((v) => !v.ok);
                t.title = `VIPs: ${pairReport.vips.map((v) => `${v.vip} on ${v.holders.join('+') || 'nobody'}${v.servedBy ? `, HTTP served by ${v.servedBy}` : ''}`).join('; ')}`;
                if (bad.length) {
                  pairReport.ok = false;
                  pairReport.problem = bad.map((v) => v.problem).join('; ');
                  throw new Error(pairReport.problem);
                }
              },
            },
          ],
          { concurrent: false, exitOnError: false },
        );
      },
    })),
    {
      concurrent: opts.concurrency ?? 4,
      exitOnError: false,
      renderer: opts.renderer ?? 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { collapseSubtasks: false, showErrorMessage: true },
    },
  );
  await tasks.run().catch(() => undefined);
  for (const p of pairs) {
    const failedHosts = hosts.filter((h) => h.pair === p.pair && !h.ok);
    if (failedHosts.length) p.ok = false;
  }
  return {
    ok: hosts.every((h) => h.ok) && pairs.every((p) => p.ok),
    changed: hosts.reduce((n, h) => n + h.changed, 0),
    check: Boolean(opts.check),
    hosts,
    pairs,
    durationMs: Date.now() - started,
  };
}

/** Connect, then facts and the VIP probe in one exec. */
/** The keepalived each OS family installs, for a first converge (el-transcripts.md). */
export function expectedKeepalived(facts: Facts): string {
  return { el6: '1.2.13', el7: '1.3.5', el9: '2.2.8', debian: '2.2.7' }[facts.os.family];
}

async function learn(run: NodeRun, pair: PairModel, model: Model, opts: DeployOptions): Promise<void> {
  try {
    run.host = await opts.connect(run.name);
    const r = await run.host.exec(factsScript(run.wanted) + (opts.verify === false ? '' : vipProbeScript(pair)));
    const { before, probe } = splitVipProbe(r.stdout);
    run.facts = parseFacts(before, run.wanted);
    run.probe = probe;
    // Same paths, contents now fitted to the keepalived that is (or will be) installed.
    run.wanted = wantedState(opts.playbook, run.node, model, { version: run.facts.keepalivedVersion ?? expectedKeepalived(run.facts) });
    run.changes = planHost(run.wanted, run.facts);
  } catch (e) {
    fail(run, e);
  } finally {
    run.report.roundTrips = run.host?.roundTrips ?? 0;
  }
}

function fail(run: NodeRun, e: unknown): void {
  const err = e as { message?: string; hint?: string };
  run.report.ok = false;
  run.report.error = err?.message ?? String(e);
  if (err?.hint) run.report.hint = err.hint;
}

async function converge(run: NodeRun, opts: DeployOptions, task: ListrTaskWrapper<unknown, any, any>, secrets: string[]) {
  const { host, facts } = run;
  if (!host || !facts) return;
  if (run.changes.length === 0) {
    task.title = `${task.title}: no changes`;
    return;
  }
  if (opts.diff) {
    const paths = run.changes.flatMap((c) => (c.kind === 'file' && c.before.exists ? [c.file.path] : []));
    const contents = paths.length ? await fetchContents(host, paths) : {};
    for (const c of run.changes) if (c.kind === 'file' && c.before.exists) c.before.content = contents[c.file.path] ?? '';
  }
  if (opts.check) {
    for (const c of run.changes) {
      run.report.steps.push({ title: describeChange(c), kind: c.kind, outcome: 'would change', ...(opts.diff && c.kind === 'file' ? { diff: fileDiff(c, secrets) } : {}) });
    }
    run.report.changed = run.changes.length;
    task.title = `${task.title}: ${run.changes.length} change${run.changes.length === 1 ? '' : 's'} (not applied: --check)`;
    return;
  }
  const steps = task.newListr(
    run.changes.map((c) => ({
      title: describeChange(c),
      task: async () => {
        const step: StepReport = { title: describeChange(c), kind: c.kind, outcome: 'failed' };
        if (opts.diff && c.kind === 'file') step.diff = fileDiff(c, secrets);
        run.report.steps.push(step);
        let outcome: Awaited<ReturnType<typeof applyChange>>;
        try {
          outcome = await applyChange(c, host, facts);
        } catch (e) {
          outcome = { ok: false, summary: 'failed', error: { message: `${run.name}: ${(e as Error).message}`, hint: (e as { hint?: string }).hint } };
        } finally {
          run.report.roundTrips = host.roundTrips;
        }
        if (!outcome.ok) {
          step.message = outcome.error?.message;
          step.hint = outcome.error?.hint;
          fail(run, { message: outcome.error?.message ?? `${step.title} failed`, hint: outcome.error?.hint });
          throw new Error(`${outcome.error?.message ?? step.title}${outcome.error?.hint ? ` (fix: ${outcome.error.hint})` : ''}`);
        }
        step.outcome = 'changed';
        step.message = outcome.summary;
        if (outcome.warnings?.length) step.warnings = outcome.warnings;
        run.report.changed++;
      },
    })),
    { concurrent: false, exitOnError: true },
  );
  steps.add({
    // The gate before the peer is touched: this node must now be converged and running.
    title: 'confirm converged and running',
    task: async () => {
      const after = await gatherFacts(host, run.wanted);
      run.report.roundTrips = host.roundTrips;
      const stopped = run.wanted.services.filter((s) => s.running && !after.services[s.name]?.active).map((s) => s.name);
      const left = planHost(run.wanted, after).filter((c) => c.kind !== 'handler');
      if (stopped.length || left.length) {
        const why = [stopped.length ? `not running: ${stopped.join(', ')}` : '', left.length ? `still to change: ${left.map(describeChange).join(', ')}` : ''].filter(Boolean).join('; ');
        fail(run, { message: `${run.name}: not converged after apply (${why})`, hint: 'look at the service logs on the node (journalctl -u NAME)' });
        throw new Error(run.report.error);
      }
    },
  });
  return steps;
}

async function verifyPair(pair: PairModel, runs: Map<string, NodeRun>, opts: DeployOptions): Promise<VipVerdict[]> {
  const all = [...runs.values()];
  const healthy = all.every((r) => r.report.ok);
  const expected = (master: string) => (healthy ? master : null);
  const nothingChanged = all.every((r) => r.report.changed === 0);
  // A converged pair was already probed in the facts round trip: no extra exec.
  if (nothingChanged && all.every((r) => r.probe)) {
    const verdicts = judgeVips(pair, Object.fromEntries(all.map((r) => [r.name, r.probe!])), expected);
    if (verdicts.every((v) => v.ok)) return verdicts;
  }
  // With a node down there is nothing to wait for: one look, then report what is there.
  const until = healthy ? Date.now() + (opts.verifyTimeoutMs ?? 20_000) : 0;
  const look = async () => {
    const probes = Object.fromEntries(
      await Promise.all(
        all.map(async (r): Promise<[string, VipProbe | null]> => {
          if (!r.host) return [r.name, null];
          try {
            const out = await r.host.exec(vipProbeScript(pair), { timeoutMs: 10_000 });
            r.report.roundTrips = r.host.roundTrips;
            return [r.name, splitVipProbe(out.stdout).probe];
          } catch {
            return [r.name, null];
          }
        }),
      ),
    );
    return judgeVips(pair, probes, expected);
  };
  return (await poll(look, (verdicts) => verdicts !== undefined && verdicts.every((v) => v.ok), { until, everyMs: 500 }))!;
}

// One node's converge, wrapped so that a change which would reload nginx (or restart keepalived,
// or upgrade either) under a VIP's clients is applied with the node drained: its VIPs move to
// the peer first and come back after (docs/keepalive.md). Kept apart from deploy.ts's loop.
import type { PairModel } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import type { HostRun } from './engine.js';
import { reloadDecision, type ReloadDecision, type ReloadGuard } from './reload-safety.js';
import type { VipProbe } from './vip.js';

export type { ReloadGuard } from './reload-safety.js';

/** The decision for one node from its facts (null: nothing in its plan reloads anything). */
export function decideFor(pair: PairModel, run: HostRun & { probe?: VipProbe | null }): ReloadDecision | null {
  // The host's plan, made once from its facts (none: the converge itself reports what is wrong).
  const changes = run.plan?.changes;
  if (!changes) return null;
  const on = new Set(run.probe?.addresses ?? []);
  const held = pair.instances.flatMap((i) => i.vips.map((v) => v.address)).filter((v) => on.has(v));
  return reloadDecision(changes, held);
}

export async function guardedConverge(
  pair: PairModel,
  run: HostRun & { probe?: VipProbe | null },
  runs: Map<string, HostRun>,
  converge: () => Promise<unknown>,
  opts: { check?: boolean; guard?: ReloadGuard | undefined },
): Promise<void> {
  const decision = decideFor(pair, run);
  if (decision) run.report.reload = { ...decision };
  if (decision?.way !== 'drained' || opts.check) {
    await converge();
    return;
  }
  const inPlace = async (why: string) => {
    run.report.reload = { way: 'in-place', why: decision.why, fallback: why };
    await converge();
  };
  if (!opts.guard) return inPlace('no drain available here');
  const hosts: Record<string, Host> = {};
  for (const n of pair.nodes) {
    const h = runs.get(n)?.host;
    if (h) hosts[n] = h;
  }
  if (Object.keys(hosts).length < pair.nodes.length) return inPlace('the peer is not connected');
  const drained = await opts.guard.drain(pair.name, run.spec.name, hosts);
  if (!drained.ok) return inPlace(drained.why);
  await converge();
  // A change refused before it went live (nginx -t, keepalived -t) left the node as it was: it
  // takes its VIPs back. One that failed half-way stays drained until someone looks.
  if (!run.report.ok && run.report.changed > 0) {
    run.report.reload = { ...decision, leftDrained: `haops undrain INVENTORY ${run.spec.name}` };
    return;
  }
  const back = await opts.guard.undrain(pair.name, run.spec.name, hosts);
  run.report.reload = { ...decision, connectionsLeft: back.connectionsLeft };
}

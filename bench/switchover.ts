// `npm run bench -- --switchover [--rounds N]`: measured switchovers on the lab (it must be up and
// deployed): the first pair's first instance, and with --node each node of an active-active pair.
// Each is one `haops switchover ... --json` child process; the figures go to bench/results.json.
// With `--no-handoff-too` every target runs once more with --no-handoff: the handoff's effect, paired.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { SwitchoverReport } from '../src/switchover/switchover.js';

export interface SwitchoverBench {
  target: string;
  /** Whether the move handed off the old holder's connections (false: --no-handoff, or a node without nft). */
  handoff: boolean;
  /** Packets handed on over all rounds. */
  handedPackets: number;
  ok: boolean;
  method: string | null;
  rounds: number;
  failedRequests: number[];
  medianSwitchoverSeconds: number | null;
  worstLatencySeconds: number | null;
  medianSwitchbackSeconds: number | null;
  /** null: not measured (probed from a probe host). */
  resetsOnReusedConnections: number | null;
  problems: string[];
}

export function switchoverPart(
  root: string,
  haops: string,
  inventory: string,
  rounds: number,
  withoutHandoffToo = false,
): SwitchoverBench[] {
  const inv = parse(readFileSync(resolve(root, inventory), 'utf8'));
  const [name, first] = Object.entries(inv.pairs as Record<string, { nodes: string[]; instances: unknown[] }>)[0]!;
  const targets: string[][] = [['--pair', name]];
  // Active-active: each node holds a VIP of its own; drain each whole node in turn.
  if (first.instances.length > 1) for (const n of first.nodes) targets.push(['--node', n]);
  const out: SwitchoverBench[] = [];
  const runs = withoutHandoffToo ? targets.flatMap((t) => [t, [...t, '--no-handoff']]) : targets;
  for (const t of runs) {
    const r = spawnSync(process.execPath, [haops, 'switchover', inventory, ...t, '--rounds', String(rounds), '--json'], {
      cwd: root,
      encoding: 'utf8',
    });
    let report: SwitchoverReport;
    try {
      report = JSON.parse(r.stdout) as SwitchoverReport;
    } catch {
      throw new Error(
        `haops switchover ${t.join(' ')} printed no report (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    const latencies = report.rounds.map((x) => x.worstLatencySeconds).filter((x): x is number => x !== null);
    out.push({
      target: `${report.pair} ${report.target}${t.includes('--no-handoff') ? ' --no-handoff' : ''}`,
      handoff: report.handoff.length > 0 && report.handoff.every((h) => h.on),
      handedPackets: report.handoff.reduce((n, h) => n + (h.packets ?? 0), 0),
      ok: report.ok,
      method: report.method,
      rounds: report.rounds.length,
      failedRequests: report.rounds.map((x) => x.failedRequests),
      medianSwitchoverSeconds: report.stats?.switchoverSeconds?.median ?? report.rounds[0]?.switchoverSeconds ?? null,
      worstLatencySeconds: latencies.length ? Math.max(...latencies) : null,
      medianSwitchbackSeconds: report.stats?.switchbackSeconds?.median ?? report.rounds[0]?.switchbackSeconds ?? null,
      resetsOnReusedConnections: report.rounds.some((x) => x.resetsOnReusedConnections === null)
        ? null
        : report.rounds.reduce((s, x) => s + x.resetsOnReusedConnections!, 0),
      problems: report.problems,
    });
  }
  return out;
}

// `npm run bench -- --switchover [--rounds N]`: measured switchovers on the lab (it must be up and
// deployed): the first pair's first instance, and with --node each node of an active-active pair.
// Each is one `haops switchover ... --json` child process; the figures go to bench/results.json.
// With `--no-handoff-too` every target runs once more with --no-handoff: the handoff's effect, paired.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { SwitchoverReport } from '../src/switchover/report.js';

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
  /** Off-the-shelf clients through the VIP during the rounds (null: wrk/ab not installed). */
  wrk: ClientFigures | null;
  ab: ClientFigures | null;
  problems: string[];
}

/** What a load generator saw: requests, socket errors (connect/read/write/timeout), non-2xx. */
export interface ClientFigures {
  requests: number;
  socketErrors: number;
  non2xx: number;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

export function parseWrk(out: string): ClientFigures | null {
  const requests = /(\d+) requests in/.exec(out);
  if (!requests) return null;
  const s = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(requests[1]),
    socketErrors: s ? s.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

export function parseAb(out: string): ClientFigures | null {
  const done = /Complete requests:\s+(\d+)/.exec(out);
  if (!done) return null;
  return {
    requests: Number(done[1]),
    socketErrors: Number(/Failed requests:\s+(\d+)/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
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
  const vip = String(Object.values(inv.pairs as Record<string, { instances: { vip: string }[] }>)[0]!.instances[0]!.vip).split('/')[0]!;
  const clients = has('wrk') && has('ab');
  for (const t of runs) {
    // wrk -c16 (kept-alive) and ab -c4 (a new connection each) through the VIP for the whole run;
    // SIGINT makes both print their totals.
    const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const cmd = [process.execPath, haops, 'switchover', inventory, ...t, '--rounds', String(rounds), '--json'].map(q).join(' ');
    const script = clients
      ? `wrk -c16 -t2 -d3600s --timeout 2s http://${vip}/ > "$T/wrk" 2>&1 & W=$!; ab -r -c4 -t 3600 -n 100000000 -s 2 http://${vip}/haops-health > "$T/ab" 2>&1 & A=$!; sleep 1; ${cmd}; kill -INT $W $A; wait $W $A; true`
      : cmd;
    const tmp = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
    const r = spawnSync('sh', ['-c', script], { cwd: root, encoding: 'utf8', env: { ...process.env, T: tmp } });
    const read = (f: string) => spawnSync('cat', [`${tmp}/${f}`], { encoding: 'utf8' }).stdout ?? '';
    const wrk = clients ? parseWrk(read('wrk')) : null;
    const ab = clients ? parseAb(read('ab')) : null;
    spawnSync('rm', ['-rf', tmp]);
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
      wrk,
      ab,
      problems: report.problems,
    });
  }
  return out;
}

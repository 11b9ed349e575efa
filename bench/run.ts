// Benchmarks: a converged (no-op) deploy of a simulated fleet, and of the lab pair; prints a
// table and merges the figures into bench/results.json (one key per part).
//   npm run bench                          fleet of 10, 50, 100 simulated hosts
//   npm run bench -- --sizes 10,100 --concurrency 50 --runs 3 --os rocky9
//   npm run bench -- --lab                 lab pair, 1 warm-up + 5 timed no-op deploys (lab must be up)
//   npm run bench -- --lab-cold            lab pair, one timed deploy: run right after `haops lab up`
//   npm run bench -- --lab-fleet 10       N real lab nodes: lab up, cold + 5 no-op deploys beside the
//                                          OpenSSH floor, where the time goes (root; leaves that lab up;
//                                          HAOPS_LAB_ID=N picks the lab; --no-parts skips where the time goes)
//   npm run bench -- --switchover [--rounds 5] [--no-handoff-too]   measured switchovers on the lab
//                                          (up and deployed); --no-handoff-too: each also without the handoff
//   add --fleet to --lab / --lab-cold to run the fleet part as well
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hostConnections } from '../src/nodes/connector.js';
import { loadInventory } from '../src/inventory/load.js';
import { buildModel } from '../src/model/derive.js';
import { deploy, type DeployReport } from '../src/runner/deploy.js';
import { soundKeyPair } from '../test/sim/keys.js';
import { SIM_PLAYBOOK } from '../test/sim/wanted.js';
import type { FleetHost, FleetStats } from './sim-fleet.js';
import { labFleetPart } from './lab-fleet.js';
import { switchoverPart } from './switchover.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results.json');

const SIM_ENV = { SIM_VRRP_PW: 'benchPw1' };

/** pyinfra's published benchmark (docs.pyinfra.com, "Performance"), converged second run, seconds. */
const ANCHORS = [
  { tool: 'Ansible (ssh, pipelining)', hosts1: 4.06, hosts5: 4.79, hosts100: 64.6 },
  { tool: 'pyinfra', hosts1: 1.27, hosts5: 1.42, hosts100: 6.5 },
  { tool: 'fabric (no state checks)', hosts1: 0.47, hosts5: 0.62, hosts100: 3.9 },
];

interface Args {
  fleet: boolean;
  labFleet: number[];
  /** --no-parts: the lab fleet's headline only, without splitting a no-op run into its parts. */
  parts: boolean;
  lab: boolean;
  labCold: boolean;
  switchover: boolean;
  noHandoffToo: boolean;
  rounds: number;
  sizes: number[];
  concurrency: number;
  runs: number;
  os: string;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  const lab = argv.includes('--lab');
  const labCold = argv.includes('--lab-cold');
  const labFleet = argv.includes('--lab-fleet') ? value('--lab-fleet', '').split(',').map(Number) : [];
  const switchover = argv.includes('--switchover');
  const a: Args = {
    fleet: argv.includes('--fleet') || (!lab && !labCold && !labFleet.length && !switchover),
    labFleet,
    lab,
    labCold,
    switchover,
    noHandoffToo: argv.includes('--no-handoff-too'),
    parts: !argv.includes('--no-parts'),
    rounds: Number(value('--rounds', '5')),
    sizes: value('--sizes', '10,50,100').split(',').map(Number),
    concurrency: Number(value('--concurrency', '50')),
    runs: Number(value('--runs', '3')),
    os: value('--os', 'rocky9'),
  };
  if (a.sizes.some((n) => !Number.isInteger(n) || n < 2 || n % 2))
    throw new Error('--sizes: even host counts of at least 2, like 10,50,100');
  if (a.labFleet.some((n) => !Number.isInteger(n) || n < 2 || n > 40 || n % 2))
    throw new Error('--lab-fleet: even node counts from 2 to 40, like 2,10,40');
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1) throw new Error('--concurrency: a whole number of at least 1');
  if (!Number.isInteger(a.runs) || a.runs < 1) throw new Error('--runs: a whole number of at least 1');
  return a;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 2 ** 20);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const fixed = (x: number, digits = 2) => x.toFixed(digits);
const spread = (xs: number[]) => (Math.min(...xs) === Math.max(...xs) ? `${xs[0]}` : `${Math.min(...xs)}-${Math.max(...xs)}`);

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const width = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------- fleet of simulated hosts

/** The sim-fleet child: its hosts, and a "stats" request answered line by line. */
async function startFleet(n: number, os: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'sim-fleet.ts'), String(n), os], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`sim-fleet exited (${code}) before answering`));
  });
  const next = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  const hosts = JSON.parse(await next()) as FleetHost[];
  return {
    hosts,
    stats: async () => {
      const answer = next();
      child.stdin.write('stats\n');
      return JSON.parse(await answer) as FleetStats;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** N hosts as N/2 pairs, each on its own /24 with its own VRID: 10.P.0.0/24, VRID P. */
function writeFleetInventory(dir: string, hosts: FleetHost[]): string {
  const key = soundKeyPair();
  writeFileSync(join(dir, 'id'), key.private, { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), hosts.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}\n`).join(''));
  const lines = ['ssh: { user: root, identity_file: id, known_hosts: known_hosts }', 'hosts:'];
  const pairs = ['pairs:'];
  for (let p = 1; p <= hosts.length / 2; p++) {
    const [a, b] = [hosts[2 * p - 2]!, hosts[2 * p - 1]!];
    lines.push(
      `  n${p}a: { address: 127.0.0.1, port: ${a.port}, ip: 10.${p}.0.11 }`,
      `  n${p}b: { address: 127.0.0.1, port: ${b.port}, ip: 10.${p}.0.12 }`,
    );
    pairs.push(
      `  pair${p}:`,
      `    nodes: [n${p}a, n${p}b]`,
      '    interface: eth0',
      `    subnet: 10.${p}.0.0/24`,
      '    instances:',
      `      - { name: VI_${p}, virtual_router_id: ${p}, vip: 10.${p}.0.100, master: n${p}a, authentication: { password_env: SIM_VRRP_PW } }`,
      `    nginx: { upstreams: [{ name: be, servers: [10.${p}.0.21:8080, 10.${p}.0.22:8080] }] }`,
    );
  }
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, [...lines, ...pairs, ''].join('\n'));
  return file;
}

interface FleetRun {
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  simCpuMs: number;
  roundTrips: number[];
  commands: number[];
  connections: number[];
}

interface FleetResult {
  hosts: number;
  pairs: number;
  concurrency: number;
  runs: number;
  /** Medians over the timed runs; RSS is the highest sample over them. */
  wallMs: number;
  cpuMs: number;
  cpuMsPerHost: number;
  rssBeforeMb: number;
  peakRssMb: number;
  simCpuMs: number;
  roundTripsPerHost: string;
  commandsPerHost: string;
  connectionsPerHost: string;
  convergeMs: number;
}

async function fleetOnce(n: number, args: Args): Promise<FleetResult> {
  const fleet = await startFleet(n, args.os);
  const dir = mkdtempSync(join(tmpdir(), 'haops-bench-'));
  try {
    const file = writeFleetInventory(dir, fleet.hosts);
    const loaded = loadInventory(file, SIM_ENV);
    const { inventory } = loaded;
    const model = buildModel(loaded);
    // The same shape as `haops deploy`: one hostConnections for the run, every connection closed at the end.
    const run = async () => {
      const hosts = hostConnections(inventory, file, {});
      try {
        return await deploy(model, { playbook: SIM_PLAYBOOK, connect: hosts.get, verify: false, concurrency: args.concurrency });
      } finally {
        await hosts.closeAll();
      }
    };
    const failed = (r: DeployReport) =>
      r.hosts
        .filter((h) => !h.ok)
        .map((h) => `${h.host}: ${h.error}`)
        .slice(0, 3)
        .join('; ');

    const t0 = performance.now();
    const first = await run();
    const convergeMs = performance.now() - t0;
    if (!first.ok) throw new Error(`fleet of ${n}: the converging deploy failed: ${failed(first)}`);

    const runs: FleetRun[] = [];
    const rssBefore = process.memoryUsage.rss();
    for (let i = 0; i < args.runs; i++) {
      const before = await fleet.stats();
      let peak = process.memoryUsage.rss();
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      const report = await run();
      const wallMs = performance.now() - w0;
      const cpu = process.cpuUsage(cpu0);
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
      const after = await fleet.stats();
      if (!report.ok) throw new Error(`fleet of ${n}: no-op deploy failed: ${failed(report)}`);
      if (report.changed !== 0) throw new Error(`fleet of ${n}: the no-op deploy changed ${report.changed} things (expected 0)`);
      runs.push({
        wallMs,
        cpuMs: cpuMs(cpu),
        peakRssMb: mb(peak),
        simCpuMs: after.cpuMs - before.cpuMs,
        roundTrips: report.hosts.map((h) => h.roundTrips),
        commands: after.commands.map((c, j) => c - before.commands[j]!),
        connections: after.connections.map((c, j) => c - before.connections[j]!),
      });
    }
    const cpuMed = median(runs.map((r) => r.cpuMs));
    return {
      hosts: n,
      pairs: n / 2,
      concurrency: args.concurrency,
      runs: args.runs,
      wallMs: round(median(runs.map((r) => r.wallMs))),
      cpuMs: round(cpuMed),
      cpuMsPerHost: round(cpuMed / n, 2),
      rssBeforeMb: mb(rssBefore),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      simCpuMs: round(median(runs.map((r) => r.simCpuMs))),
      roundTripsPerHost: spread(runs.flatMap((r) => r.roundTrips)),
      commandsPerHost: spread(runs.flatMap((r) => r.commands)),
      connectionsPerHost: spread(runs.flatMap((r) => r.connections)),
      convergeMs: round(convergeMs),
    };
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fleetPart(args: Args) {
  const results: FleetResult[] = [];
  for (const n of args.sizes) {
    process.stderr.write(`fleet: ${n} simulated ${args.os} hosts...\n`);
    results.push(await fleetOnce(n, args));
  }
  const [lo, hi] = [results[0]!, results[results.length - 1]!];
  const growth = {
    from: lo.hosts,
    to: hi.hosts,
    hosts: hi.hosts / lo.hosts,
    wall: round(hi.wallMs / lo.wallMs, 2),
    cpu: round(hi.cpuMs / lo.cpuMs, 2),
    peakRss: round(hi.peakRssMb / lo.peakRssMb, 2),
  };
  console.log(
    `\nNo-op deploy of a simulated fleet (${args.os} sims in a child process; deploy --concurrency ${args.concurrency} pairs; median of ${args.runs} runs; ${cpus().length} cores)\n`,
  );
  console.log(
    table(
      [
        'hosts',
        'wall s',
        'ms/host',
        'ctrl CPU s',
        'CPU ms/host',
        'RSS before MB',
        'peak RSS MB',
        'round trips/host',
        'conns/host',
        'sim CPU s',
      ],
      results.map((r) => [
        r.hosts,
        fixed(r.wallMs / 1000),
        fixed(r.wallMs / r.hosts, 1),
        fixed(r.cpuMs / 1000),
        fixed(r.cpuMsPerHost, 1),
        fixed(r.rssBeforeMb, 0),
        fixed(r.peakRssMb, 0),
        r.roundTripsPerHost,
        r.connectionsPerHost,
        fixed(r.simCpuMs / 1000),
      ]),
    ),
  );
  console.log(
    `\ngrowth ${growth.from} -> ${growth.to} hosts (x${growth.hosts}): wall x${growth.wall}, controller CPU x${growth.cpu}, peak RSS x${growth.peakRss}`,
  );
  const at100 = results.find((r) => r.hosts === 100);
  if (at100) {
    console.log("\nAgainst the anchors (pyinfra's benchmark, 4 tasks, converged run; real SSH hosts, not sims on the same cores):\n");
    console.log(
      table(
        ['tool', '100 hosts s', 'vs haops'],
        [
          ['haops (sims, this machine)', fixed(at100.wallMs / 1000), '-'],
          ...ANCHORS.map((a) => [a.tool, fixed(a.hosts100), `${fixed(a.hosts100 / (at100.wallMs / 1000), 1)}x its time`]),
        ],
      ),
    );
  }
  return { os: args.os, playbook: SIM_PLAYBOOK.name, concurrency: args.concurrency, runs: args.runs, results, growth, anchors: ANCHORS };
}

// ---------------------------------------------------------------- the lab pair

const LAB_INVENTORY = join(ROOT, 'inventory', 'lab.yaml');
const HAOPS = join(ROOT, 'bin', 'haops.js');
const TIME = '/usr/bin/time';

interface LabRun {
  wallMs: number;
  /** user + system of the whole `haops deploy` process (start-up included); null without GNU time. */
  cpuMs: number | null;
  maxRssMb: number | null;
  exitCode: number;
  ok: boolean;
  changed: number;
  roundTrips: Record<string, number>;
}

/** Why the lab part cannot run, or null when it can. */
function labUnavailable(): string | null {
  if (!existsSync(LAB_INVENTORY)) return 'inventory/lab.yaml does not exist (the lab is not up)';
  const status = spawnSync(process.execPath, [HAOPS, 'lab', 'status'], { cwd: ROOT, encoding: 'utf8' });
  if (status.status !== 0) return `\`haops lab status\` exited ${status.status}: ${(status.stdout + status.stderr).trim().split('\n')[0]}`;
  return null;
}

/** bin/haops.js runs dist/: warn when a source file is newer than the build. */
function staleBuild(): string | null {
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(built)) return 'dist/ is missing: run `npm run build` first';
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  return newest(join(ROOT, 'src')) > statSync(built).mtimeMs
    ? 'src/ is newer than dist/: the figures are for the last build (`npm run build`)'
    : null;
}

/** One `haops deploy inventory/lab.yaml --json` as a child process, under GNU time when present. */
function labDeploy(): LabRun {
  const haops = [HAOPS, 'deploy', LAB_INVENTORY, '--json'];
  const timeFile = join(tmpdir(), `haops-bench-time-${process.pid}`);
  const withTime = existsSync(TIME);
  const w0 = performance.now();
  const r = withTime
    ? spawnSync(TIME, ['-f', '%e %U %S %M', '-o', timeFile, process.execPath, ...haops], { cwd: ROOT, encoding: 'utf8' })
    : spawnSync(process.execPath, haops, { cwd: ROOT, encoding: 'utf8' });
  const wallMs = performance.now() - w0;
  let report: DeployReport;
  try {
    report = JSON.parse(r.stdout) as DeployReport;
  } catch {
    throw new Error(`haops deploy exited ${r.status} without a JSON report: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
  let cpu: number | null = null;
  let rss: number | null = null;
  if (withTime) {
    // GNU time prefixes "Command exited with non-zero status N" when the deploy fails.
    const [, user, sys, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    rmSync(timeFile, { force: true });
    cpu = round((user! + sys!) * 1000);
    rss = round(maxKb! / 1024);
  }
  return {
    wallMs: round(wallMs),
    cpuMs: cpu,
    maxRssMb: rss,
    exitCode: r.status ?? -1,
    ok: report.ok,
    changed: report.changed,
    roundTrips: Object.fromEntries(report.hosts.map((h) => [h.host, h.roundTrips])),
  };
}

const showRun = (label: string, r: LabRun) => [
  label,
  round(r.wallMs / 1000, 2),
  r.cpuMs === null ? 'n/a' : round(r.cpuMs / 1000, 2),
  r.maxRssMb ?? 'n/a',
  r.changed,
  r.ok ? 'yes' : 'NO',
  Object.entries(r.roundTrips)
    .map(([h, n]) => `${h}:${n}`)
    .join(' '),
];
const LAB_HEADER = ['run', 'wall s', 'CPU s', 'max RSS MB', 'changed', 'ok', 'round trips'];

/** `--lab`: the converged lab pair; one warm-up deploy, then five timed no-op deploys. */
function labPart() {
  const why = labUnavailable();
  if (why) {
    console.log(`\nLab pair: skipped: ${why}. Start it with \`sudo haops lab up\`, then \`npm run bench -- --lab\`.`);
    return { skipped: why };
  }
  const stale = staleBuild();
  if (stale) console.log(`\nwarning: ${stale}`);
  const warmUp = labDeploy();
  if (!warmUp.ok) throw new Error(`lab: the warm-up deploy failed (exit ${warmUp.exitCode}): see \`haops deploy inventory/lab.yaml\``);
  const runs: LabRun[] = [];
  for (let i = 0; i < 5; i++) {
    const r = labDeploy();
    if (!r.ok || r.changed !== 0)
      throw new Error(`lab: no-op deploy ${i + 1} ${r.ok ? `changed ${r.changed} things (expected 0)` : `failed (exit ${r.exitCode})`}`);
    runs.push(r);
  }
  const cpu = runs.every((r) => r.cpuMs !== null) ? round(median(runs.map((r) => r.cpuMs!))) : null;
  const summary = {
    command: `node bin/haops.js deploy inventory/lab.yaml --json${existsSync(TIME) ? ` (under ${TIME})` : ''}`,
    warmUpChanged: warmUp.changed,
    medianWallMs: round(median(runs.map((r) => r.wallMs))),
    medianCpuMs: cpu,
    maxRssMb: runs.every((r) => r.maxRssMb !== null) ? Math.max(...runs.map((r) => r.maxRssMb!)) : null,
    roundTripsPerHost: spread(runs.flatMap((r) => Object.values(r.roundTrips))),
    runs,
    stale,
  };
  console.log('\nNo-op deploy of the lab pair: `haops deploy inventory/lab.yaml --json` as a child process (start-up included)\n');
  console.log(table(LAB_HEADER, [showRun('warm-up (untimed)', warmUp), ...runs.map((r, i) => showRun(`${i + 1}`, r))]));
  console.log(
    `\nmedian wall ${round(summary.medianWallMs / 1000, 2)} s, CPU ${cpu === null ? 'n/a (no GNU time)' : `${round(cpu / 1000, 2)} s`}, round trips per host ${summary.roundTripsPerHost}`,
  );
  return summary;
}

/** `--lab-cold`: one timed deploy of fresh nodes; meaningful only right after `haops lab up`. */
function labColdPart() {
  const why = labUnavailable();
  if (why) {
    console.log(`\nLab cold deploy: skipped: ${why}.`);
    return { skipped: why };
  }
  const stale = staleBuild();
  if (stale) console.log(`\nwarning: ${stale}`);
  const r = labDeploy();
  console.log('\nCold deploy of the lab pair (fresh nodes from `haops lab up`), one run\n');
  console.log(table(LAB_HEADER, [showRun('cold', r)]));
  if (r.changed === 0)
    console.log(
      '\nnote: nothing changed: the nodes were already converged, so this was not a cold deploy (run it right after `haops lab up`)',
    );
  return { ...r, cold: r.changed > 0, stale };
}

// ---------------------------------------------------------------- main

const args = parseArgs(process.argv.slice(2));
const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
const results: Record<string, unknown> = {
  ...previous,
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  },
};
try {
  if (args.fleet) results.fleet = { at: new Date().toISOString(), ...(await fleetPart(args)) };
  if (args.lab) results.lab = { at: new Date().toISOString(), ...labPart() };
  else if (args.fleet)
    console.log('\nLab pair: not run (`npm run bench -- --lab` with the lab up; `--lab-cold` right after `haops lab up`).');
  if (args.labCold) results.labCold = { at: new Date().toISOString(), ...labColdPart() };
  if (args.labFleet.length) {
    const stale = staleBuild();
    if (stale) console.log(`\nwarning: ${stale}`);
    const labFleet = (results.labFleet as Record<string, unknown>) ?? {};
    for (const n of args.labFleet)
      labFleet[n] = { at: new Date().toISOString(), ...(await labFleetPart(ROOT, n, (s) => process.stderr.write(`${s}\n`), args.parts)) };
    results.labFleet = labFleet;
  }
  if (args.switchover) {
    const why = labUnavailable();
    if (why) console.log(`\nSwitchover: skipped: ${why}.`);
    else {
      const parts = switchoverPart(ROOT, HAOPS, LAB_INVENTORY, args.rounds, args.noHandoffToo);
      console.log(`\nSwitchover on the lab (${args.rounds} rounds each; HTTP through the VIP on a new connection every 20 ms)\n`);
      console.log(
        table(
          [
            'target',
            'method',
            'handoff (packets)',
            'failed requests per round',
            'median switchover s',
            'worst latency s',
            'median switchback s',
            'kept-alive resets',
            'wrk -c16: requests / socket errors / non-2xx',
            'ab -c4: requests / failed / non-2xx',
            'ok',
          ],
          parts.map((p) => [
            p.target,
            p.method ?? '?',
            p.handoff ? `yes (${p.handedPackets})` : 'no',
            p.failedRequests.join(' '),
            p.medianSwitchoverSeconds ?? '-',
            p.worstLatencySeconds ?? '-',
            p.medianSwitchbackSeconds ?? '-',
            p.resetsOnReusedConnections ?? 'not measured',
            p.wrk ? `${p.wrk.requests} / ${p.wrk.socketErrors} / ${p.wrk.non2xx}` : 'not installed',
            p.ab ? `${p.ab.requests} / ${p.ab.socketErrors} / ${p.ab.non2xx}` : 'not installed',
            p.ok ? 'yes' : 'NO',
          ]),
        ),
      );
      for (const p of parts) for (const x of p.problems) console.log(`  ${p.target}: ${x}`);
      results.switchover = { at: new Date().toISOString(), rounds: args.rounds, parts };
    }
  }
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
}
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${RESULTS}`);

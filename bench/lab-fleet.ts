// `npm run bench -- --lab-fleet N`: N real lab nodes (N/2 pairs) in the lab HAOPS_LAB_ID names
// (the default lab when unset). Boots the lab, times a cold deploy and 5 no-op deploys as whole
// `haops deploy` processes with default flags, each beside the floor measured in the same round
// (N parallel OpenSSH `ssh node true`), then splits a no-op run into its parts: Node start-up,
// SSH handshake, the facts script on the nodes, the VIP/HTTP check.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hostConnections } from '../src/nodes/connector.js';
import { gatherFacts } from '../src/facts/gather.js';
import { loadInventory } from '../src/inventory/load.js';
import { CGROUP_NAME, KNOWN_HOSTS, LAB_ID } from '../src/lab/paths.js';
import { buildModel } from '../src/model/derive.js';
import { deploy } from '../src/runner/deploy.js';
import { loadPlaybook, wantedState } from '../src/runner/playbook.js';
import type { DeployReport } from '../src/runner/deploy.js';

const ROUNDS = 5;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => Math.round(ms) / 1000;
const timed = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
};

interface Inv {
  ssh: { identity_file: string };
  hosts: Record<string, { address: string; user?: string; identity_file?: string }>;
}

export async function labFleetPart(root: string, nodes: number, log: (s: string) => void, withParts = true) {
  const haops = join(root, 'bin', 'haops.js');
  const file = join(root, 'inventory', 'lab.yaml');
  const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [haops, ...args], { cwd: root, encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 });
    return { ms: performance.now() - t0, code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  log(`lab-fleet: haops lab up --nodes ${nodes} (${LAB_ID ? `lab ${LAB_ID}` : 'the default lab'})`);
  const up = cli(['lab', 'up', '--nodes', String(nodes)]);
  if (up.code !== 0) throw new Error(`lab up --nodes ${nodes} failed: ${up.stderr.trim().split('\n').pop()}`);
  const bootedMemory = nodeMemoryMb();
  const env = process.env;
  // Default flags: what a user gets from `haops deploy FILE`.
  const deployRun = () => {
    const r = cli(['deploy', file, '--json'], env);
    let report: DeployReport;
    try {
      report = JSON.parse(r.stdout) as DeployReport;
    } catch {
      throw new Error(`haops deploy exited ${r.code} without a JSON report: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    }
    return { ms: r.ms, report };
  };
  const inv = (await import('yaml')).parse(readFileSync(file, 'utf8')) as Inv;
  const floor = () => sshFloor(inv);

  log('lab-fleet: cold deploy');
  const cold = deployRun();
  if (!cold.report.ok) {
    const failed = (cold.report as unknown as { hosts?: { host: string; error?: string }[] }).hosts?.filter((h) => h.error) ?? [];
    throw new Error(
      `the cold deploy failed: ${failed.map((h) => `${h.host}: ${h.error}`).join('; ') || 'see `haops deploy inventory/lab.yaml`'}`,
    );
  }
  const coldFloor = await floor();
  const memory = nodeMemoryMb();

  const rounds: { noopMs: number; floorMs: number }[] = [];
  deployRun(); // warm-up: the first no-op after a cold deploy still waits for VIPs to settle
  for (let i = 0; i < ROUNDS; i++) {
    log(`lab-fleet: round ${i + 1}/${ROUNDS}`);
    const floorMs = await floor();
    const noop = deployRun();
    if (!noop.report.ok || noop.report.changed !== 0)
      throw new Error(`no-op deploy ${i + 1}: ok=${noop.report.ok}, changed ${noop.report.changed}`);
    rounds.push({ noopMs: noop.ms, floorMs });
  }
  const headline = {
    nodes,
    pairs: nodes / 2,
    lab: LAB_ID || 'default',
    labUpMs: Math.round(up.ms),
    nodeMemoryBootedMb: bootedMemory,
    nodeMemoryDeployedMb: memory,
    coldDeployMs: Math.round(cold.ms),
    coldFloorMs: Math.round(coldFloor),
    noopMedianMs: Math.round(median(rounds.map((r) => r.noopMs))),
    floorMedianMs: Math.round(median(rounds.map((r) => r.floorMs))),
    rounds: rounds.map((r) => ({ noopMs: Math.round(r.noopMs), floorMs: Math.round(r.floorMs) })),
  };
  const ratio = headline.noopMedianMs / headline.floorMedianMs;
  console.log(
    `\nReal lab fleet: ${nodes} nodes (${nodes / 2} pairs), whole \`haops deploy\` processes (default flags); floor = ${nodes} parallel OpenSSH \`ssh node true\`, same rounds\n`,
  );
  console.log(
    `  lab up            ${sec(headline.labUpMs)} s  (RSS per node, median: ${bootedMemory.medianMb} MB booted, ${memory.medianMb} MB with keepalived + nginx; all nodes ${memory.totalMb} MB)`,
  );
  console.log(`  cold deploy       ${sec(headline.coldDeployMs)} s  (floor ${sec(headline.coldFloorMs)} s)`);
  console.log(
    `  no-op deploy      ${sec(headline.noopMedianMs)} s median of ${ROUNDS}  (floor ${sec(headline.floorMedianMs)} s, ${ratio.toFixed(2)}x)`,
  );
  console.log(`  rounds            ${rounds.map((r) => `${sec(r.noopMs)}/${sec(r.floorMs)}`).join('  ')}  (no-op/floor s)`);
  // The parts are a diagnosis: on a loaded machine a handshake may time out; the headline stands.
  let parts: Record<string, number> = {};
  try {
    if (!withParts) throw new Error('--no-parts');
    parts = await whereTimeGoes(root, file, haops, env);
    console.log('  where a no-op run goes (medians, in-process unless said):');
    for (const [k, v] of Object.entries(parts)) console.log(`    ${k.padEnd(34)} ${sec(v)} s`);
  } catch (e) {
    console.log(`  where a no-op run goes: not measured (${(e as Error).message})`);
  }
  const result = { ...headline, ratio: Math.round(ratio * 100) / 100, parts };
  return result;
}

/** N parallel `ssh node true` with the inventory's users, keys and known_hosts: the floor. */
async function sshFloor(inv: Inv): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Object.values(inv.hosts).map(
      (h) =>
        new Promise<void>((resolve, reject) => {
          const legacy = h.identity_file?.endsWith('id_rsa')
            ? [
                '-o',
                'KexAlgorithms=+diffie-hellman-group14-sha1',
                '-o',
                'HostKeyAlgorithms=+ssh-rsa',
                '-o',
                'PubkeyAcceptedAlgorithms=+ssh-rsa',
              ]
            : [];
          const c = spawn(
            'ssh',
            [
              '-o',
              'BatchMode=yes',
              '-o',
              `UserKnownHostsFile=${KNOWN_HOSTS}`,
              '-o',
              'StrictHostKeyChecking=yes',
              ...legacy,
              '-i',
              h.identity_file ?? inv.ssh.identity_file,
              `${h.user ?? 'root'}@${h.address}`,
              'true',
            ],
            { stdio: 'ignore' },
          );
          c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh ${h.address} true exited ${code}`))));
        }),
    ),
  );
  return performance.now() - t0;
}

/** The parts of a no-op run, each timed alone (median of ROUNDS). */
async function whereTimeGoes(root: string, file: string, haops: string, env: NodeJS.ProcessEnv) {
  const startup: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, [haops, 'validate', file], { cwd: root, env });
    startup.push(performance.now() - t0);
  }
  const loaded = loadInventory(file, env);
  const { inventory } = loaded;
  const model = buildModel(loaded);
  const playbook = loadPlaybook();
  const names = Object.keys(inventory.hosts);
  const handshake: number[] = [];
  const trueExec: number[] = [];
  const facts: number[] = [];
  const noVerify: number[] = [];
  const withVerify: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const hosts = hostConnections(inventory, file, {}, model.secrets, model.sudo);
    try {
      const [h, open] = await timed(() => Promise.all(names.map(hosts.get)));
      handshake.push(h);
      trueExec.push((await timed(() => Promise.all(open.map((x) => x.exec('true')))))[0]);
      facts.push(
        (
          await timed(() =>
            Promise.all(
              open.map((x) => {
                const node = model.nodes.find((n) => n.host === x.name)!;
                return gatherFacts(x, wantedState(playbook, node, model));
              }),
            ),
          )
        )[0],
      );
    } finally {
      await hosts.closeAll();
    }
    for (const [verify, into] of [
      [false, noVerify],
      [true, withVerify],
    ] as const) {
      const c = hostConnections(inventory, file, {}, model.secrets, model.sudo);
      try {
        into.push((await timed(() => deploy(model, { playbook, connect: c.get, verify })))[0]);
      } finally {
        await c.closeAll();
      }
    }
  }
  return {
    'Node start-up + load (haops validate)': median(startup),
    'SSH handshake, all nodes (ssh2)': median(handshake),
    'one `true` per node, connected': median(trueExec),
    'facts script, all nodes, connected': median(facts),
    'deploy in-process, no VIP check': median(noVerify),
    'deploy in-process, with VIP/HTTP check': median(withVerify),
  };
}

/** Resident memory of each running lab node: total_rss of its memory cgroup (v1), or anon of memory.stat (v2). */
function nodeMemoryMb(): { medianMb: number; totalMb: number } {
  const lab = CGROUP_NAME;
  const script = `for d in /sys/fs/cgroup/memory/${lab}/node* /sys/fs/cgroup/${lab}/node*; do [ -f "$d/memory.stat" ] && awk '$1=="total_rss"||$1=="anon"{print $2; exit}' "$d/memory.stat"; done`;
  const out = spawnSync('sh', ['-c', script], { encoding: 'utf8' }).stdout;
  const mbs = out
    .split('\n')
    .filter(Boolean)
    .map((b) => Number(b) / 2 ** 20);
  return { medianMb: Math.round(median(mbs.length ? mbs : [0]) * 10) / 10, totalMb: Math.round(mbs.reduce((a, b) => a + b, 0)) };
}

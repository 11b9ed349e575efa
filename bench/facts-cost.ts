// `node --import tsx bench/facts-cost.ts [INVENTORY]`: what deploy's gather costs on each node of a
// deployed lab, connected: the facts script alone and the whole gather exec (facts, ownership,
// check proof, VIP probe), as wall time (median of 20) and processes started on the node (the
// kernel's last pid, /proc/loadavg, before and after, less an empty exec's).
import { performance } from 'node:perf_hooks';
import { loadInventory } from '../src/inventory/load.js';
import { buildModel } from '../src/model/derive.js';
import { hostConnections } from '../src/nodes/connector.js';
import { factsScript } from '../src/facts/script.js';
import { pairSpecs } from '../src/runner/deploy.js';
import { learnHost, newHostRun } from '../src/runner/engine.js';
import { loadPlaybook } from '../src/runner/playbook.js';
import type { Host } from '../src/ssh/host.js';

const ROUNDS = 20;
const file = process.argv[2] ?? 'inventory/lab.yaml';
const loaded = loadInventory(file, process.env);
const model = buildModel(loaded);
const playbook = loadPlaybook();
const hosts = hostConnections(loaded.inventory, file, {}, model.secrets, model.sudo);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const lastPid = async (h: Host) => Number((await h.exec('cat /proc/loadavg')).stdout.trim().split(/\s+/)[4]);

async function cost(h: Host, run: () => Promise<unknown>) {
  const ms: number[] = [];
  const forks: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const p0 = await lastPid(h);
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
    forks.push((await lastPid(h)) - p0 - 1);
  }
  return { ms: Math.round(median(ms) * 10) / 10, forks: median(forks) };
}

try {
  for (const pair of model.pairs) {
    for (const spec of pairSpecs(model, pair, playbook, true)) {
      const h = await hosts.get(spec.name);
      const empty = await cost(h, () => h.exec('true'));
      const facts = await cost(h, () => h.exec(factsScript(spec.skeleton)));
      const gather = await cost(h, () => learnHost(newHostRun(spec), async () => h));
      const net = (c: { ms: number; forks: number }) => `${c.ms} ms, ${c.forks - empty.forks} processes`;
      console.log(`${spec.name}: empty exec ${empty.ms} ms; facts script ${net(facts)}; whole gather exec ${net(gather)}`);
    }
  }
} finally {
  await hosts.closeAll();
}

// `haops lab up|down|status`: thin commands over the lab module; LabError prints as one line.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LabError } from './errors.js';
import { labDown, labStatus, labUp, type LabStatus } from './lab.js';
import { KINDS, parseKinds } from './kinds.js';
import { DEFAULT_NODES, DEFAULT_SUBNET } from './plan.js';

const log = (s: string) => console.error(`lab: ${s}`);
// inventory/lab.yaml is written where the user is (the working directory), never into the
// installed package: from a checkout's root that is the checkout's inventory/.
const workDir = () => process.cwd();

export function registerLabCommands(program: Command): void {
  const lab = program.command('lab').description('real Debian 12 test nodes on this machine (systemd-nspawn)');
  lab
    .command('up')
    .description('build (once) and boot the lab nodes and backends, write inventory/lab.yaml')
    .option('--nodes <n>', 'number of nodes, even, 2 to 40: every two form a pair', (v) => Number(v), DEFAULT_NODES)
    .option('--subnet <cidr>', 'lab subnet', DEFAULT_SUBNET)
    .option('--kinds <list>', `node kind of each pair in order, repeating (${KINDS.join(', ')})`, 'systemd')
    .option('--failover <profile>', 'failover profile of the pairs in inventory/lab.yaml: classic or fast', 'classic')
    .option('--inventory <file>', "write the lab's inventory here instead of inventory/lab.yaml (relative: to this directory)")
    .action((o: { nodes: number; subnet: string; kinds: string; failover: string; inventory?: string }) =>
      guard(async () => {
        if (o.failover !== 'classic' && o.failover !== 'fast') throw new LabError(`--failover ${o.failover}: expected classic or fast`);
        return labUp({
          nodes: o.nodes,
          subnet: o.subnet,
          kinds: parseKinds(o.kinds),
          failover: o.failover,
          workDir: workDir(),
          log,
          ...(o.inventory && { inventoryFile: resolve(o.inventory) }),
        });
      }),
    );
  lab
    .command('down')
    .description('stop the lab and remove its nodes, namespaces and mounts')
    .action(() => guard(() => labDown({ workDir: workDir(), log })));
  lab
    .command('status')
    .description('show the lab nodes and whether sshd answers; exit 1 when it is not up')
    .option('--json', 'machine-readable output: {"ok": true|false, "nodes": [...], ...}')
    .action((o: { json?: boolean }) =>
      guard(async () => {
        const status = await labStatus({ workDir: workDir() });
        console.log(o.json ? JSON.stringify({ ok: status.up, ...status }, null, 2) : formatLabStatus(status));
        if (!status.up) process.exitCode = 1;
      }),
    );
}

export function formatLabStatus(s: LabStatus): string {
  if (!s.nodes.length) return 'lab is down';
  const yes = (b: boolean, word: string) => (b ? word : `no ${word}`);
  return [
    `lab ${s.up ? 'up' : 'degraded'} on ${s.subnet}`,
    ...s.nodes.map((n) => `  ${n.name}  ${n.address}  ${n.kind ?? 'systemd'}  ${yes(n.running, 'running')}  ${yes(n.ssh, 'ssh')}`),
    ...s.backends.map((b) => `  ${b.name}  ${b.address}  ${yes(b.http, 'http')}`),
  ].join('\n');
}

async function guard(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    console.error(`haops lab: ${e.message}`);
    process.exitCode = 2;
  }
}

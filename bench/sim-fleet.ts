// A fleet of simulated EL hosts in a process of its own, so the bench's controller figures hold
// only the controller. Prints the hosts as one JSON line; answers "stats" lines; stdin EOF stops.
//   node --import tsx bench/sim-fleet.ts N [OS]
import { createInterface } from 'node:readline';
import ssh2 from 'ssh2';
import { startSimHost, type SimHost } from '../test/sim/server.js';
import type { SimOs } from '../test/sim/profiles.js';
import { patchKeyGeneration } from '../test/sim/keys.js';

export interface FleetHost {
  port: number;
  hostKey: string;
}

export interface FleetStats {
  /** Per host, in start order: TCP connections accepted and commands received so far. */
  connections: number[];
  commands: number[];
  /** This process's CPU time so far (user + system), ms. */
  cpuMs: number;
}

const count = Number(process.argv[2]);
const os = (process.argv[3] ?? 'rocky9') as SimOs;
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: sim-fleet.ts N [centos6|centos7|rocky8|rocky9]');
  process.exit(2);
}

// startSimHost keeps its ssh2 Server to itself; catch each one as it starts listening to count
// the connections it accepts (the controller should open exactly one per host).
const servers: InstanceType<typeof ssh2.Server>[] = [];
const listen = ssh2.Server.prototype.listen;
ssh2.Server.prototype.listen = function (this: InstanceType<typeof ssh2.Server>, ...args: unknown[]) {
  servers.push(this);
  return (listen as (...a: unknown[]) => unknown).apply(this, args);
} as typeof listen;

patchKeyGeneration();

const sims: SimHost[] = [];
const connections: number[] = [];
for (let i = 0; i < count; i++) {
  sims.push(await startSimHost(os));
  connections.push(0);
  servers[i]!.on('connection', () => connections[i]!++);
}
process.stdout.write(JSON.stringify(sims.map((s): FleetHost => ({ port: s.port, hostKey: s.hostKey }))) + '\n');

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const cpu = process.cpuUsage();
  const stats: FleetStats = { connections, commands: sims.map((s) => s.commands.length), cpuMs: (cpu.user + cpu.system) / 1000 };
  process.stdout.write(JSON.stringify(stats) + '\n');
});
lines.on('close', async () => {
  await Promise.all(sims.map((s) => s.stop()));
  process.exit(0);
});

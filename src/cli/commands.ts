// Commands that talk to nodes or the lab, registered onto the program.
import { nodeOptions } from './options.js';
import { limitOption } from './limit.js';
import type { Command } from 'commander';
import { deployCommand, type DeployFlags } from './deploy.js';
import { registerLabCommands } from '../lab/cli.js';
import { statusCommand, type StatusFlags } from './status.js';
import { soakCommand, type SoakFlags } from './soak.js';
import { drillCommand, type DrillFlags } from './drill.js';
import { notifyTestCommand, type NotifyFlags } from './notify.js';
import { registerSwitchoverCommands } from './switchover.js';
import { registerImportCommand } from './import.js';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  setCode: (c: number) => void;
}

function deployOptions(c: Command): Command {
  return limitOption(nodeOptions(c))
    .option('--check', 'show what would change; change nothing')
    .option('--diff', 'show unified diffs of file changes (secrets masked)')
    .option('--concurrency <n>', 'pairs converged in parallel', '4')
    .option('--json', 'print a JSON report instead of progress')
    .option('--allow-default-secrets', "deploy even when a secret falls back to the inventory's default: value");
}

export function register(program: Command, io: CliIo): void {
  deployOptions(program.command('deploy'))
    .description('converge every node of the inventory over SSH (BACKUP first), then check each VIP')
    .argument('<inventory>')
    .action(async (file: string, flags: DeployFlags) => io.setCode(await deployCommand(file, undefined, flags, io.out)));
  deployOptions(program.command('run'))
    .description('run a playbook (steps as data) against every node of the inventory')
    .argument('<playbook>')
    .argument('<inventory>')
    .action(async (playbook: string, file: string, flags: DeployFlags) => io.setCode(await deployCommand(file, playbook, flags, io.out)));
  limitOption(nodeOptions(program.command('status')))
    .description('who holds each VIP, keepalived and nginx state, HTTP through the VIP; exit 1 when unhealthy')
    .argument('<inventory>')
    .option('--json', 'machine-readable output')
    .option('--watch [seconds]', 'look every N seconds (default 2) and print each change as it is seen')
    .option('--prom <file>', "also write the reading for node_exporter's textfile collector (atomically)")
    .option('--cert-warn-days <days>', 'warn when a TLS certificate a node serves expires within this many days (default 14)')
    .action(async (file: string, flags: StatusFlags) => io.setCode(await statusCommand(file, flags, io.out)));
  limitOption(nodeOptions(program.command('failover-drill')))
    .description('break the VIP holder on purpose, measure the failover, restore, report')
    .argument('<inventory>')
    .option('--pair <name>', 'the pair to drill (default: the first)')
    .option('--site <name>', 'probe this site of nginx.sites (default: the default site)')
    .option('--instance <name>', 'the VRRP instance whose holder is broken (default: the first)')
    .option('--node <host>', 'fail this whole node: every VIP it holds must land on its peer and come back')
    .option('--fault <kind>', 'nginx-stop (default), nginx-kill, keepalived-stop (default with --node) or node-isolate')
    .option('--rounds <n>', 'repeat and report min/median/max', '1')
    .option('--max-failover <seconds>', 'fail (exit 1) when a failover takes longer')
    .option('--probe-ms <ms>', 'milliseconds between HTTP probes through the VIP', '20')
    .option('--report <file.html>', 'also write a page with a time axis per round (self-contained, opens offline)')
    .option('--json', 'machine-readable report')
    .action(async (file: string, flags: DrillFlags) => io.setCode(await drillCommand(file, flags, io.out, io.err)));
  limitOption(nodeOptions(program.command('soak')))
    .description('watch a pair idle; count every VRRP transition, VIP change and notification; exit 1 on any (none is planned)')
    .argument('<inventory>')
    .option('--pair <name>', 'the pair to watch (default: the first)')
    .option('--minutes <m>', 'how long to watch', '10')
    .option('--json', 'machine-readable report')
    .action(async (file: string, flags: SoakFlags) => io.setCode(await soakCommand(file, flags, io.out, io.err)));
  limitOption(nodeOptions(program.command('notify-test')))
    .description('fire a synthetic transition through every notification channel of every node; report which arrived')
    .argument('<inventory>')
    .option('--wait <seconds>', 'how long each node waits for its channels', '8')
    .option('--json', 'machine-readable report')
    .action(async (file: string, flags: NotifyFlags) => io.setCode(await notifyTestCommand(file, flags, io.out, io.err)));
  registerSwitchoverCommands(program, io);
  registerImportCommand(program, io);
  registerLabCommands(program);
}

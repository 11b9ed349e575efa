// The haops command line: parse flags, call a part, print, map errors to exit codes
// (0 ok, 1 a node or check failed, 2 bad input).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InventoryError } from '../inventory/errors.js';
import { HostError } from '../ssh/host.js';
import { UsageError } from '../core/errors.js';
import { register } from './commands.js';
import { planCommand, renderCommand, validateCommand } from './offline.js';
import { OS_HINT_NAMES } from '../core/os-hints.js';
import { registerInit } from './init.js';

type Out = (s: string) => void;

// package.json sits two levels up from src/cli/ and from dist/cli/ alike.
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(
  argv: string[],
  out: Out = (s) => process.stdout.write(s + '\n'),
  err: Out = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  let code = 0;
  const program = new Command('haops')
    .description('Build and prove keepalived + nginx high-availability pairs over SSH')
    .version(VERSION, '-V, --version', 'print the haops version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .option('--verbose', 'show full causes of errors');

  program
    .command('validate')
    .description('check an inventory (schema, segments, secrets, failover math); touches no node')
    .argument('<inventory>')
    .option('--keepalived-version <x.y.z>', 'fit the failover profile to this keepalived (default: os: hints, else 2.2.7, Debian 12)')
    .option('--container <runtime>', 'the nodes run in this container runtime (no track_process), e.g. systemd-nspawn')
    .option('--os <family>', `assume this OS on hosts without their own os: (${OS_HINT_NAMES.slice(0, 4).join(', ')}, ...)`)
    .action((file: string, o: { keepalivedVersion?: string; container?: string; os?: string }) => {
      code = validateCommand(file, out, err, o);
    });
  program
    .command('plan')
    .description(
      'print, per VRRP instance, who holds the VIP for every combination of check results, and the expected failover time per fault',
    )
    .argument('<inventory>')
    .option('--json', 'machine-readable output')
    .option('--keepalived-version <x.y.z>', 'expected times for this keepalived (default: os: hints, else 2.2.7, Debian 12)')
    .option('--container <runtime>', 'the nodes run in this container runtime (no track_process), e.g. systemd-nspawn')
    .option('--os <family>', `assume this OS on hosts without their own os: (${OS_HINT_NAMES.slice(0, 4).join(', ')}, ...)`)
    .action((file: string, o: { json?: boolean; keepalivedVersion?: string; container?: string; os?: string }) => {
      code = planCommand(file, out, o.json, err, o);
    });
  program
    .command('render')
    .description('write every file each node would receive to DIR/HOST/PATH')
    .argument('<inventory>')
    .requiredOption('--out <dir>', 'output directory')
    .option('--keepalived-version <x.y.z>', 'fit keepalived.conf to this version (deploy uses the installed one)')
    .option('--os <family>', `assume this OS on hosts without their own os: (${OS_HINT_NAMES.slice(0, 4).join(', ')}, ...)`)
    .action((file: string, o: { out: string; keepalivedVersion?: string; os?: string }) => {
      code = renderCommand(file, o.out, out, o.keepalivedVersion, err, { os: o.os });
    });

  registerInit(program, { out, setCode: (c: number) => (code = c) });
  register(program, { out, err, setCode: (c: number) => (code = c) });

  try {
    await program.parseAsync(argv);
    // The lab commands set process.exitCode themselves (status 1 when the lab is not up).
    return code || Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InventoryError) {
      err(e.message);
      err(`${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} in the inventory; nothing was sent to any node.`);
      return 2;
    }
    if (e instanceof UsageError) {
      err(`haops: ${e.message}${e.hint ? `\n    fix: ${e.hint}` : ''}`);
      return 2;
    }
    if (e instanceof HostError) {
      err(`haops: ${e.host}: ${e.message}${e.hint ? `\n    fix: ${e.hint}` : ''}`);
      return 1;
    }
    err(`haops: internal error (a bug; please report it with this output):\n${(e as Error)?.stack ?? e}`);
    return 1;
  }
}

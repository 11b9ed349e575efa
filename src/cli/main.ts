// The haops command line: parse flags, call a part, print, map errors to exit codes
// (EXIT_CODES below). Commands print through `out` and `err`, so tests run them in-process.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { type InventoryIssue, InventoryError } from '../inventory/errors.js';
import { HostError } from '../ssh/host.js';
import { UsageError } from '../core/errors.js';
import { LabError } from '../lab/errors.js';
import { FailoverFitError } from '../model/profile.js';
import { DrillRefused } from '../drill/drill.js';
import { SwitchoverRefused } from '../switchover/pair.js';
import { FactsError } from '../facts/parse.js';
import { RefusalError } from '../ops/plan.js';
import { CollectorError } from '../notify/collector.js';
import { formatTrace, traceCommands } from '../ssh/trace.js';
import { register } from './commands.js';
import { completionScript, SHELLS } from './completion.js';
import { planCommand, renderCommand, validateCommand } from './offline.js';
import { OS_HINT_NAMES } from '../core/os-hints.js';
import { registerInit } from './init.js';

type Out = (s: string) => void;

// package.json sits two levels up from src/cli/ and from dist/cli/ alike.
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const EXIT = { ok: 0, failed: 1, badInput: 2, internal: 3 } as const;

const EXIT_HELP = `
Exit codes:
  0  ok
  1  a node or a check failed (unreachable host, failed step, failover too slow, refused drain)
  2  bad input (inventory, flags, files), nothing was sent to any node
  3  internal error: a bug in haops (the output has the stack; please report it)

Environment: NO_COLOR turns colour off (it is only ever on when stdout is a terminal).`;

/** Colour only on a terminal, never with NO_COLOR (listr2's colour library reads NO_COLOR when it loads). */
export function colourWanted(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean | undefined): boolean {
  return Boolean(stdoutIsTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** An error of haops's own, as the exit code and the problems a --json caller reads. */
function known(e: unknown): { code: 1 | 2; text: string; problems: Partial<InventoryIssue>[] } | null {
  const hinted = (prefix: string, x: { message: string; hint?: string }) => ({
    text: `haops: ${prefix}${x.message}${x.hint ? `\n    fix: ${x.hint}` : ''}`,
    problems: [{ message: `${prefix}${x.message}`, ...(x.hint && { fix: x.hint }) }],
  });
  if (e instanceof InventoryError)
    return {
      code: 2,
      text: `${e.message}\n${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} in the inventory; nothing was sent to any node.`,
      problems: e.issues,
    };
  if (e instanceof UsageError || e instanceof FailoverFitError) return { code: 2, ...hinted('', e) };
  if (e instanceof LabError) return { code: 2, ...hinted('lab: ', e) };
  if (e instanceof HostError) return { code: 1, ...hinted(`${e.host}: `, e) };
  if (e instanceof SwitchoverRefused || e instanceof DrillRefused || e instanceof RefusalError)
    return { code: 1, ...hinted('refused: ', e as Error & { hint?: string }) };
  if (e instanceof FactsError || e instanceof CollectorError) return { code: 1, ...hinted('', e as Error & { hint?: string }) };
  return null;
}

export async function main(
  argv: string[],
  out: Out = (s) => process.stdout.write(s + '\n'),
  err: Out = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  if (!colourWanted(process.env, process.stdout.isTTY)) process.env.NO_COLOR = '1';
  let code = 0;
  // A command that printed its result and then failed (a --prom file it could not write) keeps
  // stdout one JSON document: the error goes to stderr only.
  let printed = false;
  const print = out;
  out = (s) => {
    printed = true;
    print(s);
  };
  const program = new Command('haops')
    .description('Build and prove keepalived + nginx high-availability pairs over SSH')
    .version(VERSION, '-V, --version', 'print the haops version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .option('--verbose', 'print every SSH command with host and time on stderr, and the full cause of an internal error')
    .addHelpText('after', EXIT_HELP);
  program.hook('preAction', () => traceCommands(program.opts().verbose ? (e) => err(formatTrace(e)) : null));

  program
    .command('validate')
    .description('check an inventory (schema, segments, secrets, failover math); touches no node')
    .argument('<inventory>')
    .option('--json', 'machine-readable result: {"ok": true|false, ...}')
    .option('--keepalived-version <x.y.z>', 'fit the failover profile to this keepalived (default: os: hints, else 2.2.7, Debian 12)')
    .option('--container <runtime>', 'the nodes run in this container runtime (no track_process), e.g. systemd-nspawn')
    .option('--os <family>', `assume this OS on hosts without their own os: (${OS_HINT_NAMES.slice(0, 4).join(', ')}, ...)`)
    .action((file: string, o: { json?: boolean; keepalivedVersion?: string; container?: string; os?: string }) => {
      code = validateCommand(file, out, err, o);
    });
  program
    .command('plan')
    .description(
      'print, per VRRP instance, who holds the VIP for every combination of check results, and the expected failover time per fault',
    )
    .argument('<inventory>')
    .option('--json', 'machine-readable output: {"ok": true|false, "keepalived": {...}, "instances": [...]}')
    .option('--keepalived-version <x.y.z>', 'expected times for this keepalived (default: os: hints, else 2.2.7, Debian 12)')
    .option('--container <runtime>', 'the nodes run in this container runtime (no track_process), e.g. systemd-nspawn')
    .option('--os <family>', `assume this OS on hosts without their own os: (${OS_HINT_NAMES.slice(0, 4).join(', ')}, ...)`)
    .action((file: string, o: { json?: boolean; keepalivedVersion?: string; container?: string; os?: string }) => {
      code = planCommand(file, out, o.json, err, o);
    });
  program
    .command('render')
    .description('write every file each node would receive to DIR/HOST/PATH (or print them: --out -)')
    .argument('<inventory>')
    .requiredOption('--out <dir>', 'output directory, or - for stdout (secrets masked there)')
    .option('--json', 'machine-readable result: {"ok": true, "files": [...]}')
    .option('--keepalived-version <x.y.z>', 'fit keepalived.conf to this version (deploy uses the installed one)')
    .option('--os <family>', `assume this OS on hosts without their own os: (${OS_HINT_NAMES.slice(0, 4).join(', ')}, ...)`)
    .action((file: string, o: { out: string; json?: boolean; keepalivedVersion?: string; os?: string }) => {
      code = renderCommand(file, o.out, out, o.keepalivedVersion, err, o.json, o.os ? { os: o.os } : {});
    });

  registerInit(program, { out, setCode: (c: number) => (code = c) });
  register(program, { out, err, setCode: (c: number) => (code = c) });
  program
    .command('completion')
    .description(`print a shell completion script (${SHELLS.join(', ')}), e.g. source <(haops completion bash)`)
    .argument('<shell>', SHELLS.join(' | '))
    .action((shell: string) => out(completionScript(program, shell).trimEnd()));

  const json = argv.includes('--json');
  try {
    // Bare `haops`: the help, on stdout, as a success (it is what was asked for).
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync(argv);
    // The lab commands set process.exitCode themselves (status 1 when the lab is not up).
    return code || Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    const k = known(e);
    if (k) {
      err(k.text);
      if (json && !printed) out(JSON.stringify({ ok: false, exitCode: k.code, problems: k.problems }, null, 2));
      return k.code;
    }
    err(`haops: internal error (a bug; please report it with this output):\n${(e as Error)?.stack ?? e}`);
    if (json && !printed)
      out(JSON.stringify({ ok: false, exitCode: EXIT.internal, problems: [{ message: `internal error: ${(e as Error)?.message ?? e}` }] }));
    return EXIT.internal;
  } finally {
    traceCommands(null);
  }
}

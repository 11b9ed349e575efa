// `haops failover-drill`: pick the pair and instance, run the rounds, always restore, report.
import type { Drill } from '../drill/drill.js';
import { FAULTS, type FaultKind } from '../protocol/drill-fault.js';
import { formatReport } from '../drill/format.js';
import { runDrill } from '../drill/run.js';
import { UsageError } from '../core/errors.js';
import type { NodeFlags } from '../nodes/connector.js';
import { withNodes } from './nodes.js';
import { onePair, withSite } from './limit.js';
import { checkOutputFile, numberFlag } from './options.js';
import { writeFileSync } from 'node:fs';
import { maskText } from '../core/mask.js';
import { renderDrillHtml } from '../measure/report-html.js';

/** The page is written even for a failed or refused drill: that is when it is looked at. */
/**
 * The page is written even for a failed or refused drill: that is when it is looked at. A write
 * that fails comes back as the error to raise once the run's own output is printed.
 */
export function writeReport(file: string, html: string, err: (s: string) => void, secrets: string[] = []): UsageError | undefined {
  try {
    // A file, not the terminal: the masking of stdout does not reach it.
    writeFileSync(file, maskText(html, secrets));
    err(`report: ${file}`);
    return undefined;
  } catch (e) {
    return new UsageError(
      `--report ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the report above is complete`,
      'give a path in a directory that exists, e.g. --report report.html',
    );
  }
}

export interface DrillFlags extends NodeFlags {
  pair?: string;
  site?: string;
  instance?: string;
  node?: string;
  fault?: string;
  rounds?: string;
  maxFailover?: string;
  probeMs?: string;
  json?: boolean;
  report?: string;
  limit?: string[];
}

export async function drillCommand(file: string, flags: DrillFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  checkOutputFile('--report', flags.report);
  return withNodes(file, flags, async ({ model, connect, closeAll }) => {
    const pair = withSite(onePair(model, flags.pair, flags.limit), flags.site);
    const instance = flags.instance ? pair.instances.find((i) => i.spec.name === flags.instance) : pair.instances[0];
    if (!instance)
      throw new UsageError(
        `--instance ${flags.instance}: no such instance in pair ${pair.name}`,
        `use one of: ${pair.instances.map((i) => i.spec.name).join(', ')}`,
      );
    if (flags.node && !pair.nodes.includes(flags.node))
      throw new UsageError(`--node ${flags.node}: not a node of pair ${pair.name}`, `use one of: ${pair.nodes.join(', ')}`);
    if (flags.node && flags.instance)
      throw new UsageError(
        '--node and --instance exclude each other',
        '--node fails a whole node (every VIP it holds); --instance the holder of one VIP',
      );
    const fault = (flags.fault ?? (flags.node ? 'keepalived-stop' : 'nginx-stop')) as FaultKind;
    if (!FAULTS.includes(fault)) throw new UsageError(`--fault ${flags.fault}: unknown fault`, `use one of: ${FAULTS.join(', ')}`);
    const rounds = numberFlag('--rounds', flags.rounds, 1, { min: 1, max: 1000, integer: true, unit: 'rounds' });
    const maxFailover =
      flags.maxFailover === undefined
        ? undefined
        : numberFlag('--max-failover', flags.maxFailover, 5, { min: 0.01, max: 3600, unit: 'seconds' });
    const probeMs = numberFlag('--probe-ms', flags.probeMs, 20, { min: 5, max: 1000, integer: true, unit: 'milliseconds' });
    const log = flags.json ? () => {} : err;
    let drill: Drill | null = null;
    // Ctrl-C or a kill mid-fault: undo the fault before leaving.
    const onSignal = (sig: NodeJS.Signals) => {
      err(`\n${sig}: restoring the fault before exit...`);
      void (drill?.restore() ?? Promise.resolve()).finally(async () => {
        await drill?.close();
        await closeAll();
        process.exit(130);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const nodes = model.nodes.filter((n) => n.pair === pair.name);
      const report = await runDrill(
        { pair, instance, node: flags.node, fault, rounds, maxFailover, probeMs, nodes, log, started: (d) => (drill = d) },
        connect,
      );
      const failed = flags.report ? writeReport(flags.report, renderDrillHtml(report, pair.nodes), err, model.secrets) : undefined;
      out(flags.json ? JSON.stringify(report, null, 2) : formatReport(report));
      if (failed) throw failed;
      return report.ok ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}

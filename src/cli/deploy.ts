// `haops deploy` and `haops run`: load, connect, converge, report. Exit 0 converged, 1 a node
// or a VIP check failed, 2 bad input.
import { deploy, type DeployReport } from '../runner/deploy.js';
import { loadPlaybook } from '../runner/playbook.js';
import type { NodeFlags } from '../nodes/connector.js';
import { withNodes } from './nodes.js';
import { selectHosts } from './limit.js';
import { deployGuard } from '../switchover/deploy-guard.js';
import { numberFlag } from './options.js';

export interface DeployFlags extends NodeFlags {
  check?: boolean;
  diff?: boolean;
  limit?: string[];
  concurrency?: string;
  json?: boolean;
  allowDefaultSecrets?: boolean;
}

export async function deployCommand(
  file: string,
  playbookFile: string | undefined,
  flags: DeployFlags,
  out: (s: string) => void,
): Promise<number> {
  return withNodes(
    file,
    flags,
    async ({ model, connect }) => {
      const playbook = loadPlaybook(playbookFile);
      const limit = selectHosts(model, flags.limit);
      const concurrency = numberFlag('--concurrency', flags.concurrency, 4, { min: 1, max: 256, integer: true, unit: 'pairs' });
      // --json: the report is the output, no progress; else listr2 draws the engine's events.
      // listr2 loads only now: main has settled colour (NO_COLOR) before its colour library reads it.
      const progress = flags.json
        ? null
        : (await import('./progress.js')).listrProgress(
            model.pairs.map((p) => p.name),
            // Every pair is read at once; the engine holds the change slots (--concurrency).
            { check: flags.check, concurrency: Math.max(1, model.pairs.length), renderer: process.stdout.isTTY ? 'default' : 'simple' },
          );
      const report = await deploy(model, {
        playbook,
        connect,
        check: flags.check,
        diff: flags.diff,
        limit,
        concurrency,
        // The VIP check needs keepalived: only for playbooks that deploy its config.
        verify: playbook.steps.some((s) => 'file' in s && 'render' in s.file && s.file.render === 'keepalived-conf'),
        onEvent: progress?.onEvent,
        guard: deployGuard(model, file),
      });
      await progress?.done;
      out(flags.json ? JSON.stringify(report, null, 2) : summary(report));
      return report.ok ? 0 : 1;
    },
    { changesNodes: !flags.check, allowDefaultSecrets: flags.allowDefaultSecrets },
  );
}

/** How a reloading change reached the node: in place, or with its VIPs moved to the peer first. */
function reloadLine(x: NonNullable<DeployReport['hosts'][number]['reload']>, check: boolean): string {
  if (x.leftDrained) return `reload: drained first (${x.why}); its changes failed, so it stays DRAINED: ${x.leftDrained}`;
  if (x.fallback) return `reload: IN PLACE although it holds a VIP (${x.fallback}): kept-alive clients may see errors`;
  if (x.way === 'in-place') return `reload: in place (${x.why})`;
  return check
    ? `reload: would drain first (${x.why}), then undrain`
    : `reload: drained first and undrained after (${x.why}); ${x.connectionsLeft ?? 0} connection(s) cut`;
}

function summary(r: DeployReport): string {
  const lines: string[] = [''];
  for (const h of r.hosts) {
    for (const s of h.steps) {
      // --check prints the whole plan, injected steps included (firewall, SELinux, repositories, drop-ins).
      if (s.diff || r.check) lines.push(`${h.host}: ${s.title}`, ...(s.diff ? [s.diff.trimEnd()] : []));
      for (const w of s.warnings ?? []) lines.push(`warning: ${h.host}: ${w}`);
    }
  }
  for (const h of r.hosts) if (h.vrrp) lines.push(`${h.host}: ${h.vrrp}`);
  for (const h of r.hosts) for (const n of h.notes ?? []) lines.push(`note: ${h.host}: keepalived.conf: ${n}`);
  for (const h of r.hosts) for (const n of h.systemNotes ?? []) lines.push(`note: ${h.host}: ${n}`);
  for (const h of r.hosts) {
    const state = !h.ok ? 'FAILED' : h.changed ? (r.check ? `${h.changed} to change` : `${h.changed} changed`) : 'ok, nothing to change';
    lines.push(`${h.host.padEnd(12)} ${h.role.padEnd(20)} ${state}  (${h.roundTrips} round trip${h.roundTrips === 1 ? '' : 's'})`);
    if (h.error) lines.push(`    ${h.error}${h.hint ? `\n    fix: ${h.hint}` : ''}`);
    if (h.reload) lines.push(`    ${reloadLine(h.reload, r.check)}`);
  }
  for (const p of r.pairs) {
    for (const d of p.drained ?? [])
      lines.push(`${p.pair}: ${d} is DRAINED and stays so: it holds no VIP until \`haops undrain INVENTORY ${d}\``);
    for (const v of p.vips) {
      // The user's path from here when it was asked; the nodes' own answer otherwise.
      const answered = v.client?.ok
        ? `, ${v.client.url}${v.client.from ? ` from probe host ${v.client.from}` : ''} answered ${v.client.status}${v.client.node ? ` by ${v.client.node}` : ''}`
        : !v.client && v.servedBy
          ? `, HTTP answered by ${v.servedBy}`
          : '';
      lines.push(
        `${p.pair}/${v.instance}: ${v.vips.length > 1 ? `VIPs ${v.vips.join(', ')}` : `VIP ${v.vip}`} on ${v.holders.join(' and ') || 'nobody'}${answered}${v.problem ? `  <- ${v.problem}` : ''}`,
      );
      for (const w of v.warnings ?? []) lines.push(`  warning: ${w}`);
    }
  }
  const pairsOk = r.pairs.filter((p) => p.ok).map((p) => p.pair);
  const pairsBad = r.pairs.filter((p) => !p.ok).map((p) => p.pair);
  lines.push(
    `${r.ok ? 'converged' : 'NOT converged'}: changed ${r.changed}${r.check ? ' (check mode: nothing applied)' : ''} in ${(r.durationMs / 1000).toFixed(1)} s; pairs ok: ${pairsOk.join(', ') || 'none'}${pairsBad.length ? `; failed: ${pairsBad.join(', ')}` : ''}`,
  );
  return lines.join('\n');
}

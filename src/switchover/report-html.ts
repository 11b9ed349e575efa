// `haops switchover --report FILE.html`: the drill's page, drawn from switchover rounds: the drain
// at t = 0, the VIP moving to the peer, every probe, the undrain and the move back. Pure.
import { renderDrillHtml, type ReportInput, type ReportRound } from '../measure/report-html.js';
import type { SwitchoverReport } from './report.js';
import type { SwitchoverRound } from './round.js';

function reportRound(r: SwitchoverRound): ReportRound {
  return {
    round: r.round,
    fault: 'drain',
    from: r.from,
    to: r.to,
    faultAt: r.drainAt ?? '?',
    failoverSeconds: r.switchoverSeconds,
    // The switchover is timed to the first answer from the peer: the same moment as HTTP's return.
    httpRecoverySeconds: r.switchoverSeconds,
    failbackSeconds: r.switchbackSeconds,
    failedRequests: r.failedRequests,
    endedAsBegan: r.endedAsBegan,
    vips: r.vips.map((v) => ({
      vip: v.vip,
      instance: v.instance,
      from: v.from,
      to: v.to,
      failoverSeconds: v.switchoverSeconds,
      httpRecoverySeconds: v.switchoverSeconds,
      failedRequests: v.failedRequests,
      gratuitousArp: r.trace ? r.trace.garp.some((g) => g.vip === v.vip && g.node === v.to) : null,
    })),
    ...(r.trace ? { trace: r.trace } : {}),
    problems: r.problems,
  };
}

/** Which nodes handed off the old holder's connections (and how many packets), or which could not. */
function handoffLine(report: SwitchoverReport): string {
  if (!report.handoff.length) return '';
  const on = report.handoff.filter((h) => h.on).map((h) => `${h.node} ${h.packets ?? '?'} packets`);
  const off = report.handoff.filter((h) => !h.on).map((h) => h.node);
  return `; handoff: ${[...on, ...off.map((n) => `${n} none`)].join(', ')}`;
}

export function renderSwitchoverHtml(report: SwitchoverReport, nodes: readonly string[]): string {
  const input: ReportInput = {
    ok: report.ok,
    pair: report.pair,
    instance: report.target,
    vip: [...new Set(report.rounds.flatMap((r) => r.vips.map((v) => v.vip)))].join(', ') || '?',
    fault: 'drain',
    rounds: report.rounds.map(reportRound),
    problems: report.problems,
  };
  return renderDrillHtml(input, nodes, {
    title: `haops switchover: pair ${report.pair}, ${report.target}${report.probedFrom === 'this machine' ? '' : `; probed from ${report.probedFrom}`}${handoffLine(report)}`,
    moment: 'drain',
    restore: 'undrain',
    back: 'switchback',
  });
}

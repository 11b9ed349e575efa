// `failover-drill --report FILE.html`: one self-contained page (inline CSS and SVG, no script, no
// font, no fetch) with a time axis per round: who held the VIP, keepalived's state, every probe
// through the VIP, the fault, the restore, gratuitous ARP and each notification. Pure.
import type { NotifyTimeline } from '../notify/timeline.js';
import { failuresByKind, type ProbeFailure, type RoundTrace } from './trace.js';

/** The parts of `failover-drill --json` the page reads (DrillReport, structurally). */
export interface ReportRound {
  round: number;
  fault: string;
  from: string;
  to: string | null;
  faultAt: string;
  failoverSeconds: number | null;
  httpRecoverySeconds: number | null;
  failbackSeconds: number | null;
  failedRequests: number;
  endedAsBegan: boolean;
  vips: {
    vip: string;
    instance: string;
    from: string;
    to: string | null;
    failoverSeconds: number | null;
    httpRecoverySeconds: number | null;
    failedRequests: number;
    gratuitousArp: boolean | null;
  }[];
  notifications?: NotifyTimeline;
  trace?: RoundTrace;
  problems: string[];
}

/** The words a page uses for its moments: a drill breaks and restores, a switchover drains and undrains. */
export interface ReportWords {
  title: string;
  /** What happens at t = 0 ("fault", "drain"), and at the restore line ("restore", "undrain"). */
  moment: string;
  restore: string;
  /** The move back, in the round's summary ("failback", "switchback"). */
  back: string;
}

const DRILL_WORDS = (r: ReportInput): ReportWords => ({
  title: `haops failover drill: pair ${r.pair}, ${r.fault}`,
  moment: 'fault',
  restore: 'restore',
  back: 'failback',
});

export interface ReportInput {
  ok: boolean;
  pair: string;
  instance: string;
  vip: string;
  fault: string;
  rounds: ReportRound[];
  problems: string[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
const relTo = (moment: string) => (ms: number, faultAt: number) => {
  const d = (ms - faultAt) / 1000;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)} s ${d >= 0 ? 'after' : 'before'} the ${moment}`;
};
const secs = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)} s`);

const STATE_COLOUR: Record<string, string> = {
  MASTER: '#2b6cb0',
  BACKUP: '#a0aec0',
  FAULT: '#dd6b20',
  STOP: '#4a5568',
  STOPPED: '#4a5568',
  INIT: '#e2e8f0',
};
const FAIL_COLOUR: Record<ProbeFailure, string> = {
  refused: '#e53e3e',
  reset: '#b83280',
  timeout: '#805ad5',
  unreachable: '#744210',
  '5xx': '#c05621',
  '4xx': '#d69e2e',
  other: '#1a202c',
};
const CHANNEL_SHAPE: Record<string, string> = { webhook: 'circle', email: 'square', sms: 'triangle', log: 'circle' };

const DRILL_WORDS_PLAIN = { moment: 'fault', restore: 'restore' };

const W = 1100;
const LEFT = 170;
const RIGHT = 30;

/** Round tick steps so that an axis has about 8–16 ticks. */
function tickStep(spanMs: number): number {
  for (const s of [100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000]) if (spanMs / s <= 16) return s;
  return 120_000;
}

function mark(shape: string, x: number, y: number, r: number, fill: string, cls: string, title: string, extra = ''): string {
  const t = `<title>${esc(title)}</title>`;
  if (shape === 'square')
    return `<rect class="${cls}" x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${fill}"${extra}>${t}</rect>`;
  if (shape === 'triangle')
    return `<polygon class="${cls}" points="${x.toFixed(1)},${(y - r).toFixed(1)} ${(x - r).toFixed(1)},${(y + r).toFixed(1)} ${(x + r).toFixed(1)},${(y + r).toFixed(1)}" fill="${fill}"${extra}>${t}</polygon>`;
  if (shape === 'diamond')
    return `<polygon class="${cls}" points="${x.toFixed(1)},${(y - r).toFixed(1)} ${(x + r).toFixed(1)},${y.toFixed(1)} ${x.toFixed(1)},${(y + r).toFixed(1)} ${(x - r).toFixed(1)},${y.toFixed(1)}" fill="${fill}"${extra}>${t}</polygon>`;
  return `<circle class="${cls}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${fill}"${extra}>${t}</circle>`;
}

/** Intervals [from, to) during which `on` holds, from an ordered list of switches. */
function intervals(
  start: number,
  end: number,
  initial: string | null,
  changes: { at: number; value: string | null }[],
): { from: number; to: number; value: string | null }[] {
  const out: { from: number; to: number; value: string | null }[] = [];
  let cur = initial;
  let since = start;
  for (const c of [...changes].sort((a, b) => a.at - b.at)) {
    const at = Math.min(Math.max(c.at, start), end);
    if (at > since) out.push({ from: since, to: at, value: cur });
    cur = c.value;
    since = at;
  }
  if (end > since) out.push({ from: since, to: end, value: cur });
  return out;
}

export function roundSvg(
  r: ReportRound,
  nodes: readonly string[],
  words: Pick<ReportWords, 'moment' | 'restore'> = DRILL_WORDS_PLAIN,
): string {
  const t = r.trace!;
  const rel = relTo(words.moment);
  const faultAt = t.faultAt;
  const start = Math.min(t.startedAt, faultAt - 500);
  const end = Math.max(t.endedAt, faultAt + 1000);
  const x = (ms: number) => LEFT + ((ms - start) / (end - start)) * (W - LEFT - RIGHT);
  const vips = Object.keys(t.instances);
  const rows: string[] = [];
  let y = 28;
  const lane = (label: string, cls: string, h: number, body: (top: number, h: number) => string) => {
    rows.push(
      `<g class="lane ${cls}"><text class="lane-label" x="${LEFT - 8}" y="${y + h / 2 + 4}" text-anchor="end">${esc(label)}</text><rect x="${LEFT}" y="${y}" width="${W - LEFT - RIGHT}" height="${h}" class="lane-bg"/>${body(y, h)}</g>`,
    );
    y += h + 6;
  };

  // Per node: keepalived's state per instance (thin bands) and the VIPs it held (thick bars).
  for (const node of nodes) {
    const insts = Object.keys(t.statesAtStart[node] ?? {});
    const instNames = insts.length ? insts : [...new Set(t.states.filter((s) => s.node === node).map((s) => s.instance))];
    lane(node, 'node', 14 * Math.max(1, instNames.length) + 18 * Math.max(1, vips.length), (top) => {
      const parts: string[] = [];
      instNames.forEach((inst, k) => {
        const changes = t.states.filter((s) => s.node === node && s.instance === inst).map((s) => ({ at: s.at, value: s.state }));
        for (const seg of intervals(start, end, t.statesAtStart[node]?.[inst] ?? null, changes)) {
          if (!seg.value) continue;
          const fill = STATE_COLOUR[seg.value] ?? '#cbd5e0';
          parts.push(
            `<rect class="state state-${esc(seg.value)}" x="${x(seg.from).toFixed(1)}" y="${top + 2 + 14 * k}" width="${Math.max(1, x(seg.to) - x(seg.from)).toFixed(1)}" height="10" fill="${fill}"><title>${esc(`${node} ${inst} ${seg.value} from ${iso(seg.from)} (${rel(seg.from, faultAt)}) to ${iso(seg.to)}`)}</title></rect>`,
          );
        }
        for (const c of changes)
          parts.push(`<text class="state-label" x="${(x(c.at) + 2).toFixed(1)}" y="${top + 11 + 14 * k}">${esc(String(c.value))}</text>`);
      });
      const vipTop = top + 14 * Math.max(1, instNames.length);
      vips.forEach((vip, k) => {
        const changes = t.vipEvents
          .filter((e) => e.node === node && e.vip === vip)
          .map((e) => ({ at: e.at, value: e.kind === 'add' ? vip : null }));
        for (const seg of intervals(start, end, t.holdersAtStart[vip] === node ? vip : null, changes)) {
          if (!seg.value) continue;
          parts.push(
            `<rect class="holds" data-vip="${esc(vip)}" x="${x(seg.from).toFixed(1)}" y="${vipTop + 2 + 18 * k}" width="${Math.max(1, x(seg.to) - x(seg.from)).toFixed(1)}" height="14" fill="#2f855a"><title>${esc(`${node} held VIP ${vip} from ${iso(seg.from)} (${rel(seg.from, faultAt)}) to ${iso(seg.to)} (${rel(seg.to, faultAt)})`)}</title></rect>`,
          );
          parts.push(`<text class="holds-label" x="${(x(seg.from) + 4).toFixed(1)}" y="${vipTop + 13 + 18 * k}">VIP ${esc(vip)}</text>`);
        }
      });
      for (const g of t.garp.filter((g) => g.node === node)) {
        parts.push(
          mark(
            'diamond',
            x(g.at),
            vipTop + 9,
            6,
            '#f6e05e',
            'garp',
            `this machine's ARP entry for ${g.vip} moved to ${node}'s MAC (gratuitous ARP when unasked) at ${iso(g.at)} (${rel(g.at, faultAt)})`,
            ' stroke="#744210"',
          ),
        );
      }
      return parts.join('');
    });
  }

  // Per VIP: every request through it, one mark each.
  for (const vip of vips) {
    lane(`HTTP ${vip}`, 'probes', 24, (top) =>
      t.probes
        .filter((p) => p.vip === vip)
        .map((p) => {
          const what = p.ok
            ? `ok${p.status ? ` ${p.status}` : ''}, answered by ${p.node ?? '?'}`
            : `FAILED: ${p.failure ?? 'other'}${p.status ? ` (${p.status})` : ''}${p.node ? `, from ${p.node}` : ''}`;
          const title = `GET through ${vip}, sent ${iso(p.sentAt)} (${rel(p.sentAt, faultAt)}), ${what} after ${p.at - p.sentAt} ms`;
          return p.ok
            ? mark('circle', x(p.sentAt), top + 12, 3, '#38a169', 'probe ok', title, ` data-node="${esc(p.node ?? '')}"`)
            : mark('square', x(p.sentAt), top + 12, 4, FAIL_COLOUR[p.failure ?? 'other'], `probe failed ${p.failure ?? 'other'}`, title);
        })
        .join(''),
    );
  }

  // Per node: each notification it sent, by channel.
  const notes = r.notifications?.nodes ?? [];
  for (const n of notes) {
    lane(`notify ${n.host}`, 'notifications', 20, (top) =>
      n.notifications
        .map((e) => {
          const title = `${e.channel}${e.source === 'keepalived' ? ' (keepalived)' : ''} from ${n.host}: ${[e.instance, e.state].filter(Boolean).join(' ') || '?'} received ${iso(e.receivedAt)} (${rel(e.receivedAt, faultAt)})`;
          return mark(
            CHANNEL_SHAPE[e.channel] ?? 'circle',
            x(e.receivedAt),
            top + 10,
            5,
            '#3182ce',
            `notification ${e.channel}`,
            title,
            ' stroke="#1a365d"',
          );
        })
        .join(''),
    );
  }

  const height = y + 30;
  // Fault and restore span every lane.
  const vline = (at: number, cls: string, colour: string, label: string) =>
    `<g class="${cls}"><line x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="16" y2="${height - 26}" stroke="${colour}" stroke-width="2" stroke-dasharray="4 3"><title>${esc(`${label} at ${iso(at)}`)}</title></line><text x="${(x(at) + 3).toFixed(1)}" y="13" fill="${colour}">${esc(label)}</text></g>`;
  const overlays = [
    vline(
      faultAt,
      'fault',
      '#c53030',
      `${words.moment}: ${r.fault === words.moment ? '' : `${r.fault} `}on ${r.from}`.replace(': on', ' of'),
    ),
  ];
  if (t.restoreAt !== null) overlays.push(vline(t.restoreAt, 'restore', '#2f855a', words.restore));

  const step = tickStep(end - start);
  const ticks: string[] = [];
  for (let tk = Math.ceil((start - faultAt) / step) * step; faultAt + tk <= end; tk += step) {
    const px = x(faultAt + tk).toFixed(1);
    ticks.push(
      `<g class="tick"><line x1="${px}" x2="${px}" y1="${height - 26}" y2="${height - 20}" stroke="#4a5568"/><text x="${px}" y="${height - 8}" text-anchor="middle">${tk === 0 ? '0' : `${tk > 0 ? '+' : '−'}${Math.abs(tk / 1000)} s`}</text></g>`,
    );
  }
  const axis = `<g class="axis" data-round="${r.round}"><line x1="${LEFT}" x2="${W - RIGHT}" y1="${height - 26}" y2="${height - 26}" stroke="#4a5568"/>${ticks.join('')}<text class="axis-label" x="${LEFT - 8}" y="${height - 8}" text-anchor="end">time from the ${words.moment}</text></g>`;
  return `<svg class="round-axis" data-round="${r.round}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="round ${r.round} time line">${rows.join('')}${overlays.join('')}${axis}</svg>`;
}

function roundSection(r: ReportRound, nodes: readonly string[], words: ReportWords): string {
  const kinds = r.trace
    ? Object.entries(failuresByKind(r.trace.probes))
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')
    : '';
  const rows = r.vips
    .map(
      (v) =>
        `<tr><td>${esc(v.instance)}</td><td>${esc(v.vip)}</td><td>${esc(v.from)} → ${esc(v.to ?? 'nobody')}</td><td>${secs(v.failoverSeconds)}</td><td>${secs(v.httpRecoverySeconds)}</td><td>${v.failedRequests}</td><td>${v.gratuitousArp === null ? 'not observed' : v.gratuitousArp ? 'yes' : 'no'}</td></tr>`,
    )
    .join('');
  const problems = r.problems.length ? `<ul class="problems">${r.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : '';
  const svg = r.trace
    ? roundSvg(r, nodes, words)
    : '<p class="no-trace">This report has no trace for this round (made by an older haops).</p>';
  return `<section class="round" id="round-${r.round}">
<h2>Round ${r.round}: ${esc(r.fault)} on ${esc(r.from)} ${r.endedAsBegan ? '' : '<span class="bad">did not end as it began</span>'}</h2>
<p>${esc(words.moment[0]!.toUpperCase() + words.moment.slice(1))} at ${esc(r.faultAt)}. VIP on the new holder after ${secs(r.failoverSeconds)}, HTTP answered again after ${secs(r.httpRecoverySeconds)}, ${words.back} ${secs(r.failbackSeconds)}; ${r.failedRequests} failed request${r.failedRequests === 1 ? '' : 's'}${kinds ? ` (${esc(kinds)})` : ''}.</p>
<table><tr><th>instance</th><th>VIP</th><th>moved</th><th>${r.fault === 'drain' ? 'switchover' : 'failover'}</th><th>HTTP back</th><th>failed requests</th><th>gratuitous ARP</th></tr>${rows}</table>
${problems}
<div class="chart">${svg}</div>
</section>`;
}

const LEGEND = `<div class="legend">
<span><svg width="26" height="12"><rect width="26" height="12" fill="#2f855a"/></svg> holds the VIP</span>
${Object.entries(STATE_COLOUR)
  .filter(([k]) => k !== 'STOP')
  .map(([k, c]) => `<span><svg width="18" height="10"><rect width="18" height="10" fill="${c}"/></svg> ${k}</span>`)
  .join('')}
<span><svg width="10" height="10"><circle cx="5" cy="5" r="3" fill="#38a169"/></svg> request ok</span>
${Object.entries(FAIL_COLOUR)
  .map(([k, c]) => `<span><svg width="10" height="10"><rect x="1" y="1" width="8" height="8" fill="${c}"/></svg> ${k}</span>`)
  .join('')}
<span><svg width="14" height="14"><polygon points="7,1 13,7 7,13 1,7" fill="#f6e05e" stroke="#744210"/></svg> ARP entry moved</span>
<span><svg width="12" height="12"><circle cx="6" cy="6" r="5" fill="#3182ce"/></svg> webhook</span>
<span><svg width="12" height="12"><rect x="1" y="1" width="10" height="10" fill="#3182ce"/></svg> mail</span>
<span><svg width="12" height="12"><polygon points="6,1 1,11 11,11" fill="#3182ce"/></svg> SMS</span>
</div>`;

export function renderDrillHtml(report: ReportInput, nodes: readonly string[], words: ReportWords = DRILL_WORDS(report)): string {
  const title = words.title;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1a202c; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #cbd5e0; padding: 2px 8px; text-align: left; }
.bad, .problems { color: #c53030; } .ok { color: #2f855a; }
.legend span { margin-right: 1em; white-space: nowrap; } .legend svg { vertical-align: middle; }
svg text { font: 11px sans-serif; fill: #2d3748; } .lane-bg { fill: #f7fafc; stroke: #e2e8f0; }
.holds-label, .state-label { fill: #fff; font-size: 10px; pointer-events: none; }
.chart { overflow-x: auto; }
</style></head><body>
<h1>${esc(title)}</h1>
<p>Pair <b>${esc(report.pair)}</b>, ${esc(report.instance)}, VIP ${esc(report.vip)}, ${report.rounds.length} round${report.rounds.length === 1 ? '' : 's'}: <b class="${report.ok ? 'ok' : 'bad'}">${report.ok ? 'passed' : 'FAILED'}</b>. Times are this machine's clock; hover a mark for its exact time.</p>
${report.problems.length ? `<ul class="problems">${report.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : ''}
${LEGEND}
${report.rounds.map((r) => roundSection(r, nodes, words)).join('\n')}
</body></html>
`;
}

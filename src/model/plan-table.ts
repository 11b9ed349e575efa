// `haops plan`: for every instance, each combination of check results with each node's
// effective priority and the VIP's holder, as a table or as data.
import type { Model } from './derive.js';
import { scenarios, smallestFixes, type ScenarioResult } from './failover.js';
import { type ExpectedFailover, expectedFailover, formatRange, timingOf } from './expected.js';
import { describeVersion, ASSUMED_KEEPALIVED } from './keepalived-versions.js';
import { fitFailover, NGINX_DOWN_FLAG, type KeepalivedTarget } from './profile.js';

export interface PlanInstance {
  pair: string;
  instance: string;
  /** The primary VIP's address. */
  vip: string;
  /** Every VIP as written (`addr[/prefix]`, `dev X` on another interface), the primary first. */
  vips: string[];
  master: string;
  backup: string;
  priorities: Record<string, number>;
  weight: number;
  nopreempt: boolean;
  scenarios: ScenarioResult[];
  ok: boolean;
  fixes: string[];
  /** The failover profile as fitted to the target keepalived, and the expected failover per fault kind. */
  failover: { profile: string; keepalived: string; vrrpVersion: 2 | 3; advertInt: number; track: string; fallbacks: string[] };
  expected: ExpectedFailover[];
}

/** One target for every pair, or each pair's own (from its nodes' `os:` hints). */
export type PlanTarget = KeepalivedTarget | ((pair: string) => KeepalivedTarget);

export function planData(model: Model, targets: PlanTarget = {}): PlanInstance[] {
  return model.pairs.flatMap((p) => {
    const target = typeof targets === 'function' ? targets(p.name) : targets;
    const fitted = fitFailover(
      p.failover,
      p.spec.check,
      target,
      p.spec.instances.map((i) => i.advert_int),
    );
    return p.instances.map((i) => {
      const s = scenarios(i.math);
      const advertInt = fitted.advertInt(i.spec.advert_int);
      return {
        pair: p.name,
        instance: i.spec.name,
        vip: i.vip,
        vips: i.vips.map((v) => v.written + (v.dev !== undefined ? ` dev ${v.dev}` : '')),
        master: i.master,
        backup: i.backup,
        priorities: i.priorities,
        weight: i.math.weight,
        nopreempt: i.math.nopreempt,
        scenarios: s,
        ok: s.every((x) => !x.problem),
        fixes: smallestFixes(i.math),
        failover: {
          profile: p.failover.profile,
          keepalived: describeVersion(target.version ?? ASSUMED_KEEPALIVED.version) + (target.container ? ` in ${target.container}` : ''),
          vrrpVersion: fitted.vrrpVersion,
          advertInt,
          track:
            fitted.track === 'process'
              ? 'track_process nginx'
              : fitted.track === 'file'
                ? `track_file ${NGINX_DOWN_FLAG} (systemd drop-in)`
                : `vrrp_script every ${fitted.check.interval} s, fall ${fitted.check.fall}, weight ${fitted.check.weight}`,
          fallbacks: fitted.fallbacks,
        },
        expected: expectedFailover(timingOf(fitted, advertInt, i.priorities[i.backup]!)),
      };
    });
  });
}

export function formatPlan(model: Model, json: boolean, target: PlanTarget = {}): string | PlanInstance[] {
  const data = planData(model, target);
  if (json) return data;
  const out: string[] = [];
  for (const d of data) {
    out.push(
      `pair ${d.pair}, instance ${d.instance}: ${d.vips.length > 1 ? `VIPs ${d.vips.join(', ')}` : `VIP ${d.vip}`}, MASTER ${d.master} (${d.priorities[d.master]}), BACKUP ${d.backup} (${d.priorities[d.backup]}), check weight ${d.weight}${d.nopreempt ? ', nopreempt' : ''}`,
    );
    const rows = [
      ['checks', d.master, d.backup, 'VIP on', ''],
      ...d.scenarios.map((s) => [
        s.scenario,
        show(s.master),
        show(s.backup),
        s.holder ?? 'nobody (outage)',
        s.problem ? `<- ${s.problem}` : '',
      ]),
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows)
      out.push(
        '  ' +
          r
            .map((cell, c) => cell.padEnd(widths[c]!))
            .join('  ')
            .trimEnd(),
      );
    if (!d.ok) out.push(`  ERROR: fix: ${d.fixes.join('; or ')}`);
    const f = d.failover;
    out.push(
      `  expected failover (profile ${f.profile}; keepalived ${f.keepalived}: VRRPv${f.vrrpVersion}, advert_int ${f.advertInt}, ${f.track}):`,
    );
    for (const fb of f.fallbacks) out.push(`    fell back: ${fb}`);
    const erows = d.expected.map((e) => [e.fault, formatRange(e), e.path]);
    const ew = [0, 1].map((c) => Math.max(...erows.map((row) => row[c]!.length)));
    for (const row of erows) out.push(`    ${row[0]!.padEnd(ew[0]!)}  ${row[1]!.padEnd(ew[1]!)}  ${row[2]}`);
    out.push('');
  }
  return out.join('\n');
}

function show(n: { priority: number; fault: boolean }): string {
  return n.fault ? 'FAULT' : String(n.priority);
}

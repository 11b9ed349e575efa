// `haops plan`: for every instance, each combination of check results with each node's
// effective priority and the VIP's holder, as a table or as data.
import type { Model } from './derive.js';
import { vipAddress } from './derive.js';
import { scenarios, smallestFixes, type ScenarioResult } from './failover.js';

export interface PlanInstance {
  pair: string;
  instance: string;
  vip: string;
  master: string;
  backup: string;
  priorities: Record<string, number>;
  weight: number;
  nopreempt: boolean;
  scenarios: ScenarioResult[];
  ok: boolean;
  fixes: string[];
}

export function planData(model: Model): PlanInstance[] {
  return model.pairs.flatMap((p) =>
    p.instances.map((i) => {
      const s = scenarios(i.math);
      return {
        pair: p.name,
        instance: i.spec.name,
        vip: vipAddress(i.spec.vip),
        master: i.master,
        backup: i.backup,
        priorities: i.priorities,
        weight: i.math.weight,
        nopreempt: i.math.nopreempt,
        scenarios: s,
        ok: s.every((x) => !x.problem),
        fixes: smallestFixes(i.math),
      };
    }),
  );
}

export function formatPlan(model: Model, json: boolean): string | PlanInstance[] {
  const data = planData(model);
  if (json) return data;
  const out: string[] = [];
  for (const d of data) {
    out.push(
      `pair ${d.pair}, instance ${d.instance}: VIP ${d.vip}, MASTER ${d.master} (${d.priorities[d.master]}), BACKUP ${d.backup} (${d.priorities[d.backup]}), check weight ${d.weight}${d.nopreempt ? ', nopreempt' : ''}`,
    );
    const rows = [['checks', d.master, d.backup, 'VIP on', ''], ...d.scenarios.map((s) => [s.scenario, show(s.master), show(s.backup), s.holder ?? 'nobody (outage)', s.problem ? `<- ${s.problem}` : ''])];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) out.push('  ' + r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
    if (!d.ok) out.push(`  ERROR: fix: ${d.fixes.join('; or ')}`);
    out.push('');
  }
  return out.join('\n');
}

function show(n: { priority: number; fault: boolean }): string {
  return n.fault ? 'FAULT' : String(n.priority);
}

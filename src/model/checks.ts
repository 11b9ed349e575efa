// The failover math as inventory problems: priorities that cannot be derived, and instances
// whose VIP would not move (or would move wrongly) for some combination of check results.
// `haops plan` shows the same math as a table instead. Pure.
import { type InventoryIssue, issueAt, type Locator, type PathKey } from '../inventory/errors.js';
import type { Inventory } from '../inventory/schema.js';
import { hostIp, own } from '../inventory/checks.js';
import { instancePriorities } from './derive.js';
import { scenarios, smallestFixes } from './failover.js';

export function failoverIssues(inv: Inventory, locate: Locator): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  for (const [pname, pair] of Object.entries(inv.pairs)) {
    const base: PathKey[] = ['pairs', pname];
    pair.instances.forEach((inst, idx) => {
      const prios = instancePriorities(inst, pair.nodes as [string, string], pair.check.weight);
      if (!prios) {
        issues.push(issueAt(locate, [...base, 'check', 'weight'], `priorities: derive cannot work with weight ${pair.check.weight}: a change of 1 cannot beat a lower priority strictly`, 'use weight 2 (or more), 0 (FAULT), or give priorities by hand'));
        return;
      }
      const backup = pair.nodes.find((n) => n !== inst.master)!;
      const math = {
        master: { name: inst.master, priority: prios[inst.master]!, ip: hostIp(own(inv.hosts, inst.master)!)! },
        backup: { name: backup, priority: prios[backup]!, ip: hostIp(own(inv.hosts, backup)!)! },
        weight: pair.check.weight,
        nopreempt: inst.nopreempt,
      };
      const broken = scenarios(math).filter((s) => s.problem);
      if (broken.length === 0) return;
      const s = broken[0]!;
      const fixes = smallestFixes(math);
      issues.push(
        issueAt(
          locate,
          inst.priorities === 'derive' ? [...base, 'check', 'weight'] : [...base, 'instances', idx, 'priorities'],
          `instance ${inst.name}: ${s.problem} (${s.scenario}: ${inst.master} ${s.master.fault ? 'FAULT' : s.master.priority} vs ${backup} ${s.backup.fault ? 'FAULT' : s.backup.priority}, weight ${pair.check.weight}${inst.nopreempt ? ', nopreempt' : ''})`,
          fixes.length ? fixes.join('; or ') : 'see `haops plan`',
        ),
      );
    });
  }
  return issues;
}

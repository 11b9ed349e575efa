// The failover math as inventory problems: priorities that cannot be derived, and instances
// whose VIP would not move (or would move wrongly) for some combination of check results.
// `haops plan` shows the same math as a table instead. Pure.
import { familiesOf } from '../inventory/vips.js';
import { type InventoryIssue, issueAt, type Locator, type PathKey } from '../inventory/errors.js';
import type { Inventory } from '../inventory/schema.js';
import { hostIp, own } from '../inventory/cross-checks.js';
import { instancePriorities } from './derive.js';
import { scenarios, smallestFixes } from './failover.js';
import { resolveFailover, trackWeight } from './profile.js';

export function failoverIssues(inv: Inventory, locate: Locator): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  for (const [pname, pair] of Object.entries(inv.pairs)) {
    const base: PathKey[] = ['pairs', pname];
    const failover = resolveFailover(pair.failover);
    const weight = trackWeight(failover, pair.check);
    issues.push(...profileIssues(pair, base, locate));
    pair.instances.forEach((inst, idx) => {
      const prios = instancePriorities(inst, pair.nodes as [string, string], weight, failover);
      if (!prios) {
        issues.push(
          issueAt(
            locate,
            [...base, 'check', 'weight'],
            `priorities: derive cannot work with weight ${pair.check.weight}: a change of 1 cannot beat a lower priority strictly`,
            'use weight 2 (or more), 0 (FAULT), or give priorities by hand',
          ),
        );
        return;
      }
      const backup = pair.nodes.find((n) => n !== inst.master)!;
      const math = {
        master: { name: inst.master, priority: prios[inst.master]!, ip: hostIp(own(inv.hosts, inst.master)!)! },
        backup: { name: backup, priority: prios[backup]!, ip: hostIp(own(inv.hosts, backup)!)! },
        weight,
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

/**
 * The profile against VRRP's own limits, whatever the version: sub-second adverts need VRRPv3,
 * v3 takes at most 40.95 s, and v3 has no authentication (keepalived ignores the block).
 */
function profileIssues(pair: Inventory['pairs'][string], base: PathKey[], locate: Locator): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const f = resolveFailover(pair.failover);
  const v3 = f.vrrpVersion === 3;
  const failoverPath = (key: string): PathKey[] =>
    pair.failover && typeof pair.failover === 'object' && key in pair.failover ? [...base, 'failover', key] : [...base, 'failover'];
  if (!v3 && f.advertInt < 1) {
    issues.push(
      issueAt(
        locate,
        failoverPath('advert_int'),
        `advert_int ${f.advertInt} is sub-second, but VRRPv2 counts adverts in whole seconds (keepalived rounds it, and 0.x floods adverts with "intvl 0s")`,
        'use vrrp_version: 3 (failover: fast), or advert_int: 1 or more',
      ),
    );
  }
  pair.instances.forEach((inst, idx) => {
    const ip: PathKey[] = [...base, 'instances', idx];
    // An IPv6 instance is VRRPv3 whatever the pair's profile (keepalived: IPv6 needs v3). One with
    // both families keeps its authentication for the IPv4 part (the derived NAME_V6 has none).
    const v6 = !familiesOf(inst).has(4);
    if (inst.advert_int !== undefined && !v3 && !v6 && inst.advert_int < 1) {
      issues.push(
        issueAt(
          locate,
          [...ip, 'advert_int'],
          `advert_int ${inst.advert_int} is sub-second, which needs VRRPv3; pair ${pairName(base)} uses VRRPv2 (failover: ${f.profile})`,
          'write failover: fast on the pair (VRRPv3), or advert_int: 1',
        ),
      );
    }
    if (inst.advert_int !== undefined && (v3 || v6) && inst.advert_int > 40.95) {
      issues.push(
        issueAt(
          locate,
          [...ip, 'advert_int'],
          `advert_int ${inst.advert_int} is above VRRPv3's 40.95 s`,
          'use at most 40.95, or vrrp_version: 2',
        ),
      );
    }
    if (inst.authentication && v6 && !v3) {
      issues.push(
        issueAt(
          locate,
          [...ip, 'authentication'],
          `instance ${inst.name}: its VIP is IPv6, so keepalived runs it as VRRPv3, which has no authentication (keepalived silently ignores the block, so it would protect nothing)`,
          'remove authentication: from this instance; haops emits vrrp_check_unicast_src for a pair with an IPv6 instance (keepalived 1.2.20+: adverts only from the unicast peer)',
        ),
      );
    } else if (inst.authentication && v3) {
      issues.push(
        issueAt(
          locate,
          [...ip, 'authentication'],
          `instance ${inst.name}: VRRPv3 has no authentication (keepalived silently ignores the block, so it would protect nothing)`,
          'remove authentication: with VRRPv3 haops emits vrrp_check_unicast_src (keepalived 1.2.20+: adverts only from the unicast peer); auth_hmac needs keepalived 2.4.0+; or keep authentication with failover: { profile: classic }',
        ),
      );
    }
  });
  return issues;
}

const pairName = (base: PathKey[]) => String(base[1]);

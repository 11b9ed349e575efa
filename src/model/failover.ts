// Failover math: who holds a VIP for each combination of check results, by keepalived's rules
// (keepalived.conf(5): a positive weight is added while the check passes, a negative one
// subtracted while it fails; the highest priority holds the VIP). Pure; used by `haops plan`
// and validation.

export interface InstanceMath {
  master: { name: string; priority: number; ip: string };
  backup: { name: string; priority: number; ip: string };
  weight: number;
  nopreempt: boolean;
}

export type Scenario = 'both healthy' | "MASTER's check failed" | "BACKUP's check failed" | 'both failed';
export const SCENARIOS: Scenario[] = ['both healthy', "MASTER's check failed", "BACKUP's check failed", 'both failed'];

export interface NodeState {
  priority: number;
  fault: boolean;
}

export interface ScenarioResult {
  scenario: Scenario;
  master: NodeState;
  backup: NodeState;
  /** Name of the node holding the VIP, or null for none (outage). */
  holder: string | null;
  /** A failover that should happen and does not, or an outage with a healthy node. */
  problem?: string;
}

/** keepalived's effective priority: base + weight while it applies, clamped to 1..254; 255 never moves. */
export function effectivePriority(base: number, weight: number, healthy: boolean): NodeState {
  if (weight === 0) return { priority: base, fault: !healthy };
  if (base === 255) return { priority: 255, fault: false };
  let p = base;
  if (weight > 0 && healthy) p += weight;
  if (weight < 0 && !healthy) p += weight;
  return { priority: Math.min(254, Math.max(1, p)), fault: false };
}

/** Who wins: steady state starts with the configured MASTER holding the VIP. */
function holderOf(m: InstanceMath, ms: NodeState, bs: NodeState): string | null {
  if (ms.fault && bs.fault) return null;
  if (ms.fault) return m.backup.name;
  if (bs.fault) return m.master.name;
  // nopreempt: a live holder keeps the VIP whatever the numbers say.
  if (m.nopreempt) return m.master.name;
  // A BACKUP takes over only from a strictly lower advertised priority; equal keeps the holder.
  if (bs.priority > ms.priority) return m.backup.name;
  return m.master.name;
}

export function scenarios(m: InstanceMath): ScenarioResult[] {
  return SCENARIOS.map((scenario) => {
    const masterOk = scenario === 'both healthy' || scenario === "BACKUP's check failed";
    const backupOk = scenario === 'both healthy' || scenario === "MASTER's check failed";
    const ms = effectivePriority(m.master.priority, m.weight, masterOk);
    const bs = effectivePriority(m.backup.priority, m.weight, backupOk);
    const holder = holderOf(m, ms, bs);
    let problem: string | undefined;
    if (scenario === 'both healthy' && holder !== m.master.name)
      problem = `${m.master.name} is named MASTER but ${m.backup.name} wins with both healthy`;
    // Equal priorities hold only by incumbency: after a restart the MASTER would not take the VIP back.
    else if (scenario === 'both healthy' && !m.nopreempt && ms.priority <= bs.priority)
      problem = `with both healthy ${m.master.name} and ${m.backup.name} both advertise ${ms.priority}, so the MASTER never takes the VIP back after a restart`;
    if (scenario === "MASTER's check failed" && holder !== m.backup.name)
      problem = `a failed check on ${m.master.name} leaves the VIP on it while ${m.backup.name} is healthy`;
    if (scenario === "BACKUP's check failed" && holder !== m.master.name)
      problem = `a failed check on ${m.backup.name} moves the VIP to it`;
    return { scenario, master: ms, backup: bs, holder, problem };
  });
}

/** The smallest changes that make every scenario right, as sentences; empty when none is needed. */
export function smallestFixes(m: InstanceMath): string[] {
  if (scenarios(m).every((s) => !s.problem)) return [];
  const fixes: string[] = [];
  const ok = (x: InstanceMath) => scenarios(x).every((s) => !s.problem);
  if (m.nopreempt && m.weight !== 0 && ok({ ...m, weight: 0 })) {
    fixes.push("with nopreempt only FAULT moves the VIP: set the check's weight to 0, or drop nopreempt");
  }
  if (m.weight !== 0) {
    const sign = m.weight > 0 ? 1 : -1;
    for (let w = Math.abs(m.weight) + 1; w <= 253; w++) {
      if (ok({ ...m, weight: sign * w })) {
        fixes.push(`raise the check's weight to ${sign * w}`);
        break;
      }
    }
    for (let d = 1; d < 254; d++) {
      const lower = m.master.priority - d;
      if (lower >= 1 && lower > 0 && ok({ ...m, master: { ...m.master, priority: lower } })) {
        fixes.push(`lower ${m.master.name}'s priority to ${lower}`);
        break;
      }
    }
    for (let d = 1; d < 254; d++) {
      const higher = m.backup.priority + d;
      if (higher <= 254 && ok({ ...m, backup: { ...m.backup, priority: higher } })) {
        fixes.push(`raise ${m.backup.name}'s priority to ${higher}`);
        break;
      }
    }
  }
  const d = derivePriorities(m.weight);
  if (d) {
    const master = Math.min(m.master.priority, 254 - Math.max(m.weight, 0));
    const backup = m.weight > 0 ? master - m.weight + 1 : master - 1;
    const x = { ...m, master: { ...m.master, priority: master }, backup: { ...m.backup, priority: backup } };
    if (backup >= 1 && ok(x) && !fixes.length) fixes.push(`set priorities ${m.master.name}: ${master}, ${m.backup.name}: ${backup}`);
  }
  if (m.master.priority <= m.backup.priority && ok({ ...m, master: { ...m.master, priority: m.backup.priority + 1 } })) {
    fixes.push(`give ${m.master.name} (the MASTER) a higher priority than ${m.backup.name}, e.g. ${m.backup.priority + 1}`);
  }
  if (fixes.length === 0 && ok({ ...m, weight: 0 })) fixes.push("set the check's weight to 0 (a failed check then puts the node in FAULT)");
  return fixes;
}

/** Priorities for `priorities: derive`: the MASTER at 200 (lower when the weight would clamp), the BACKUP just close enough. */
export function derivePriorities(weight: number): { master: number; backup: number } | null {
  const w = Math.abs(weight);
  const master = Math.min(200, 254 - Math.max(weight, 0));
  if (weight === 0) return { master, backup: master - 1 };
  if (w < 2) return null;
  return { master, backup: weight > 0 ? master - w + 1 : master - 1 };
}

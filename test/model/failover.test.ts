import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { effectivePriority, scenarios, derivePriorities } from '../../src/model/failover.js';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { planData } from '../../src/model/plan-table.js';

const m = (mp: number, bp: number, weight: number, nopreempt = false) => ({
  master: { name: 'a', priority: mp, ip: '10.0.0.1' },
  backup: { name: 'b', priority: bp, ip: '10.0.0.2' },
  weight,
  nopreempt,
});
const holders = (x: ReturnType<typeof m>) => scenarios(x).map((s) => s.holder);

describe('failover math (keepalived rules)', () => {
  it("write-up's 200/199 weight 2: VIP moves when the MASTER's check fails, stays otherwise", () => {
    expect(holders(m(200, 199, 2))).toEqual(['a', 'b', 'a', 'a']);
    expect(scenarios(m(200, 199, 2)).map((s) => [s.master.priority, s.backup.priority])).toEqual([
      [202, 201],
      [200, 201],
      [202, 199],
      [200, 199],
    ]);
  });
  it('negative weight subtracts while the check fails', () => {
    expect(scenarios(m(200, 199, -2)).map((s) => [s.master.priority, s.backup.priority, s.holder])).toEqual([
      [200, 199, 'a'],
      [198, 199, 'b'],
      [200, 197, 'a'],
      [198, 197, 'a'],
    ]);
  });
  it('weight 0 puts a failed node in FAULT; both failed is an outage', () => {
    expect(holders(m(200, 199, 0))).toEqual(['a', 'b', 'a', null]);
  });
  it('clamps at 254 and leaves an address owner (255) alone', () => {
    expect(effectivePriority(253, 2, true)).toEqual({ priority: 254, fault: false });
    expect(effectivePriority(2, -5, false)).toEqual({ priority: 1, fault: false });
    expect(effectivePriority(255, -50, false)).toEqual({ priority: 255, fault: false });
  });
  it('200/198 weight 1 and 254/253 weight 2 are flagged; nopreempt with weight keeps the VIP on a failed MASTER', () => {
    expect(scenarios(m(200, 198, 1))[1]!.problem).toMatch(/leaves the VIP/);
    expect(scenarios(m(254, 253, 2)).some((s) => s.problem)).toBe(true);
    expect(scenarios(m(200, 199, 2, true))[1]!.holder).toBe('a');
    expect(scenarios(m(200, 199, 0, true))[1]!.holder).toBe('b');
  });
  it('derived priorities always pass the math', () => {
    for (const w of [-253, -50, -2, 0, 2, 3, 50, 253]) {
      const d = derivePriorities(w)!;
      expect(
        scenarios(m(d.master, d.backup, w)).every((s) => !s.problem),
        `weight ${w}`,
      ).toBe(true);
    }
    expect(derivePriorities(1)).toBeNull();
  });
});

describe('haops plan', () => {
  it('prints the four combinations with effective priorities and the holder for the seed', async () => {
    const out: string[] = [];
    expect(
      await main(
        ['node', 'haops', 'plan', 'inventory/seed.yaml'],
        (s) => out.push(s),
        () => {},
      ),
    ).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/MASTER's check failed\s+200\s+201\s+proxy102/);
    expect(text).toMatch(/both healthy\s+202\s+201\s+proxy101/);
  });
  it('a configuration whose failed check would not move the VIP: the table shows it, the fix is named, exit 2', async () => {
    const { writeFileSync, mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const f = join(mkdtempSync(join(tmpdir(), 'haops-plan-')), 'bad.yaml');
    writeFileSync(
      f,
      readFileSync('inventory/seed.yaml', 'utf8').replace('proxy102: 199', 'proxy102: 198').replace('weight: 2', 'weight: 1'),
    );
    const out: string[] = [];
    expect(
      await main(
        ['node', 'haops', 'plan', f],
        (s) => out.push(s),
        () => {},
      ),
    ).toBe(2);
    const text = out.join('\n');
    expect(text).toMatch(/MASTER's check failed\s+200\s+199\s+proxy101\s+<- a failed check on proxy101 leaves the VIP on it/);
    expect(text).toMatch(/ERROR: fix: raise the check's weight to 3/);
  });

  it('an active-active pair shows both VIPs, each with its own MASTER', () => {
    const text = `hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
pairs:
  aa:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100, master: a1 }
      - { name: VI_2, virtual_router_id: 52, vip: 10.9.0.101, master: a2 }
    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }
`;
    const plan = planData(buildModel(parseInventory(text, 'aa.yaml', {})));
    expect(plan.map((p) => [p.vip, p.master, p.scenarios[0]!.holder, p.scenarios[1]!.holder])).toEqual([
      ['10.9.0.100', 'a1', 'a1', 'a2'],
      ['10.9.0.101', 'a2', 'a2', 'a1'],
    ]);
    expect(plan.every((p) => p.ok)).toBe(true);
  });
});

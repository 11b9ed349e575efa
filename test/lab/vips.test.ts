// Several VIPs per instance on the lab pair (issue 26): the first instance carries two addresses
// (vips:), deploy puts both on the MASTER, the failover drill moves them together to the BACKUP
// and back (it counts the move done when the last has arrived), and status is clean after.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haops, json, onLabNode } from './cli.js';
import { LAB, NET } from './net.js';
import { labSkipReason, useLab } from './shape.js';

const FILE = `${LAB}.vips-test.yaml`;
/** The lab's own VIP and a second address the lab inventory leaves free (src/lab/subnet.ts OFFSET). */
const VIPS = [`${NET}.100`, `${NET}.102`];

function writeVipsInventory(): { nodes: Record<string, string>; iface: string; master: string; backup: string } {
  const inv = parse(readFileSync(LAB, 'utf8'));
  const pair = inv.pairs.lab;
  const inst = pair.instances[0];
  delete inst.vip;
  inst.vips = VIPS.map((v) => `${v}/24`);
  writeFileSync(FILE, stringify(inv));
  return {
    nodes: Object.fromEntries(Object.entries(inv.hosts).map(([n, h]) => [n, (h as { address: string }).address])),
    iface: pair.interface,
    master: inst.master,
    backup: pair.nodes.find((n: string) => n !== inst.master),
  };
}

describe.skipIf(labSkipReason({ nodes: 2 }))('several VIPs per instance on the lab pair', () => {
  useLab({ nodes: 2 });
  let lab: ReturnType<typeof writeVipsInventory>;
  /** The VIPs of the instance that sit on a node's LAN interface now. */
  const held = async (node: string) => {
    const out = await onLabNode(lab.nodes[node]!, `ip -4 -o addr show dev ${lab.iface}`);
    return VIPS.filter((v) => out.includes(` ${v}/`));
  };

  beforeAll(async () => {
    lab = writeVipsInventory();
    const r = await haops(['deploy', FILE, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
  }, 300_000);
  afterAll(async () => {
    // The lab's own inventory back for the files after this one (one VIP per instance).
    await haops(['deploy', LAB]);
    rmSync(FILE, { force: true });
  }, 300_000);

  it('deploy puts both addresses on the MASTER and none on the BACKUP; status names both, clean', async () => {
    expect(await held(lab.master)).toEqual(VIPS);
    expect(await held(lab.backup)).toEqual([]);
    const r = await haops(['status', FILE, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const inst = json(r).pairs[0].instances[0];
    expect(inst).toMatchObject({
      verdict: 'ok',
      holders: [lab.master],
      vips: VIPS.map((vip) => ({ vip, holders: [lab.master] })),
    });
  });

  it('the failover drill moves both together to the BACKUP and back; status is clean after', async () => {
    const drill = await haops(['failover-drill', FILE, '--fault', 'keepalived-stop', '--json']);
    const d = json(drill);
    expect(d.ok, JSON.stringify(d.problems)).toBe(true);
    expect(d.vip).toBe(VIPS.join(', '));
    const v = d.rounds[0].vips[0];
    expect(v).toMatchObject({ vips: VIPS, from: lab.master, to: lab.backup });
    expect(v.failoverSeconds).not.toBeNull();
    expect(v.failbackSeconds).not.toBeNull();
    // Every add and del of both addresses in the trace: each left the MASTER, reached the BACKUP and came back.
    const seen = (vip: string, node: string, kind: string) =>
      d.rounds[0].trace.vipEvents.some((e: any) => e.vip === vip && e.node === node && e.kind === kind);
    for (const vip of VIPS) {
      expect(seen(vip, lab.backup, 'add'), `${vip} on ${lab.backup}`).toBe(true);
      expect(seen(vip, lab.master, 'add'), `${vip} back on ${lab.master}`).toBe(true);
    }
    const arrivals = VIPS.map((vip) =>
      Math.max(
        ...d.rounds[0].trace.vipEvents.filter((e: any) => e.vip === vip && e.node === lab.backup && e.kind === 'add').map((e: any) => e.at),
      ),
    );
    expect(await held(lab.master)).toEqual(VIPS);
    expect(await held(lab.backup)).toEqual([]);
    const st = await haops(['status', FILE]);
    expect(st.code, st.stdout + st.stderr).toBe(0);
    expect(st.stdout).toContain(`VIPs ${VIPS.join(', ')} on ${lab.master}`);
    console.log(
      `vips lab: drill keepalived-stop: both VIPs on ${lab.backup} after ${v.failoverSeconds} s (the two arrived ${Math.abs(arrivals[0]! - arrivals[1]!)} ms apart), HTTP back ${v.httpRecoverySeconds} s, ${v.failedRequests} failed requests, failback ${v.failbackSeconds} s`,
    );
  }, 180_000);
});

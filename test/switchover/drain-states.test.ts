// The drain state machine (src/switchover/drain.ts) against simulated hosts that answer each
// protocol asset as a node would: which state an undrain leaves when it fails or succeeds, and
// what each state's undo runs. (A drain starts from the pair's status, which asks the VIPs over
// HTTP: the lab tests cover it.)
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import type { Host } from '../../src/ssh/host.js';
import type { NodeScript } from '../../src/protocol/script.js';
import { ADDRESSES, BRIDGE_BACK, DRAIN_FACTS, UNDRAIN } from '../../src/protocol/drain.js';
import { CONNECTIONS, UNBRIDGE } from '../../src/protocol/bridge.js';
import { HANDOFF, UNHANDOFF } from '../../src/protocol/handoff.js';
import { PairNodes, SwitchoverRefused } from '../../src/switchover/pair.js';
import { Drains } from '../../src/switchover/drain.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const ASSETS: Record<string, NodeScript> = { ADDRESSES, BRIDGE_BACK, DRAIN_FACTS, UNDRAIN, CONNECTIONS, UNBRIDGE, HANDOFF, UNHANDOFF };

/** A simulated node: answers each asset by name (`answers`), records which assets it ran. */
function simNode(name: string, answers: Record<string, string>, ran: string[]): Host {
  return {
    name,
    roundTrips: 0,
    async exec(command) {
      const asset = Object.entries(ASSETS).find(([, s]) => command.endsWith(s.text))?.[0] ?? 'other';
      ran.push(`${name} ${asset}`);
      return { command, code: 0, stdout: answers[asset] ?? '', stderr: '', durationMs: 1 };
    },
    stream: () => Promise.reject(new Error('not simulated')),
    close: async () => {},
  };
}

const drainedFacts = 'version Keepalived v2.2.7\nhook track_file haops_drain \ndrained yes\nhandoff yes\npeerhttp a2\n';

function pairOf(a1: Record<string, string>, a2: Record<string, string>) {
  const model = buildModel(parseInventory(webPairYaml(), 'web.yaml', {}));
  const ran: string[] = [];
  const hosts = { a1: simNode('a1', a1, ran), a2: simNode('a2', a2, ran) };
  const log: string[] = [];
  const drains = new Drains(new PairNodes(model.pairs[0]!, model, hosts, { log: (s) => log.push(s), bridgeHoldMs: 200 }));
  return { drains, ran, log };
}

describe('the drain state machine on simulated nodes', () => {
  it('an undrain whose flag will not go leaves a handoff running (handing off); its undo ends it', async () => {
    const { drains, ran } = pairOf({ DRAIN_FACTS: drainedFacts, HANDOFF: '@@haops-handoff@@\n' }, {});
    await expect(drains.undrain('a1')).rejects.toThrow(SwitchoverRefused);
    expect(drains.state).toBe('handing off');
    expect(ran).toEqual(['a1 DRAIN_FACTS', 'a2 BRIDGE_BACK', 'a1 HANDOFF', 'a1 UNDRAIN', 'a1 UNDRAIN', 'a1 UNDRAIN']);
    ran.length = 0;
    await drains.undo();
    expect(ran).toEqual(['a1 UNHANDOFF']);
    expect(drains.state).toBe('in service');
  });

  it('an undrain that works ends in service: the VIP back, the peer held its connections, then its bridge and the handoff go', async () => {
    const { drains, ran } = pairOf(
      {
        DRAIN_FACTS: drainedFacts,
        HANDOFF: '@@haops-handoff@@\n',
        UNDRAIN: '@@haops-undrained@@\n',
        ADDRESSES: 'addr 10.9.0.100/24\n',
        UNHANDOFF: 'handed 5\n',
      },
      { CONNECTIONS: 'conns 0\n' },
    );
    const r = await drains.undrain('a1');
    expect(r).toMatchObject({
      node: 'a1',
      wasDrained: true,
      handoff: { on: true, node: 'a1', packets: 5 },
      hold: { node: 'a2', emptied: true },
    });
    expect(r.returned).toMatchObject([{ instance: 'VI_1', vip: '10.9.0.100', to: 'a1' }]);
    expect(ran).toEqual([
      'a1 DRAIN_FACTS',
      'a2 BRIDGE_BACK',
      'a1 HANDOFF',
      'a1 UNDRAIN',
      'a1 ADDRESSES',
      'a2 CONNECTIONS',
      'a2 UNBRIDGE',
      'a1 UNHANDOFF',
    ]);
    expect(drains.state).toBe('in service');
    ran.length = 0;
    await drains.undo();
    expect(ran).toEqual([]);
  });

  it('a node that cannot hand off (no nft) is undrained without one, and says why', async () => {
    const { drains, ran } = pairOf(
      {
        DRAIN_FACTS: drainedFacts.replace('handoff yes', 'handoff no-nft'),
        UNDRAIN: '@@haops-undrained@@\n',
        ADDRESSES: 'addr 10.9.0.100/24\n',
      },
      { CONNECTIONS: 'conns 0\n' },
    );
    const r = await drains.undrain('a1');
    expect(r.handoff).toMatchObject({ on: false, node: 'a1', why: expect.stringMatching(/a1 has no nft: install nftables/) });
    expect(ran).not.toContain('a1 HANDOFF');
    expect(drains.state).toBe('in service');
  });
});

// The reads of a measured move, run by sh on a fake node (test/protocol/fake-node.ts): the node's
// clock, the interface's MAC, and the notify log's tail.
import { afterEach, describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { NODE_CLOCK, NODE_MAC, NOTIFY_LOG_TAIL, parseMac, parseNodeClock } from '../../src/protocol/watch.js';
import { fakeNode, type FakeNode } from './fake-node.js';

let node: FakeNode;
afterEach(() => node?.remove());

describe('what a measured move reads on a node', () => {
  it("the node's clock, in ms, to the nanosecond it printed", () => {
    node = fakeNode();
    const now = parseNodeClock(node.run(bind(NODE_CLOCK, {})));
    expect(Math.abs(now! - Date.now())).toBeLessThan(5000);
    expect(parseNodeClock('1764070000123456789\n')).toBeCloseTo(1764070000123.4568, 3);
    expect(parseNodeClock('date: invalid\n')).toBeNull();
  });

  it("the interface's MAC from ip's one-line form", () => {
    node = fakeNode({
      ip: "echo '2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff'",
    });
    expect(parseMac(node.run(bind(NODE_MAC, { IFACE: 'eth0' })))).toBe('0a:1b:2c:3d:4e:5f');
    expect(node.log()).toEqual(['ip -o link show dev eth0']);
    expect(parseMac('Device "eth9" does not exist.\n')).toBeNull();
  });

  it('the last 400 lines of the notify log, nothing when there is none', () => {
    node = fakeNode();
    node.write('/run/notify.log', Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const out = node
      .run(bind(NOTIFY_LOG_TAIL, { LOG: '/run/notify.log' }))
      .trim()
      .split('\n');
    expect(out).toHaveLength(400);
    expect(out[0]).toBe('line 100');
    expect(node.run(bind(NOTIFY_LOG_TAIL, { LOG: '/run/none.log' }))).toBe('');
  });
});

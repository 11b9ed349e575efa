// The drill's faults and restores run by sh on a fake node (test/protocol/fake-node.ts), with
// systemctl, service, pkill and ip stubbed: what each asks of the node, in which order.
import { afterEach, describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { DRILL_FAULT, DRILL_RESTORE, FAULTS, T0_MARK, faultStamp } from '../../src/protocol/drill-fault.js';
import { fakeNode, sleep, type FakeNode } from './fake-node.js';

let node: FakeNode;
afterEach(() => node?.remove());

const stubs = { date: `echo '${T0_MARK}1764070000123456789'`, systemctl: '', service: '', pkill: '', pidof: 'exit 1' };
const systemd = (n: FakeNode) => n.run('mkdir -p /run/systemd/system');

describe('drill faults on a node', () => {
  it.each([
    ['nginx-stop', ['systemctl reset-failed nginx', 'systemctl stop nginx'], ['systemctl reset-failed nginx', 'systemctl start nginx']],
    ['nginx-kill', ['pkill -9 -x nginx'], ['systemctl reset-failed nginx', 'systemctl start nginx']],
    [
      'keepalived-stop',
      ['systemctl reset-failed keepalived', 'systemctl stop keepalived'],
      ['systemctl reset-failed keepalived', 'systemctl start keepalived'],
    ],
  ] as const)('%s on systemd prints the node clock first, then breaks; its restore starts the service again', (fault, breaks, restores) => {
    node = fakeNode(stubs);
    systemd(node);
    const out = node.run(bind(DRILL_FAULT, { FAULT: fault, IFACE: 'eth0', ISOLATE_SECONDS: 8 }));
    expect(faultStamp(out)).toBeCloseTo(1764070000123.4568, 3);
    expect(node.log()).toEqual([expect.stringMatching(/^date /), ...breaks]);
    node.run(`rm -f ${node.dir}/log`);
    node.run(bind(DRILL_RESTORE, { FAULT: fault, IFACE: 'eth0' }));
    expect(node.log()).toEqual(restores);
  });

  it('on SysV init the service command stops it, and the stop waits until no process is left', () => {
    node = fakeNode(stubs);
    node.run(bind(DRILL_FAULT, { FAULT: 'keepalived-stop', IFACE: 'eth0', ISOLATE_SECONDS: 8 }));
    expect(node.log().slice(1)).toEqual(['service keepalived stop', 'pidof keepalived']);
    node.run(`rm -f ${node.dir}/log`);
    node.run(bind(DRILL_RESTORE, { FAULT: 'nginx-kill', IFACE: 'eth0' }));
    expect(node.log()).toEqual(['service nginx start']);
  });

  it('isolation arms its own undo on the node before cutting the link', async () => {
    node = fakeNode(stubs);
    node.run(bind(DRILL_FAULT, { FAULT: 'node-isolate', IFACE: 'eth0', ISOLATE_SECONDS: 0.5 }));
    expect(node.log()).toEqual(['ip link set eth0 down']);
    await sleep(900);
    expect(node.log()).toEqual(['ip link set eth0 down', 'ip link set eth0 up']);
    node.run(`rm -f ${node.dir}/log`);
    node.run(bind(DRILL_RESTORE, { FAULT: 'node-isolate', IFACE: 'eth0' }));
    expect(node.log()).toEqual(['ip link set eth0 up']);
  });

  it('every fault kind is one the scripts know; a stamp that is not there is none', () => {
    node = fakeNode(stubs);
    for (const fault of FAULTS) expect(node.run(bind(DRILL_RESTORE, { FAULT: fault, IFACE: 'eth0' }))).not.toMatch(/unknown fault/);
    expect(faultStamp('no stamp')).toBeNull();
  });
});

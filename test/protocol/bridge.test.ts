// The bridge's arp_ignore bookkeeping under races, the pair's drain lock, and the connection count
// a hold waits for: run by sh on a fake node (test/protocol/fake-node.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { BRIDGE, CONNECTIONS, UNBRIDGE, parseConnections } from '../../src/protocol/bridge.js';
import { LOCK, LOCK_PAIR, UNLOCK_PAIR, parseLocked } from '../../src/protocol/drain-lock.js';
import { fakeNode, type FakeNode } from './fake-node.js';

let node: FakeNode;
afterEach(() => node?.remove());

describe('bridges and arp_ignore', () => {
  it('an alias shares its device: the bridge raises the arp_ignore of eth0 for eth0:1', () => {
    node = fakeNode();
    node.run(bind(BRIDGE, { VIPS: ['10.0.0.100'], IFACE: 'eth0:1', TOKEN: 'tok', BRIDGE_SECONDS: 30 }));
    expect(node.read('/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('1\n');
    node.run(bind(UNBRIDGE, { VIPS: ['10.0.0.100'], IFACE: 'eth0:1' }));
    expect(node.read('/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('0\n');
  });

  it("a bridge's timer restoring arp_ignore while a new bridge raises it never leaves it raised with nothing saved (200 interleavings)", () => {
    node = fakeNode();
    const unbackground = (s: string) => s.replace(/^\s*nohup .*$/gm, ':');
    const up = unbackground(bind(BRIDGE, { VIPS: ['10.0.0.100'], IFACE: 'eth0', TOKEN: 'new', BRIDGE_SECONDS: 30 }));
    const down = bind(UNBRIDGE, { VIPS: ['10.0.0.100'], IFACE: 'eth0' });
    // An older bridge's timer: its mark is gone already; it only restores.
    const timer = bind(UNBRIDGE, { VIPS: [], IFACE: 'eth0' });
    for (let i = 0; i < 200; i++) {
      node.write('/proc/sys/net/ipv4/conf/eth0/arp_ignore', '0\n');
      node.run(`(${timer}) & (${up}) & wait; ${down}`);
      expect(node.read('/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('0\n');
      expect(node.read('/run/haops-arp-ignore-eth0')).toBeNull();
    }
  });
});

describe('the pair drain lock', () => {
  it('one holder at a time; only the holder releases it; a lock left by a vanished haops is taken over', () => {
    node = fakeNode();
    const lock = (token: string, stale = 20) => parseLocked(node.run(bind(LOCK_PAIR, { TOKEN: token, STALE_SECONDS: stale })));
    const unlock = (token: string) => node.run(bind(UNLOCK_PAIR, { TOKEN: token }));
    expect(lock('first')).toBe(true);
    expect(node.run(bind(LOCK_PAIR, { TOKEN: 'second', STALE_SECONDS: 20 }))).toMatch(/^held \d+/);
    unlock('second');
    expect(lock('second')).toBe(false);
    unlock('first');
    expect(lock('second')).toBe(true);
    // Its haops vanished 5 minutes ago: the next run takes the lock over.
    node.write(`${LOCK}/owner`, `second ${Math.floor(Date.now() / 1000) - 300}\n`);
    expect(lock('third', 60)).toBe(true);
    expect(node.read(`${LOCK}/owner`)).toMatch(/^third /);
  });
});

describe('connections a hold waits for', () => {
  it('counts established connections to the VIPs at the port, IPv6 ones as ss prints them ([addr]:port)', () => {
    const ss = [
      '0 0 198.18.8.100:80 198.18.8.1:40000',
      '0 0 [2001:2:0:8::100]:80 [2001:2:0:8::1]:40001',
      '0 0 198.18.8.11:80 198.18.8.1:40002',
      '0 0 198.18.8.100:8080 198.18.8.1:40003',
    ];
    node = fakeNode({ ss: `printf '%s\\n' ${ss.map((l) => `'${l}'`).join(' ')}` });
    const out = node.run(bind(CONNECTIONS, { VIPS: ['198.18.8.100', '2001:2:0:8::100'], PORT: 80 }));
    expect(parseConnections(out)).toBe(2);
    expect(node.log()).toContain('ss -Htn state established ( sport = :80 )');
    expect(parseConnections('nothing\n')).toBeNull();
  });
});

// The drain scripts run by sh on a fake node (test/protocol/fake-node.ts: the node's paths in a
// scratch directory, ip and nft stubbed): what they leave on the node, and what their parsers read.
import { afterEach, describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import {
  ADDRESSES,
  DRAIN,
  DRAIN_FACTS,
  DRAINED_MARK,
  KEEP,
  KEPT_MARK,
  LEASE,
  UNDRAIN,
  UNDRAINED_MARK,
  parseAddresses,
  parseDrainFacts,
} from '../../src/protocol/drain.js';
import { DRAIN_FLAG, DRAINED, parseDrained } from '../../src/protocol/drain-flag.js';
import { CLOSING_FLAG } from '../../src/protocol/bridge.js';
import { fakeNode, sleep, type FakeNode } from './fake-node.js';

let node: FakeNode;
afterEach(() => node?.remove());

const drain = (over: Partial<Parameters<typeof bind<typeof DRAIN.example>>[1]> = {}) =>
  bind(DRAIN, {
    VIPS: ['10.0.0.100', '10.0.0.104'],
    IFACE: 'eth0',
    TOKEN: 'tok',
    BRIDGE_SECONDS: 30,
    LEASE_TOKEN: '',
    LEASE_SECONDS: 0,
    ...over,
  });

describe('what the nodes say (drain facts)', () => {
  it('reads the version, the hook actually deployed (not the one the version allows), the flag and the peer', () => {
    const f = parseDrainFacts(
      'version Keepalived v2.2.7 (01/16,2022)\nhook vrrp_script haops_drain \ndrained yes\naddr 127.0.0.1/8\naddr 10.0.0.11/24\nhandoff yes\npeerhttp node2\n',
    );
    expect(f).toEqual({
      keepalivedVersion: '2.2.7',
      hook: 'vrrp_script',
      drained: true,
      leased: false,
      addresses: ['127.0.0.1', '10.0.0.11'],
      peerHttp: 'node2',
      handoff: 'yes',
    });
  });

  it('a node without nft, or whose nft lacks the socket match, says why it cannot hand off', () => {
    expect(parseDrainFacts('handoff no-socket\n').handoff).toBe('no-socket');
    expect(parseDrainFacts('handoff no-nft\n').handoff).toBe('no-nft');
    expect(parseDrainFacts('').handoff).toBe('no-nft');
  });

  it('no hook, no flag, a peer that does not answer; an answer that is not a node name is no answer', () => {
    const f = parseDrainFacts('version Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2\npeerhttp \n');
    expect(f).toMatchObject({ keepalivedVersion: '1.3.5', hook: null, drained: false, peerHttp: null });
    expect(parseDrainFacts('peerhttp <html>\n').peerHttp).toBeNull();
  });

  it('run on a node: the hook of its keepalived.conf, its flag and lease, who answers through the peer', () => {
    node = fakeNode({ keepalived: 'echo "Keepalived v2.2.7 (01/16,2022)"', curl: 'echo node2' });
    node.write('/var/lib/haops/keepalived.conf', 'global_defs {\n}\ntrack_file haops_drain {\n    file "x"\n}\n');
    node.write(DRAIN_FLAG, '1\n');
    node.write(LEASE, 'tok\n');
    const out = node.run(
      bind(DRAIN_FACTS, { KEEPALIVED_CONF: '/var/lib/haops/keepalived.conf', PEER_URL: 'http://10.0.0.12:80/haops-health' }),
    );
    expect(parseDrainFacts(out)).toMatchObject({
      keepalivedVersion: '2.2.7',
      hook: 'track_file',
      drained: true,
      leased: true,
      peerHttp: 'node2',
    });
    expect(node.log()).toContain('curl -s -m 2 http://10.0.0.12:80/haops-health');
  });
});

describe('drain, keep and undrain on a node', () => {
  it('drain answers on lo for every held VIP (either family) before the flag goes up, and tells kept-alive clients to close', () => {
    node = fakeNode({
      ip: '[ "$2" = add ] && [ -e "$HAOPS_FAKE/lib/drain" ] && echo "flag up before the bridge" >> "$HAOPS_FAKE/log"; true',
    });
    const out = node.run(drain({ VIPS: ['10.0.0.100', '2001:db8::100'] }));
    expect(out).toContain(DRAINED_MARK);
    expect(node.read(DRAIN_FLAG)).toBe('1\n');
    expect(node.read(CLOSING_FLAG)).toBe('');
    expect(node.read(LEASE)).toBeNull();
    expect(node.log()).toEqual(expect.arrayContaining(['ip addr add 10.0.0.100/32 dev lo', 'ip addr add 2001:db8::100/128 dev lo']));
    expect(node.log()).not.toContain('flag up before the bridge');
    expect(node.read('/run/haops-bridge-10.0.0.100')).toBe('tok\n');
    // The interface answers ARP only for its own addresses while a bridge is up; what it was is kept.
    expect(node.read('/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('1\n');
    expect(node.read('/run/haops-arp-ignore-eth0')).toBe('0\n');
    // A handoff left on the node goes first.
    expect(node.log()[0]).toMatch(/^nft list chain ip haops_handoff hand/);
  });

  it('the drained node takes nothing on lo when nobody takes the VIPs (--force with the peer drained)', () => {
    node = fakeNode();
    expect(node.run(drain({ VIPS: [] }))).toContain(DRAINED_MARK);
    expect(node.log().filter((l) => l.startsWith('ip '))).toEqual([]);
    expect(node.read(CLOSING_FLAG)).toBeNull();
  });

  it("a switchover's drain carries a lease the node lifts by itself; the bridge removes itself and puts arp_ignore back", async () => {
    node = fakeNode();
    node.run(drain({ LEASE_TOKEN: 'tok', LEASE_SECONDS: 1, BRIDGE_SECONDS: 1 }));
    expect(node.read(LEASE)).toBe('tok\n');
    await sleep(1800);
    expect(node.read(DRAIN_FLAG)).toBeNull();
    expect(node.read(LEASE)).toBeNull();
    expect(node.read(CLOSING_FLAG)).toBeNull();
    expect(node.log()).toEqual(expect.arrayContaining(['ip addr del 10.0.0.100/32 dev lo', 'ip addr del 10.0.0.104/32 dev lo']));
    expect(node.read('/run/haops-bridge-10.0.0.100')).toBeNull();
    expect(node.read('/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('0\n');
  });

  it("a lease taken over by a deliberate drain is not lifted; a bridge's timer removes only its own bridge", async () => {
    node = fakeNode();
    node.run(drain({ LEASE_TOKEN: 'old', LEASE_SECONDS: 1, TOKEN: 'old', BRIDGE_SECONDS: 1 }));
    node.run(drain({ TOKEN: 'new', BRIDGE_SECONDS: 30 }));
    await sleep(1800);
    expect(node.read(DRAIN_FLAG)).toBe('1\n');
    expect(node.read('/run/haops-bridge-10.0.0.100')).toBe('new\n');
    expect(node.log().filter((l) => l.startsWith('ip addr del'))).toEqual([]);
  });

  it('a plain drain confirmed: the lease goes, only while the flag is still up', () => {
    node = fakeNode();
    expect(node.run(bind(KEEP, {}))).not.toContain(KEPT_MARK);
    node.run(drain({ LEASE_TOKEN: 'tok', LEASE_SECONDS: 30 }));
    expect(node.run(bind(KEEP, {}))).toContain(KEPT_MARK);
    expect(node.read(LEASE)).toBeNull();
    expect(parseDrained(node.run(bind(DRAINED, {})))).toBe(true);
  });

  it('undrain removes the bridges, the closing flag and the flag', () => {
    node = fakeNode();
    node.run(drain());
    expect(node.run(bind(UNDRAIN, { VIPS: ['10.0.0.100', '10.0.0.104'], IFACE: 'eth0' }))).toContain(UNDRAINED_MARK);
    expect(node.log()).toEqual(expect.arrayContaining(['ip addr del 10.0.0.100/32 dev lo', 'ip addr del 10.0.0.104/32 dev lo']));
    for (const p of [DRAIN_FLAG, LEASE, CLOSING_FLAG, '/run/haops-bridge-10.0.0.100', '/run/haops-arp-ignore-eth0'])
      expect(node.read(p)).toBeNull();
    expect(node.read('/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('0\n');
    expect(parseDrained(node.run(bind(DRAINED, {})))).toBe(false);
  });

  it("reads the addresses on the pair's interface, IPv6 ones only once usable", () => {
    node = fakeNode({
      ip: `case "$*" in *-4*) echo '2: eth0    inet 198.18.8.11/24 brd 198.18.8.255 scope global eth0';; *-6*) printf '%s\\n' '2: eth0    inet6 2001:2:0:8::100/64 scope global' '2: eth0    inet6 2001:2:0:8::101/64 scope global tentative';; esac`,
    });
    const out = node.run(bind(ADDRESSES, { IFACE: 'eth0' }));
    expect(parseAddresses(out)).toEqual(['198.18.8.11', '2001:2:0:8::100']);
  });
});

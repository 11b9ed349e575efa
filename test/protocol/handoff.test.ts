// The handoff's nftables rules, loaded into a real kernel: nft in a network namespace of its own
// (unshare -rn: no root needed, nothing on this machine touched), IPv4 in `table ip` and its twin
// in `table ip6`. What they do to traffic is proven on the lab (test/lab/switchover.test.ts: a
// request on a connection opened on the old holder, sent after the VIP moved, is answered by the
// old holder; test/lab/ipv6.test.ts for IPv6).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { HANDOFF, HANDOFF_MARK, HANDOFF_PROBE, UNHANDOFF, parseHandedOn, parseHandoffAbility } from '../../src/protocol/handoff.js';

/** Runs a shell script as root of a fresh user and network namespace with an eth0 in it; /run is
 * this test's, and the self-removal timer is not armed. */
function inNetns(script: string): string {
  const local = script.replaceAll('/run/', '/tmp/haops-test-').replace(/^nohup .*$/m, '');
  return execFileSync('unshare', ['-rn', 'sh', '-c', `ip link add eth0 type veth peer name eth9 && ip link set eth0 up && ${local}`], {
    encoding: 'utf8',
  });
}

const handoff = (over: Partial<Record<keyof typeof HANDOFF.example, string | string[]>> = {}) =>
  bind(HANDOFF, {
    VIPS: ['198.18.0.100', '198.18.0.104'],
    OLD_HOLDER: '198.18.0.11',
    VIPS6: [],
    OLD_HOLDER6: '',
    IFACE: 'eth0:1',
    TOKEN: 'tok',
    LIFE_SECONDS: 30,
    ...over,
  } as never);

describe('handoff rules in a kernel (nft in a throwaway network namespace)', () => {
  it("the drain facts' probe says this kernel can hand off (its nft loads a socket match in check mode)", () => {
    expect(parseHandoffAbility(inNetns(HANDOFF_PROBE))).toBe('yes');
  });

  it('load, and the kernel reads back the dup to the old holder on the device of the interface', () => {
    const listed = inNetns(`${handoff()}\nnft list table ip haops_handoff`);
    expect(listed).toContain(HANDOFF_MARK);
    expect(listed).toMatch(/ip daddr != \{ 198\.18\.0\.100, 198\.18\.0\.104 \} accept/);
    // A SYN marks its client port as this node's; a packet meeting a socket that is not
    // established (request or TIME_WAIT) stays here only when so marked.
    expect(listed).toMatch(/tcp flags syn \/ syn,ack update @mine \{ ip saddr \. tcp sport \} accept/);
    expect(listed).toMatch(/socket wildcard 0 accept\n\s*socket wildcard 1 goto hand\n\s*ip saddr \. tcp sport @mine accept\n\s*goto hand/);
    expect(listed).toMatch(/flags dynamic,timeout\n\s*timeout 10s/);
    expect(listed).toMatch(/counter packets 0 bytes 0 dup to 198\.18\.0\.11 device "eth0" drop/);
    expect(inNetns(`${handoff()}\nnft list tables`)).not.toContain('table ip6');
  });

  it('the end of a handoff reads its counter, then removes the table', () => {
    const out = inNetns(`${handoff()}\n${bind(UNHANDOFF, {})}\nnft list tables`);
    expect(parseHandedOn(out)).toBe(0);
    expect(out).not.toContain('haops_handoff');
  });

  it('a second handoff replaces the first (one table per node, whatever was left)', () => {
    const out = inNetns(`${handoff()}\n${handoff({ VIPS: ['198.18.0.100'], OLD_HOLDER: '198.18.0.12' })}\nnft list table ip haops_handoff`);
    expect(out).toContain('dup to 198.18.0.12');
    expect(out).not.toContain('198.18.0.104');
  });

  it('IPv6 VIPs go in table ip6, beside the IPv4 one; one unhandoff ends both', () => {
    const both = handoff({ VIPS: ['198.18.0.100'], VIPS6: ['2001:2:0:8::100'], OLD_HOLDER6: '2001:2:0:8::11' });
    const out = inNetns(`${both}\nnft list table ip6 haops_handoff\n${bind(UNHANDOFF, {})}\necho after; nft list tables`);
    const [before, after] = out.split('after');
    expect(before).toMatch(/ip6 daddr != 2001:2:0:8::100 accept|ip6 daddr != \{ 2001:2:0:8::100 \} accept/);
    expect(before).toMatch(/update @mine \{ ip6 saddr \. tcp sport \} accept/);
    expect(before).toMatch(/ip6 saddr \. tcp sport @mine accept/);
    expect(before).toMatch(/dup to 2001:2:0:8::11 device "eth0" drop/);
    expect(parseHandedOn(out)).toBe(0);
    expect(after).not.toContain('haops_handoff');
  });

  it('an IPv6-only handoff loads table ip6 alone', () => {
    const out = inNetns(
      `${handoff({ VIPS: [], OLD_HOLDER: '', VIPS6: ['2001:2:0:8::100'], OLD_HOLDER6: '2001:2:0:8::11' })}\nnft list tables`,
    );
    expect(out).toContain(HANDOFF_MARK);
    expect(out).toContain('table ip6 haops_handoff');
    expect(out).not.toContain('table ip haops_handoff');
  });

  it('an IPv6 VIP is put on lo before it moves, ready (not tentative); the end removes that copy and leaves one it did not put there', () => {
    const v6 = handoff({ VIPS: [], OLD_HOLDER: '', VIPS6: ['2001:2:0:8::100', '2001:2:0:8::102'], OLD_HOLDER6: '2001:2:0:8::11' });
    const out = inNetns(
      [
        'ip link set lo up',
        // A bridge's copy already there (this node gave the VIP up a moment ago): not the handoff's.
        'ip addr add 2001:2:0:8::102/128 dev lo',
        v6,
        'echo during; ip -6 addr show dev lo',
        bind(UNHANDOFF, {}),
        'echo after; ip -6 addr show dev lo',
      ].join('\n'),
    );
    const [, during, after] = out.split(/^(?:during|after)$/m);
    expect(during).toMatch(/inet6 2001:2:0:8::100\/128 scope global \n/);
    expect(during).not.toContain('tentative');
    expect(after).not.toContain('2001:2:0:8::100');
    expect(after).toContain('2001:2:0:8::102/128');
  });

  it('the handed packets of both tables add up', () => {
    expect(parseHandedOn('handed 3\nhanded 4\n')).toBe(7);
    expect(parseHandedOn('nothing\n')).toBeNull();
  });
});

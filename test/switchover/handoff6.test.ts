// The IPv6 handoff's nftables rules loaded into a real kernel (unshare -rn, as handoff.test.ts):
// the IPv4 chain's twin in `table ip6` of the same name, beside the IPv4 table, both ended by one unhandoff.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { handoffRules, handoffRules6, handoffScript, parseHanded, unhandoffScript } from '../../src/switchover/node.js';

function inNetns(script: string): string {
  return execFileSync('unshare', ['-rn', 'sh', '-c', `ip link add eth0 type veth peer name eth9 && ip link set eth0 up && ${script}`], {
    encoding: 'utf8',
  });
}

describe('IPv6 handoff rules in a kernel (nft in a throwaway network namespace)', () => {
  it('load, and the kernel reads back ip6 matches and the dup to the old holder’s IPv6 address', () => {
    const listed = inNetns(
      `nft -f - <<'EOF'\n${handoffRules6(['2001:2:0:8::100'], '2001:2:0:8::11', 'eth0')}\nEOF\nnft list table ip6 haops_handoff`,
    );
    expect(listed).toMatch(/ip6 daddr != 2001:2:0:8::100 accept|ip6 daddr != \{ 2001:2:0:8::100 \} accept/);
    expect(listed).toMatch(/update @mine \{ ip6 saddr \. tcp sport \} accept/);
    expect(listed).toMatch(/ip6 saddr \. tcp sport @mine accept/);
    expect(listed).toMatch(/dup to 2001:2:0:8::11 device "eth0" drop/);
  });

  it('one handoff script loads both families, an IPv4-only one is as before, and one unhandoff ends both', () => {
    const script = handoffScript(['198.18.0.100'], '198.18.0.11', 'eth0', 'tok', 30, {
      vips: ['2001:2:0:8::100'],
      oldHolder: '2001:2:0:8::11',
    })
      .replaceAll('/run/', '/tmp/haops-test-')
      .replace(/^nohup .*$/m, '');
    const out = inNetns(
      `${script}\nnft list tables\n${unhandoffScript().replaceAll('/run/', '/tmp/haops-test-')}echo after; nft list tables`,
    );
    expect(out).toContain('@@haops-handoff@@');
    const [before, after] = out.split('after');
    expect(before).toContain('table ip haops_handoff');
    expect(before).toContain('table ip6 haops_handoff');
    expect(parseHanded(out)).toBe(0);
    expect(after).not.toContain('haops_handoff');
    expect(handoffScript(['198.18.0.100'], '198.18.0.11', 'eth0', 'tok', 30)).toContain(
      handoffRules(['198.18.0.100'], '198.18.0.11', 'eth0'),
    );
    expect(handoffScript(['198.18.0.100'], '198.18.0.11', 'eth0', 'tok', 30)).not.toContain('ip6');
  });

  it('the handed packets of both tables add up', () => {
    expect(parseHanded('handed 3\nhanded 4\n')).toBe(7);
    expect(parseHanded('nothing\n')).toBeNull();
  });
});

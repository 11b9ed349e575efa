// The handoff's nftables rules, loaded into a real kernel: nft in a network namespace of its own
// (unshare -rn: no root needed, nothing on this machine touched). What they do to traffic is
// proven on the lab (test/lab/switchover.test.ts: a request on a connection opened on the old
// holder, sent after the VIP moved, is answered by the old holder).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HANDOFF_PROBE, handoffRules, handoffScript, parseFacts, parseHanded, unhandoffScript } from '../../src/switchover/node.js';

/** Runs a shell script as root of a fresh user and network namespace with an eth0 in it. */
function inNetns(script: string): string {
  return execFileSync('unshare', ['-rn', 'sh', '-c', `ip link add eth0 type veth peer name eth9 && ip link set eth0 up && ${script}`], {
    encoding: 'utf8',
  });
}

describe('handoff rules in a kernel (nft in a throwaway network namespace)', () => {
  const rules = handoffRules(['198.18.0.100', '198.18.0.104'], '198.18.0.11', 'eth0:1');

  it("the facts script's probe says this kernel can hand off (its nft loads a socket match in check mode)", () => {
    expect(parseFacts(inNetns(HANDOFF_PROBE)).handoff).toBe('yes');
  });

  it('load, and the kernel reads back the dup to the old holder on the device of the interface', () => {
    const listed = inNetns(`nft -f - <<'EOF'\n${rules}\nEOF\nnft list table ip haops_handoff`);
    expect(listed).toMatch(/ip daddr != \{ 198\.18\.0\.100, 198\.18\.0\.104 \} accept/);
    // A SYN marks its client port as this node's; a packet meeting a socket that is not
    // established (request or TIME_WAIT) stays here only when so marked.
    expect(listed).toMatch(/tcp flags syn \/ syn,ack update @mine \{ ip saddr \. tcp sport \} accept/);
    expect(listed).toMatch(/socket wildcard 0 accept\n\s*socket wildcard 1 goto hand\n\s*ip saddr \. tcp sport @mine accept\n\s*goto hand/);
    expect(listed).toMatch(/flags dynamic,timeout\n\s*timeout 10s/);
    expect(listed).toMatch(/counter packets 0 bytes 0 dup to 198\.18\.0\.11 device "eth0" drop/);
  });

  it('the end of a handoff reads its counter, then removes the table', () => {
    const out = inNetns(`nft -f - <<'EOF'\n${rules}\nEOF\n${unhandoffScript().replaceAll('/run/', '/tmp/haops-test-')}nft list tables`);
    expect(parseHanded(out)).toBe(0);
    expect(out).not.toContain('haops_handoff');
  });

  it('a second handoff replaces the first (one table per node, whatever was left)', () => {
    const script = handoffScript(['198.18.0.100'], '198.18.0.12', 'eth0', 'tok', 30)
      .replaceAll('/run/', '/tmp/haops-test-')
      .replace(/^nohup .*$/m, '');
    const out = inNetns(`nft -f - <<'EOF'\n${rules}\nEOF\n${script}\nnft list table ip haops_handoff`);
    expect(out).toContain('@@haops-handoff@@');
    expect(out).toContain('dup to 198.18.0.12');
    expect(out).not.toContain('198.18.0.104');
  });
});

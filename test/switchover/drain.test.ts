// The pure half of drain: which keepalived mechanism each version gets, what the nodes' answers
// mean, and the scripts that raise and lower the flag.
import { describe, expect, it } from 'vitest';
import { DRAIN_FLAG, drainKeepalived, drainMethod } from '../../src/render/drain.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LOCK,
  LOCKED_MARK,
  bridgeScript,
  drainScript,
  keepScript,
  lockScript,
  parseFacts,
  undrainScript,
  unbridgeScript,
  unlockScript,
} from '../../src/switchover/node.js';

describe('drain method by keepalived version', () => {
  it.each([
    ['1.2.13', 'vrrp_script'],
    ['1.3.5', 'vrrp_script'],
    ['2.0.0', 'vrrp_track_file'],
    ['2.0.20', 'vrrp_track_file'],
    ['2.1.0', 'track_file'],
    ['2.2.7', 'track_file'],
    ['10.0.1', 'track_file'],
    [null, 'vrrp_script'],
  ] as const)('keepalived %s gets %s', (version, method) => {
    expect(drainMethod(version)).toBe(method);
    const conf = drainKeepalived(version);
    expect(conf.block).toContain(`${method} haops_drain {`);
    expect(conf.block).toMatch(/weight 0/);
  });

  it('2.0.x names the block vrrp_track_file but the instance still says track_file', () => {
    const conf = drainKeepalived('2.0.10');
    expect(conf.block).toMatch(/^vrrp_track_file haops_drain \{$/m);
    expect(conf.trackFile).toBe('haops_drain');
    expect(conf.trackScript).toBeUndefined();
  });
});

describe('what the nodes say', () => {
  it('reads the version, the hook actually deployed (not the one the version allows), the flag and the peer', () => {
    const f = parseFacts(
      'version Keepalived v2.2.7 (01/16,2022)\nhook vrrp_script haops_drain \ndrained yes\naddr 127.0.0.1/8\naddr 10.0.0.11/24\nhandoff yes\npeerhttp node2\n',
    );
    expect(f).toEqual({
      keepalivedVersion: '2.2.7',
      method: 'vrrp_script',
      hook: true,
      drained: true,
      leased: false,
      addresses: ['127.0.0.1', '10.0.0.11'],
      peerHttp: 'node2',
      handoff: 'yes',
    });
  });

  it('a node without nft, or whose nft lacks the socket match, says why it cannot hand off', () => {
    expect(parseFacts('handoff no-socket\n').handoff).toBe('no-socket');
    expect(parseFacts('handoff no-nft\n').handoff).toBe('no-nft');
    expect(parseFacts('').handoff).toBe('no-nft');
  });

  it('no hook, no flag, a peer that does not answer', () => {
    const f = parseFacts('version Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2\npeerhttp \n');
    expect(f).toMatchObject({ keepalivedVersion: '1.3.5', method: 'vrrp_script', hook: false, drained: false, peerHttp: null });
  });

  it('an answer that is not a node name is no answer', () => {
    expect(parseFacts('peerhttp <html>\n').peerHttp).toBeNull();
  });
});

describe('drain and undrain scripts', () => {
  it('drain answers on lo for every held VIP before the flag goes up, renamed into place, and arms the bridge to remove itself', () => {
    const s = drainScript(['10.0.0.100', '10.0.0.104'], 'eth0');
    const lines = s.trim().split('\n');
    const added = lines.indexOf('ip addr add 10.0.0.100/32 dev lo 2>/dev/null');
    expect(added).toBeGreaterThanOrEqual(0);
    expect(added).toBeLessThan(lines.findIndex((l) => l.includes(DRAIN_FLAG)));
    expect(s).toMatch(/nohup sh -c 'sleep \d+; .*ip addr del 10\.0\.0\.104\/32 dev lo/);
    expect(lines.at(-1)).toBe(
      `mkdir -p /var/lib/haops && echo 1 > ${DRAIN_FLAG}.haops-tmp && mv -f ${DRAIN_FLAG}.haops-tmp ${DRAIN_FLAG} && echo @@haops-drained@@`,
    );
  });

  it("a switchover's drain carries a lease the node lifts by itself; a deliberate drain cancels any lease", () => {
    const temp = drainScript(['10.0.0.100'], 'eth0', { token: 'c0ffee', seconds: 30 });
    expect(temp).toContain(
      `echo c0ffee > ${DRAIN_FLAG}.switchover; nohup sh -c 'sleep 30; [ "$(cat ${DRAIN_FLAG}.switchover 2>/dev/null)" = c0ffee ] && rm -f ${DRAIN_FLAG} ${DRAIN_FLAG}.switchover /run/haops-closing'`,
    );
    const kept = drainScript(['10.0.0.100'], 'eth0');
    expect(kept).toContain(`rm -f ${DRAIN_FLAG}.switchover\n`);
    expect(kept).not.toContain('sleep 30');
  });

  it("a bridge's timer removes only its own bridge, never a newer one for the same VIP", () => {
    const older = bridgeScript(['10.0.0.100'], 'eth0', 'aaa');
    expect(older).toContain('echo aaa > /run/haops-bridge-10.0.0.100');
    expect(older).toContain(`[ "$(cat /run/haops-bridge-10.0.0.100 2>/dev/null)" = aaa ] && ip addr del 10.0.0.100/32 dev lo`);
    expect(bridgeScript(['10.0.0.100'], 'eth0', 'bbb')).toContain('echo bbb > /run/haops-bridge-10.0.0.100');
  });

  it('a long hold keeps the bridge past the default self-removal, and a drain first ends any handoff left on the node', () => {
    const s = drainScript(['10.0.0.100'], 'eth0', undefined, 75);
    expect(s).toMatch(/nohup sh -c 'sleep 75; .*ip addr del 10\.0\.0\.100\/32 dev lo/);
    expect(s.indexOf('nft delete table ip haops_handoff')).toBeLessThan(s.indexOf('ip addr add'));
  });

  it('while a bridge is up the interface answers ARP only for its own addresses; the last bridge to go puts arp_ignore back', () => {
    const up = bridgeScript(['10.0.0.100'], 'eth0.100:1', 'tok');
    expect(up).toContain(
      '[ -e /run/haops-arp-ignore-eth0.100 ] || cat /proc/sys/net/ipv4/conf/eth0.100/arp_ignore > /run/haops-arp-ignore-eth0.100',
    );
    expect(up).toContain(
      '[ "$(cat /proc/sys/net/ipv4/conf/eth0.100/arp_ignore)" = 0 ] && echo 1 > /proc/sys/net/ipv4/conf/eth0.100/arp_ignore',
    );
    expect(unbridgeScript(['10.0.0.100'], 'eth0.100:1')).toContain(
      'ls /run/haops-bridge-* >/dev/null 2>&1 || { [ -e /run/haops-arp-ignore-eth0.100 ] && cat /run/haops-arp-ignore-eth0.100 > /proc/sys/net/ipv4/conf/eth0.100/arp_ignore',
    );
  });

  it("a bridge's timer restoring arp_ignore while a new bridge raises it never leaves it raised with nothing saved (run in a temp dir, 200 interleavings)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-arp-'));
    const local = (script: string) =>
      script
        .replaceAll('/run/', `${dir}/run-`)
        .replaceAll('/proc/sys/net/ipv4/conf/eth0/', `${dir}/sys-`)
        .replace(/^nohup .*$/gm, '')
        .replace(/ip addr (add|del) [^;\n]*/g, 'true');
    const up = local(bridgeScript(['10.0.0.100'], 'eth0', 'new'));
    const down = local(unbridgeScript(['10.0.0.100'], 'eth0'));
    // An older bridge's timer: its mark is gone already; it only restores.
    const timer = local(unbridgeScript([], 'eth0'));
    try {
      for (let i = 0; i < 200; i++) {
        writeFileSync(`${dir}/sys-arp_ignore`, '0\n');
        execFileSync('sh', ['-c', `(${timer}) & (${up}) & wait; ${down}`]);
        expect(readFileSync(`${dir}/sys-arp_ignore`, 'utf8').trim()).toBe('0');
        expect(existsSync(`${dir}/run-haops-arp-ignore-eth0`)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a plain drain confirmed: the lease goes, only while the flag is still up', () => {
    expect(keepScript()).toBe(`[ -e ${DRAIN_FLAG} ] && rm -f ${DRAIN_FLAG}.switchover && echo @@haops-kept@@\n`);
    expect(parseFacts('drained yes\nlease yes\n')).toMatchObject({ drained: true, leased: true });
  });

  it('undrain removes any bridge left and the flag', () => {
    const s = undrainScript(['10.0.0.100'], 'eth0');
    expect(s).toContain('ip addr del 10.0.0.100/32 dev lo');
    expect(s).toContain(`rm -f ${DRAIN_FLAG} ${DRAIN_FLAG}.haops-tmp ${DRAIN_FLAG}.switchover && echo @@haops-undrained@@`);
  });
});

describe('the pair drain lock, run by sh in a scratch directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'haops-lock-'));
  const lock = join(dir, 'drain.lock');
  const sh = (script: string) => execFileSync('sh', ['-c', script.replaceAll(LOCK, lock)], { encoding: 'utf8' });

  it('one holder at a time; only the holder releases it; a lock left by a vanished haops is taken over', () => {
    try {
      expect(sh(lockScript('first'))).toContain(LOCKED_MARK);
      expect(sh(lockScript('second'))).toMatch(/^held \d+/);
      sh(unlockScript('second'));
      expect(sh(lockScript('second'))).toMatch(/^held/);
      sh(unlockScript('first'));
      expect(sh(lockScript('second'))).toContain(LOCKED_MARK);
      // Its haops vanished 5 minutes ago: the next run takes the lock over.
      writeFileSync(join(lock, 'owner'), `second ${Math.floor(Date.now() / 1000) - 300}\n`);
      expect(sh(lockScript('third', 60))).toContain(LOCKED_MARK);
      expect(readFileSync(join(lock, 'owner'), 'utf8')).toMatch(/^third /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The fast failover profile: what the inventory may ask, what each keepalived gets, and the
// expected failover times `haops plan` prints (checked against classic figures measured on the
// lab; docs/failover.md has the latest table).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { agrees, expectedFailover, type ExpectedFailover } from '../../src/model/expected.js';
import { planData } from '../../src/model/plan-table.js';
import { FailoverFitError } from '../../src/model/profile.js';
import { renderKeepalived } from '../../src/render/keepalived.js';
import { issuesOf } from '../fixtures/issues.js';
import { haops } from '../fixtures/cli.js';

const inv = (failover: string | null, instanceExtra = '') => `hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - name: VI_1
        virtual_router_id: 51
        vip: 10.9.0.100/24
        master: a1${instanceExtra}
${failover === null ? '' : `    failover: ${failover}\n`}    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }
`;

const a1 = (text: string) => parseModel(text, 'inv.yaml').model.nodes.find((n) => n.host === 'a1')!;
const rendered = (text: string, version: string, container?: string, systemd?: boolean) =>
  renderKeepalived(a1(text), {
    version,
    ...(container ? { container, procEvents: false } : {}),
    ...(systemd === undefined ? {} : { systemd }),
  });
/** keepalived.conf without its comment lines: what keepalived reads. */
const conf = (text: string, version: string, container?: string, systemd?: boolean) =>
  rendered(text, version, container, systemd).replace(/^\s*#.*\n/gm, '');

/** haops with `text` as the inventory file INV. */
async function cli(args: string[], text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'haops-fast-'));
  const file = join(dir, 'inv.yaml');
  writeFileSync(file, text);
  return haops(args.map((a) => (a === 'INV' ? file : a)));
}

describe('inventory: failover profiles and VRRP version limits', () => {
  it('refuses a sub-second advert_int on the classic profile (VRRPv2), naming the line and the fix', () => {
    const [i] = issuesOf(inv(null, '\n        advert_int: 0.5'));
    expect(i!.message).toMatch(/advert_int 0\.5 is sub-second, which needs VRRPv3/);
    expect(i!.path).toBe('pairs.web.instances[0].advert_int');
    expect(i!.line).toBe(14);
    expect(i!.fix).toMatch(/failover: fast/);
  });
  it('refuses failover: { vrrp_version: 2, advert_int: 0.3 } (keepalived would flood adverts with "intvl 0s")', () => {
    const [i] = issuesOf(inv('{ vrrp_version: 2, advert_int: 0.3 }'));
    expect(i!.message).toMatch(/advert_int 0\.3 is sub-second, but VRRPv2 counts adverts in whole seconds/);
    expect(i!.path).toBe('pairs.web.failover.advert_int');
  });
  it('refuses authentication with VRRPv3 (keepalived ignores it) and offers vrrp_check_unicast_src or auth_hmac', () => {
    const [i] = issuesOf(inv('fast', '\n        authentication: { type: PASS, password: secret1 }'));
    expect(i!.message).toMatch(/VRRPv3 has no authentication/);
    expect(i!.fix).toMatch(/vrrp_check_unicast_src.*auth_hmac needs keepalived 2\.4\.0/);
    expect(issuesOf(inv(null, '\n        authentication: { type: PASS, password: secret1 }'))).toEqual([]);
  });
  it('refuses an unknown profile or field with the words a user can act on', () => {
    expect(issuesOf(inv('faster'))[0]!.message).toMatch(/classic, fast/);
    expect(issuesOf(inv('{ track: poll }'))[0]!.message).toMatch(/process, script/);
    expect(issuesOf(inv('{ advert_int: 41 }'))[0]!.message).toMatch(/at most 40\.95/);
    expect(issuesOf(inv('{ rt_priority: 120 }'))[0]!.message).toMatch(/rt_priority is 1\.\.99/);
  });
  it('fast derives priorities 254/253 with a FAULT check (weight 0); classic keeps 200/199 with weight 2', () => {
    const fast = parseModel(inv('fast'), 'inv.yaml').model.pairs[0]!.instances[0]!;
    expect([fast.priorities, fast.math.weight]).toEqual([{ a1: 254, a2: 253 }, 0]);
    const classic = parseModel(inv(null), 'inv.yaml').model.pairs[0]!.instances[0]!;
    expect([classic.priorities, classic.math.weight]).toEqual([{ a1: 200, a2: 199 }, 2]);
  });
});

describe('render: the fast profile fitted to each keepalived', () => {
  it('2.2.7 (Debian 12): VRRPv3 in global_defs, advert_int 0.2, track_process with weight 0, GARP, rt priority, unicast source check', () => {
    const c = conf(inv('fast'), '2.2.7');
    for (const line of [
      'vrrp_version 3',
      'vrrp_check_unicast_src',
      'vrrp_garp_master_delay 1',
      'vrrp_garp_master_repeat 3',
      'vrrp_higher_prio_send_advert',
      'vrrp_rt_priority 50',
      'priority 254',
      'advert_int 0.2',
    ]) {
      expect(c).toMatch(new RegExp(`^\\s+${line}$`, 'm'));
    }
    expect(c).toMatch(/vrrp_track_process nginx \{\n\s+process nginx\n\s+weight 0\n\}/);
    expect(c).toMatch(/track_process \{\n\s+nginx\n\s+\}/);
    expect(c).not.toMatch(/vrrp_script|track_script|authentication|down_timer_adverts|^\s+version 3/m);
  });
  it('2.2.7 in a systemd container: track_file on the flag a drop-in on nginx.service writes, beside the drain, instead of track_process', () => {
    const c = conf(inv('fast'), '2.2.7', 'systemd-nspawn', true);
    expect(c).toMatch(/^track_file haops_nginx \{\n\s+file "\/var\/lib\/haops\/nginx-down"\n\s+weight 0\n\}/m);
    expect(c).toMatch(/^\s+track_file \{\n\s+haops_nginx\n\s+haops_drain\n\s+\}/m);
    expect(c).not.toMatch(/track_process|vrrp_script|track_script/);
    expect(rendered(inv('fast'), '2.2.7', 'lxc')).toMatch(
      /^# Failover profile: fast \(VRRPv3; fell back to track_file on a flag systemd writes/m,
    );
    // 2.0.x spells the keyword vrrp_track_file, as for the drain.
    expect(conf(inv('fast'), '2.0.20', 'lxc', true)).toMatch(/^vrrp_track_file haops_nginx \{/m);
  });
  it('2.2.7 in a container without systemd: a weight-0 vrrp_script every 1 s instead of track_process (no proc events there), and says so', () => {
    const c = conf(inv('fast'), '2.2.7', 'systemd-nspawn', false);
    expect(c).toMatch(/vrrp_script chk_nginx \{\n\s+script "killall -0 nginx"\n\s+interval 1\n\s+weight 0\n\s+fall 1\n\s+rise 1\n\}/);
    expect(c).not.toMatch(/track_process/);
    expect(c).not.toMatch(/haops_nginx/);
    expect(rendered(inv('fast'), '2.2.7', 'systemd-nspawn', false)).toMatch(
      /^# Failover profile: fast \(VRRPv3; fell back to a vrrp_script check instead of track_process: the node runs in a systemd-nspawn container/m,
    );
  });
  it('2.3.2 in a container without systemd: the script runs every 0.1 s (milliseconds from 2.3.2), fall 2 and a 1 s timeout against a slow fork', () => {
    expect(conf(inv('fast'), '2.3.2', 'lxc', false)).toMatch(/interval 0\.1\n\s+timeout 1\n\s+weight 0\n\s+fall 2\n\s+rise 2/);
  });
  it('2.2.3: down_timer_adverts when asked for; refused on 2.2.2 because it was written', () => {
    expect(conf(inv('{ down_timer_adverts: 5 }'), '2.2.3')).toMatch(/^\s+down_timer_adverts 5$/m);
    expect(() => conf(inv('{ down_timer_adverts: 5 }'), '2.2.2')).toThrow(FailoverFitError);
  });
  it('simulated CentOS 7 (1.3.5): VRRPv3 but no track_process; the check script instead', () => {
    const c = conf(inv('fast'), '1.3.5');
    expect(c).toMatch(/^\s+vrrp_version 3$/m);
    expect(c).toMatch(/^\s+vrrp_higher_prio_send_advert$/m);
    expect(c).not.toMatch(/track_process/);
    expect(c).toMatch(/track_script \{\n\s+chk_nginx/);
  });
  it('1.2.17..1.2.19: VRRPv3 per instance (`version 3`), no global vrrp_version yet', () => {
    const c = conf(inv('fast'), '1.2.17');
    expect(c).toMatch(/vrrp_instance VI_1 \{\n\s+version 3\n/);
    expect(c).not.toMatch(/vrrp_version|vrrp_garp_master|vrrp_check_unicast_src/);
  });
  it('simulated CentOS 6 (1.2.13): plain VRRPv2 at 1 s with the check script, no keyword 1.2.13 does not know', () => {
    const c = conf(inv('fast'), '1.2.13');
    expect(c).toMatch(/^\s+advert_int 1$/m);
    for (const kw of [
      'version 3',
      'vrrp_version',
      'track_process',
      'vrrp_garp_master',
      'vrrp_higher_prio_send_advert',
      'vrrp_rt_priority',
      'vrrp_check_unicast_src',
      'down_timer_adverts',
    ])
      expect(c).not.toContain(kw);
  });
  it('refuses, rather than swaps, a setting the user wrote that the installed keepalived lacks', () => {
    expect(() => conf(inv('{ track: process }'), '1.3.5')).toThrow(
      /failover\.track: track_process is not available on keepalived 1\.3\.5 \(CentOS 7\)/,
    );
    expect(() => conf(inv('{ vrrp_version: 3 }'), '1.2.13')).toThrow(/VRRPv3 is not available on keepalived 1\.2\.13 \(CentOS 6\)/);
    expect(() => conf(inv('fast', '\n        advert_int: 0.3'), '1.2.13')).toThrow(/advert_int is below 1 s/);
  });
  it('classic (the default) gains no keyword of the fast profile on any version', () => {
    for (const v of ['1.2.13', '1.3.5', '2.2.7', '2.4.0']) {
      const c = rendered(inv(null), v);
      expect(rendered(inv('classic'), v)).toBe(c);
      expect(c).not.toMatch(
        /vrrp_version|version 3|track_process|vrrp_garp|vrrp_rt_priority|higher_prio|check_unicast_src|down_timer|Failover profile/,
      );
      expect(c).toMatch(/^\s+advert_int 1$/m);
      expect(c).toMatch(/^\s+weight 2$/m);
    }
  });
});

describe('validate and plan say what they assume and what falls back', () => {
  it('validate offline assumes keepalived 2.2.7 (Debian 12) and says so', async () => {
    const r = await cli(['validate', 'INV'], inv('fast'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/assuming keepalived 2\.2\.7 \(Debian 12\); deploy fits the installed version/);
  });
  it('validate --keepalived-version 1.2.13 lists each fallback (simulated CentOS 6)', async () => {
    const r = await cli(['validate', 'INV', '--keepalived-version', '1.2.13'], inv('fast'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: pair web \(failover fast\) on keepalived 1\.2\.13 \(CentOS 6\): VRRPv2 instead of v3/);
    expect(r.err).toMatch(/advert_int 1 instead of 0\.2/);
    expect(r.err).not.toMatch(/assuming/);
  });
  it('validate refuses, exit 2, a written track: process for CentOS 7, naming the fix', async () => {
    const r = await cli(['validate', 'INV', '--keepalived-version', '1.3.5'], inv('{ track: process }'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pair web: failover\.track: track_process is not available on keepalived 1\.3\.5[\s\S]*fix: write track: script/);
  });
  it('plan prints the expected failover per fault kind', async () => {
    const r = await cli(['plan', 'INV'], inv('fast'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /expected failover \(profile fast; keepalived 2\.2\.7 \(Debian 12\): VRRPv3, advert_int 0\.2, track_process nginx\)/,
    );
    expect(r.out).toMatch(/nginx-kill\s+0\.00 s\s+proc event/);
    expect(r.out).toMatch(/node-isolate\s+0\.40-0\.60 s/);
  });
});

describe('expected failover times (keepalived timers)', () => {
  const classic = () =>
    planData(parseModel(readFileSync('inventory/seed.yaml', 'utf8'), 'seed.yaml', { HAOPS_VRRP_PASSWORD: 'xxxx' }).model)[0]!.expected;
  const by = (e: ExpectedFailover[], f: string) => e.find((x) => x.fault === f)!;

  it("classic (write-up's settings) agrees with what the lab measured within 0.3 s", () => {
    const e = classic();
    // Measured on the lab: nginx-stop 3.7-4.0 s, nginx-kill 4.8-4.9 s, keepalived-stop 0.3 s, node-isolate 3.1 s.
    for (const m of [3.7, 4.0]) expect(agrees(by(e, 'nginx-stop'), m)).toBe(true);
    for (const m of [4.8, 4.9]) expect(agrees(by(e, 'nginx-kill'), m)).toBe(true);
    expect(agrees(by(e, 'keepalived-stop'), 0.3)).toBe(true);
    expect(agrees(by(e, 'node-isolate'), 3.1)).toBe(true);
    // ...and a sub-second figure would not agree: the range is not a blank cheque.
    expect(agrees(by(e, 'nginx-stop'), 0.8)).toBe(false);
    expect(by(e, 'nginx-stop')).toMatchObject({ min: 3.223, max: 5.223 });
  });
  it('VRRPv3 skew is (256 − priority)/256 of advert_int; a weight-0 script waits up to fall × interval', () => {
    const [kill, , stop, iso] = expectedFailover({
      vrrpVersion: 3,
      advertInt: 0.2,
      track: 'script',
      check: { interval: 1, fall: 1, weight: 0 },
      backupPriority: 253,
    });
    expect([kill!.min, kill!.max]).toEqual([0.002, 1.002]);
    expect(stop!.min).toBe(0.002);
    expect([iso!.min, iso!.max]).toEqual([0.402, 0.602]);
    const [, , , slow] = expectedFailover({
      vrrpVersion: 3,
      advertInt: 0.1,
      track: 'process',
      check: { interval: 1, fall: 1, weight: 0 },
      backupPriority: 253,
      downTimerAdverts: 30,
    });
    expect(slow!.max).toBe(3.001);
  });
});

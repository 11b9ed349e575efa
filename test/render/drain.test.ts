// Which keepalived mechanism each version gets for the drain flag (test/protocol/drain.test.ts:
// the scripts that raise and lower it).
import { describe, expect, it } from 'vitest';
import { drainKeepalived, drainMethod } from '../../src/render/drain.js';

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

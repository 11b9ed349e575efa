// A hand-built keepalived.conf whose virtual_ipaddress holds several addresses imports as vips:,
// in order, and the inventory written validates. Pure: node output as text.
import { describe, expect, it } from 'vitest';
import { buildInventory, type ImportTarget } from '../../src/import/adopt.js';
import { renderInventory, validateText } from '../../src/import/write.js';
import { addr, backupConf, fakeReading, NGINX_T, SEED_CONF, SEED_NOTIFY } from './helpers.js';

const MAIN = '/etc/keepalived/keepalived.conf';
const NOTIFY = '/usr/local/bin/keepalived_notify.sh';
const targets: ImportTarget[] = [
  { name: 'proxy101', address: '192.168.0.101', user: 'root' },
  { name: 'proxy102', address: '192.168.0.102', user: 'root' },
];
/** The write-up's config with a second address, and a third on another interface. */
const TWO = SEED_CONF.replace('192.168.0.105 ## VIP\n', '192.168.0.105 ## VIP\n192.168.0.106/24\n10.20.0.5/24 dev em2\n');

function readings(held: [string[], string[]]) {
  return [
    fakeReading('proxy101', {
      files: { [MAIN]: TWO },
      scripts: { [NOTIFY]: SEED_NOTIFY },
      addr: addr('192.168.0.101', 'em1', held[0]),
      nginxT: NGINX_T,
    }),
    fakeReading('proxy102', {
      files: { [MAIN]: backupConf(TWO) },
      scripts: { [NOTIFY]: SEED_NOTIFY },
      addr: addr('192.168.0.102', 'em1', held[1]),
      nginxT: NGINX_T,
    }),
  ];
}

describe('import: several addresses in virtual_ipaddress', () => {
  it('become vips: in order (dev kept for another interface), and the written inventory validates', () => {
    const r = buildInventory(readings([['192.168.0.105', '192.168.0.106'], []]), targets, { secrets: 'file', secretPrefix: 'adopted.' });
    const inst = (r.inventory.pairs as any).yn_api_gateway.instances[0];
    expect(inst.vip).toBeUndefined();
    expect(inst.vips).toEqual(['192.168.0.105', '192.168.0.106/24', { address: '10.20.0.5/24', dev: 'em2' }]);
    expect(inst.master).toBe('proxy101');
    expect(r.findings.map((n) => n.what).join('\n')).not.toMatch(/second VIP/);
    const text = renderInventory(r, readings([['192.168.0.105', '192.168.0.106'], []]));
    expect(text).toContain('vips:');
    expect(validateText(text, '/tmp/adopted.yaml', r, {})).toBeNull();
  });

  it('the holder is the node holding all of them; a split is noted', () => {
    const r = buildInventory(readings([['192.168.0.105'], ['192.168.0.106']]), targets, { secrets: 'file', secretPrefix: 'adopted.' });
    expect(r.findings.map((n) => n.what)).toContainEqual(expect.stringMatching(/VIPs of YN_API_GATEWAY are split between the nodes now/));
  });
});

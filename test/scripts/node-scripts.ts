// Every shell script haops renders onto a node or sends to one, built from the seed inventory
// (inventory/seed.yaml) and a few variants: what test/scripts/shellcheck.test.ts lints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel, type Model } from '../../src/model/derive.js';
import { renderNotifyScript } from '../../src/render/notify.js';
import { drainKeepalived, DRAIN_PROBE } from '../../src/render/drain.js';
import { putScript } from '../../src/ops/file-script.js';
import { systemScript } from '../../src/ops/apply.js';
import { platformFor } from '../../src/platforms/commands.js';
import { FAULTS, faultCommand } from '../../src/drill/drill.js';
import * as node from '../../src/switchover/node.js';

export const SEED = join(import.meta.dirname, '../../inventory/seed.yaml');

/** The seed inventory with its pair's notify: block replaced (`null`: as written) and extra pair fields. */
export function seedModel(notify: string | null = null, pairExtra = ''): Model {
  let text = readFileSync(SEED, 'utf8');
  if (notify !== null) text = text.replace(/^ {4}notify:\n(?: {6}.*\n)+/m, `    notify:\n${notify}`);
  if (pairExtra) text = text.replace(/^ {4}nginx:\n/m, `${pairExtra}    nginx:\n`);
  return buildModel(parseInventory(text, SEED, { HAOPS_VRRP_PASSWORD: 'ciPass01' }));
}

export interface NodeScript {
  name: string;
  text: string;
}

/** The notify script of the seed's first node and of variants: SMS by URL and by command, webhooks, email, the fast profile. */
export function notifyScripts(): NodeScript[] {
  const variants: [string, Model][] = [
    ['seed (email)', seedModel()],
    ['SMS by URL', seedModel('      sms: { url: "https://sms.example.com/send?key=abcd1234", to: ["+8613800000000"] }\n')],
    ['SMS by command', seedModel('      sms: { command: /usr/local/bin/send-sms, to: ["+8613800000000", "+8613900000000"] }\n')],
    ['webhooks', seedModel('      webhooks: ["https://hooks.example.com/a", "http://10.0.0.9:8080/b?x=1&y=2"]\n')],
    [
      'email, webhook and SMS',
      seedModel(
        '      email: { to: [ops@example.com, oncall@example.com], from: ha@example.com, smtp_server: "10.0.0.5:2525" }\n      webhooks: ["https://hooks.example.com/a"]\n      sms: { url: "https://sms.example.com/send", to: ["+8613800000000"] }\n',
      ),
    ],
    ['no channel', seedModel('      log: /var/log/keepalived.notify.log\n')],
    ['fast profile', seedModel(null, '    failover: fast\n')],
  ];
  return variants.map(([name, model]) => ({ name: `notify script, ${name}`, text: renderNotifyScript(model.nodes[0]!) }));
}

/** Every other script haops sends to a node, with the seed's values. */
export function commandScripts(): NodeScript[] {
  const model = seedModel();
  const pair = model.pairs[0]!;
  const vips = pair.instances.map((i) => i.vip);
  const iface = pair.spec.interface;
  const drainHook = drainKeepalived('1.3.5').block.match(/script "(.*)"/)![1]!;
  const scripts: [string, string][] = [
    [
      'put file (validated before)',
      putScript(
        {
          path: '/etc/keepalived/keepalived.conf',
          mode: '0640',
          validateBefore: 'keepalived -t -f "$t"',
          pending: ['keepalived.reload'],
          makeDir: true,
        },
        '/etc/keepalived/.keepalived.conf.haops-abc123',
      ),
    ],
    [
      'put file (validated in place)',
      putScript(
        { path: '/etc/nginx/conf.d/haops.conf', mode: '0644', validateInPlace: 'nginx -t' },
        '/etc/nginx/conf.d/.haops.conf.haops-abc123',
      ),
    ],
    ['system step', systemScript(['firewall-cmd --zone=public --add-port=80/tcp', 'restorecon -v /usr/local/bin/keepalived_notify.sh'])],
    ['drain hook (keepalived 1.x vrrp_script)', drainHook],
    ['drain probe', DRAIN_PROBE],
    ['switchover facts', node.factsScript('192.168.0.102', 80)],
    ['drain', node.drainScript(vips, iface, { token: 'tok1', seconds: 30 })],
    ['drain for good', node.drainScript(vips, iface)],
    ['keep drain', node.keepScript()],
    ['lock', node.lockScript('tok1')],
    ['unlock', node.unlockScript('tok1')],
    ['drained probe', node.DRAINED_PROBE],
    ['bridge', node.bridgeScript(vips, iface, 'tok1')],
    ['unbridge', node.unbridgeScript(vips, iface)],
    ['handoff', node.handoffScript(vips, '192.168.0.101', iface, 'tok1', 20)],
    ['unhandoff', node.unhandoffScript()],
    ['handoff probe', node.HANDOFF_PROBE],
    ['undrain', node.undrainScript(vips, iface)],
    ['addresses', node.addressesScript(iface)],
  ];
  for (const kind of FAULTS) {
    const f = faultCommand(kind, iface, 8);
    scripts.push([`drill fault ${kind}`, f.fault], [`drill restore ${kind}`, f.restore]);
  }
  for (const family of ['debian', 'el7', 'el9'] as const) {
    const p = platformFor(family, family === 'el7' ? 'sysv' : 'systemd');
    scripts.push([`install (${family})`, p.install(['keepalived', 'nginx'])]);
  }
  return scripts.map(([name, text]) => ({ name, text }));
}

// Every shell script haops renders onto a node or sends to one, built from the seed inventory
// (inventory/seed.yaml) and a few variants: what test/scripts/shellcheck.test.ts lints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel, type Model } from '../../src/model/derive.js';
import { renderNotifyScript } from '../../src/render/notify.js';
import { systemScript } from '../../src/ops/apply.js';
import { platformFor } from '../../src/platforms/commands.js';

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

/** The notify asset (protocol/notify.ts) bound to the seed's first node and to variants: SMS by URL and by command, webhooks, email, hooks, the fast profile. */
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
    [
      'your own hooks',
      seedModel('      hooks: [{ on: master, run: /etc/keepalived/to_master.sh up }, { on: any, run: /etc/keepalived/any.sh }]\n'),
    ],
    ['fast profile', seedModel(null, '    failover: fast\n')],
  ];
  return variants.map(([name, model]) => ({ name: `notify script, ${name}`, text: renderNotifyScript(model.nodes[0]!) }));
}

/** The scripts not yet assets of the protocol room, with the seed's values: EL system steps and yum/dnf installs. */
export function commandScripts(): NodeScript[] {
  const scripts: [string, string][] = [
    ['system step', systemScript(['firewall-cmd --zone=public --add-port=80/tcp', 'restorecon -v /usr/local/bin/keepalived_notify.sh'])],
  ];
  // Debian's install is the APT_INSTALL asset (linted from SCRIPTS); yum and dnf install in one command.
  for (const family of ['el7', 'el9'] as const) {
    const p = platformFor(family, family === 'el7' ? 'sysv' : 'systemd');
    scripts.push([`install (${family})`, p.install(['keepalived', 'nginx'])]);
  }
  return scripts.map(([name, text]) => ({ name, text }));
}

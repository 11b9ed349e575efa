// The shell haops renders onto a node or sends to one besides the protocol room's assets (SCRIPTS,
// linted bound to their example values): the notify script built from the seed inventory
// (inventory/seed.yaml) and a few variants, and the room's one-command texts (EL system steps,
// yum/dnf installs, service commands): what test/scripts/shellcheck.test.ts lints besides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel, type Model } from '../../src/model/derive.js';
import { renderNotifyScript } from '../../src/render/notify.js';
import * as commands from '../../src/protocol/commands.js';
import * as system from '../../src/protocol/system.js';

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

/**
 * The protocol room's one-command texts, which are not assets (no fixed text with parameters: each
 * value is one quoted word in a command line), built by protocol/system.ts and protocol/commands.ts
 * with values like the seed's: an EL system step holding every command kind, and yum/dnf installs.
 * Debian's install is the APT_INSTALL asset (linted from SCRIPTS).
 */
export function commandScripts(): NodeScript[] {
  const rule = system.peerRichRule('10.0.0.2', 'vrrp');
  const scripts: [string, string][] = [
    [
      'system step, every command kind',
      system.systemScript([
        system.firewalldAddRichRule('public', false, rule),
        system.firewalldAddRichRule('public', true, system.peerRichRule('fd00::2', 'ah')),
        system.firewalldAddPort('public', true, 80),
        system.iptablesAcceptFrom(112, '10.0.0.2'),
        system.iptablesAcceptPort(443),
        system.IPTABLES_SAVE,
        system.semanageFcontext('keepalived_unconfined_script_exec_t', '/usr/local/bin/keepalived_notify.sh'),
        system.restorecon('/usr/local/bin/keepalived_notify.sh'),
        system.setsebool('httpd_can_network_connect', true),
        system.semanagePort('http_port_t', 8080, false),
        system.sysctlSet('net.ipv4.ip_nonlocal_bind', '1'),
        system.sysctlDrop('net.ipv4.ip_nonlocal_bind', '/etc/sysctl.conf'),
        system.writeLine('net.ipv4.ip_nonlocal_bind = 1', '/etc/sysctl.conf', true),
        system.writeLine('net.ipv4.ip_nonlocal_bind = 1', '/etc/sysctl.d/90-haops.conf', false),
        system.dnfModuleReset('nginx'),
        system.dnfModuleEnable('nginx', '1.24'),
      ]),
    ],
    [
      'system step, an adopted node kept aside',
      system.systemScript(
        system.adoptBackup(
          '/var/backups/haops',
          ['/etc/keepalived/keepalived.conf'],
          ['/etc/nginx/sites-enabled/default', "/etc/nginx/conf.d/it's.conf"],
        ),
      ),
    ],
    ['install (yum)', commands.yumInstall(['keepalived', 'nginx'])],
    ['install (yum, archive mirror only)', commands.yumInstall(['keepalived', 'nginx'], 'haops-*')],
    ['install (dnf)', commands.dnfInstall(['keepalived', 'nginx'])],
  ];
  // Each service command alone, as a deploy runs it, and settled (pending markers cleared after it).
  for (const [family, c] of Object.entries({
    systemd: commands.SYSTEMD,
    'EL6 SysV': commands.SYSV_EL,
    'Debian SysV': commands.SYSV_DEBIAN,
  }))
    for (const action of ['enable', 'start', 'restart', 'reload'] as const) {
      const line = c[action]('keepalived');
      scripts.push([`${action} (${family})`, action === 'enable' ? line : commands.settled(line, 'keepalived')]);
    }
  scripts.push(['daemon-reload', commands.settled(commands.DAEMON_RELOAD, 'systemd')]);
  scripts.push(['config tests', `${commands.keepalivedTest('/etc/keepalived/.keepalived.conf.haops-1a2b3c')}\n${commands.NGINX_TEST}`]);
  return scripts.map(([name, text]) => ({ name, text: text.endsWith('\n') ? text : `${text}\n` }));
}

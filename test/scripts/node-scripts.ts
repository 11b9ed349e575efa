// Every shell script haops renders onto a node or sends to one, built from the seed inventory
// (inventory/seed.yaml) and a few variants: what test/scripts/shellcheck.test.ts lints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel, type Model } from '../../src/model/derive.js';
import { renderNotifyScript } from '../../src/render/notify.js';
import { factsScript } from '../../src/facts/script.js';
import { checkProofScript, upstreamScript } from '../../src/facts/checks.js';
import { systemScript } from '../../src/ops/apply.js';
import { platformFor } from '../../src/platforms/commands.js';
import { vipProbeScript } from '../../src/runner/vip.js';
import { remoteProbeScript } from '../../src/runner/client-probe.js';
import { DEFAULT_PLAYBOOK, loadPlaybook, wantedSkeleton } from '../../src/runner/playbook.js';
import { statusScript } from '../../src/status/status.js';
import { notifyTestCommand } from '../../src/notify/notify-test.js';
import { probeLoopScript } from '../../src/measure/remote-probe.js';

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

/** Every other script haops sends to a node, with the seed's values. */
export function commandScripts(): NodeScript[] {
  const model = seedModel();
  const pair = model.pairs[0]!;
  const n = model.nodes[0]!;
  const skeleton = wantedSkeleton(loadPlaybook(DEFAULT_PLAYBOOK), n, model);
  const vips = pair.instances.map((i) => i.vip);
  const scripts: [string, string][] = [
    ['facts (deploy)', factsScript(skeleton)],
    ['check proof, inventory check', checkProofScript(pair.spec.check, undefined, '')],
    ['check proof, deployed check as script_user', checkProofScript(pair.spec.check, 'keepalived_script')],
    ['upstream check', upstreamScript(pair.upstreams, pair.health.path)],
    ['VIP probe', vipProbeScript(pair, { upstreams: true })],
    ['client probe from a probe host', remoteProbeScript(vips, pair.health)],
    [
      'client probe from a probe host, HTTPS site with a CA',
      remoteProbeScript(vips, {
        ...pair.health,
        tls: { port: 443, servername: 'site.test', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
      }),
    ],
    ['status', statusScript(pair)],
    ['system step', systemScript(['firewall-cmd --zone=public --add-port=80/tcp', 'restorecon -v /usr/local/bin/keepalived_notify.sh'])],
    ['notify test', notifyTestCommand(n, 't1', 3000)],
    ['drill probe loop', probeLoopScript(vips[0]!, pair.health, 20, 500, 60)],
    [
      'drill probe loop, HTTPS site with a CA',
      probeLoopScript(
        vips[0]!,
        { ...pair.health, tls: { port: 443, servername: 'site.test', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' } },
        20,
        500,
        60,
      ),
    ],
  ];
  // Debian's install is the APT_INSTALL asset (linted from SCRIPTS); yum and dnf install in one command.
  for (const family of ['el7', 'el9'] as const) {
    const p = platformFor(family, family === 'el7' ? 'sysv' : 'systemd');
    scripts.push([`install (${family})`, p.install(['keepalived', 'nginx'])]);
  }
  return scripts.map(([name, text]) => ({ name, text }));
}

// haops's real SSH layer (src/ssh: sudo wrap, channel, failure reading) against simulated EL roots:
// a simulated sshd (test/ssh/sim-sshd.ts) logs `deploy` in and runs each exec inside the root,
// where a stub sudo reads /etc/sudoers as sudo 1.8 does. What is simulated: docs/el-simulation.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { deploy } from '../../src/runner/deploy.js';
import { loadPlaybook } from '../../src/runner/playbook.js';
import { connect } from '../../src/ssh/connect.js';
import type { Host } from '../../src/ssh/host.js';
import { knownHostsLine } from '../../src/ssh/known-hosts.js';
import { makeHome, startSimSshd } from '../ssh/sim-sshd.js';
import { SimElRoot, simRootAvailable } from './el-root/host.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const INVENTORY = webPairYaml();

// CentOS 6.7's stock sudoers (requiretty on, as before 6.8) with a NOPASSWD deploy user.
const SUDOERS_C6 =
  'Defaults    requiretty\nDefaults   !visiblepw\nroot    ALL=(ALL)       ALL\ndeploy  ALL=(ALL)       NOPASSWD: ALL\n#includedir /etc/sudoers.d\n';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Each node: a simulated CentOS root behind its own simulated sshd, reached as `deploy` through haops's connect(). */
async function sshFleet(family: 'centos6' | 'centos7') {
  const home = makeHome();
  const roots = new Map<string, SimElRoot>();
  const ports = new Map<string, number>();
  const known: string[] = [];
  for (const h of ['a1', 'a2']) {
    const ip = h === 'a1' ? '10.9.0.11' : '10.9.0.12';
    const root = new SimElRoot(family, h, { addrs: [`2: eth0    inet ${ip}/24 brd 10.9.0.255 scope global eth0`], sudoers: SUDOERS_C6 });
    roots.set(h, root);
    cleanup.push(() => root.close());
    const sshd = await startSimSshd({
      authorizedKeys: [home.publicKey],
      // The exec runs inside the root as sshd would run it for the login: no tty (haops asks for none).
      onExec: (command, channel) => {
        void root.spawn(command, { USER: 'deploy', LOGNAME: 'deploy' }).then((child) => {
          channel.pipe(child.stdin);
          child.stdin.on('error', () => undefined);
          child.stdout.pipe(channel, { end: false });
          child.stderr.pipe(channel.stderr, { end: false });
          channel.on('close', () => child.kill('SIGKILL'));
          child.on('close', (code) => {
            channel.exit(code ?? 255);
            channel.end();
          });
        });
        return true;
      },
    });
    cleanup.push(() => sshd.close());
    ports.set(h, sshd.port);
    known.push(knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0]));
  }
  writeFileSync(join(home.sshDir, 'known_hosts'), `${known.join('\n')}\n`);
  return { home, roots, ports };
}

describe.skipIf(!simRootAvailable())('sudo on simulated EL roots through haops’s SSH layer (fake sudo as CentOS 6’s)', () => {
  it('requiretty in sudoers: deploy as a sudo user stops before any change with sudo’s reason and the visudo line; with "Defaults:deploy !requiretty" the same deploy converges', async () => {
    const f = await sshFleet('centos6');
    const hosts: Host[] = [];
    const connectTo = async (h: string): Promise<Host> => {
      const host = await connect(
        { name: h, address: '127.0.0.1', port: f.ports.get(h)!, user: 'deploy' },
        { env: { HOME: f.home.home }, connectTimeoutMs: 5000 },
      );
      hosts.push(host);
      return host;
    };
    const model = parseModel(INVENTORY, 'inv.yaml').model;
    const run = () => deploy(model, { playbook: loadPlaybook(), verify: false, connect: connectTo });

    const refused = await run();
    expect(refused.ok).toBe(false);
    for (const h of refused.hosts) {
      expect(h.error, h.host).toContain('sudo requires a tty (requiretty in /etc/sudoers)');
      expect(h.hint, h.host).toContain('Defaults:deploy !requiretty');
    }
    for (const [, root] of f.roots) expect(root.read('/etc/keepalived/keepalived.conf'), root.name).toBeNull();

    // The fix as the hint gives it (visudo -f /etc/sudoers.d/deploy writes this line).
    for (const [, root] of f.roots)
      expect(
        (await root.exec("printf 'Defaults:deploy !requiretty\\n' > /etc/sudoers.d/deploy && chmod 0440 /etc/sudoers.d/deploy")).code,
      ).toBe(0);
    const fixed = await run();
    expect(fixed.hosts.filter((h) => !h.ok).map((h) => `${h.host}: ${h.error}`)).toEqual([]);
    for (const [, root] of f.roots) expect(root.read('/var/lib/sim/svc/keepalived.running'), root.name).not.toBeNull();
    await Promise.all(hosts.map((h) => h.close()));
  }, 180_000);
});

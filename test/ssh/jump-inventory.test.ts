// `jump:` naming an inventory host: the bastion is dialled with that host's inventory address,
// user, port and key, whatever DNS or ~/.ssh/config say about the name (resolution only, no network).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { sshTarget } from '../../src/nodes/connector.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'haops-jump-'));
const config = join(dir, 'ssh_config');
// What an attacker (or a stale entry) makes the bare name mean.
writeFileSync(config, 'Host bastion Bastion\n  HostName 203.0.113.66\n  User evil\n  Port 2222\n  IdentityFile /tmp/evil_key\n');

const inv = (jump: string) =>
  parseInventory(
    webPairYaml({
      head: 'ssh: { user: root }\n',
      hosts: `  bastion: { address: 10.9.0.5, user: ops, port: 2200, identity_file: /keys/bastion_ed25519 }
  a1: { address: 10.9.0.11, jump: ${jump} }
  a2: { address: 10.9.0.12, jump: ${jump} }
`,
    }),
    join(dir, 'inv.yaml'),
    {},
  ).inventory;

describe('a jump host that is an inventory host', () => {
  for (const spelled of ['bastion', 'BASTION']) {
    it(`jump: ${spelled} dials the inventory's address, user, port and key, not the ssh_config entry`, async () => {
      const hop = await resolveTarget(sshTarget(inv(spelled), join(dir, 'inv.yaml'), 'a1'), config, { HOME: dir });
      expect(hop.hostname).toBe('10.9.0.11');
      expect(hop.jump).toMatchObject({ hostname: '10.9.0.5', user: 'ops', port: 2200, identityFiles: ['/keys/bastion_ed25519'] });
    });
  }

  it('a jump host that is not in the inventory still goes through ssh_config (unchanged)', async () => {
    const hop = await resolveTarget(sshTarget(inv('gw.example'), join(dir, 'inv.yaml'), 'a1'), config, { HOME: dir });
    expect(hop.jump).toMatchObject({ alias: 'gw.example', hostname: 'gw.example' });
  });
});

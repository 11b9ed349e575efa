// A probe host given as an SSH destination (no inventory host) that ~/.ssh/config sends to a node
// of the pair it probes: refused before any connection (resolution only, no network).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { refuseProbeHostsThatAreNodes } from '../../src/nodes/probe-hosts.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'haops-probe-'));
const config = join(dir, 'ssh_config');
writeFileSync(config, 'Host watcher\n  HostName 10.9.0.11\nHost client-box\n  HostName 10.9.0.50\nHost n2\n  HostName 10.9.0.12\n');
const file = join(dir, 'inv.yaml');

function setup(from: string) {
  const loaded = parseInventory(webPairYaml({ head: `ssh: { user: root }\nprobe: { from: ${from} }\n` }), file, {});
  return { inventory: loaded.inventory, model: buildModel(loaded) };
}

describe('probe.from resolved as SSH dials it', () => {
  it("an ssh_config alias whose HostName is a node's address is that node: refused, naming both and the fix", async () => {
    const { inventory, model } = setup('watcher');
    const refused = refuseProbeHostsThatAreNodes(inventory, file, { sshConfig: config }, model);
    await expect(refused).rejects.toThrow(/probe\.from watcher is a1: your SSH config sends watcher to 10\.9\.0\.11/);
    await expect(refused).rejects.toMatchObject({ hint: expect.stringMatching(/not in pair web/) });
  });

  it('an alias for the second node is refused too, by its address', async () => {
    const { inventory, model } = setup('n2');
    await expect(refuseProbeHostsThatAreNodes(inventory, file, { sshConfig: config }, model)).rejects.toThrow(/probe\.from n2 is a2/);
  });

  it('an alias to another machine on the LAN passes, and so does a host the config does not know', async () => {
    for (const from of ['client-box', '10.9.0.60']) {
      const { inventory, model } = setup(from);
      await expect(refuseProbeHostsThatAreNodes(inventory, file, { sshConfig: config }, model)).resolves.toBeUndefined();
    }
  });
});

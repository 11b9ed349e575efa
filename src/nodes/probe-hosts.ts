// A probe host must not be a node of the pair it probes (from a node, its own VIP answers on
// loopback and never crosses the LAN). validate compares inventory names and addresses; here,
// before any connection, a probe host that is no inventory host is resolved as SSH will dial it
// (~/.ssh/config HostName, the inventory's address for the nodes) and compared by that.
import type { Inventory } from '../inventory/schema.js';
import type { Model } from '../model/derive.js';
import { resolveTarget } from '../ssh/ssh-config.js';
import { UsageError } from '../core/errors.js';
import { inventoryHostNamed, type NodeFlags, sshTarget } from './connector.js';

/** Throws when a pair's probe host, as SSH resolves it, is one of that pair's nodes. */
export async function refuseProbeHostsThatAreNodes(
  inv: Inventory,
  file: string,
  flags: NodeFlags,
  model: Pick<Model, 'pairs'>,
): Promise<void> {
  const dialled = new Map<string, Promise<string>>();
  const hostname = (name: string) => {
    let p = dialled.get(name);
    if (!p) {
      p = resolveTarget(sshTarget(inv, file, name), flags.sshConfig, process.env).then(
        (hop) => hop.hostname.toLowerCase(),
        () => name.toLowerCase(),
      );
      dialled.set(name, p);
    }
    return p;
  };
  for (const pair of model.pairs) {
    const from = pair.probeFrom;
    if (from.kind !== 'host' || inventoryHostNamed(inv, from.host)) continue;
    const probe = await hostname(from.host);
    for (const node of pair.nodes) {
      const address = (inv.hosts[node]?.address ?? node).toLowerCase();
      if (probe !== address && probe !== (await hostname(node))) continue;
      throw new UsageError(
        `${file}: pair ${pair.name}: probe.from ${from.host} is ${node}: your SSH config sends ${from.host} to ${probe}, ${node}'s address. From a node, its own VIP answers on loopback and never crosses the LAN, so it cannot probe as a client does`,
        `name a host on the clients' LAN that is not in pair ${pair.name} (another pair's node, a bastion), or local`,
      );
    }
  }
}

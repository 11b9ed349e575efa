// The lab's network: a switch namespace with bridge br0, one namespace per node and backend
// joined to it by a veth pair, and the host's own port haops0. Nothing gets a default route.
import { run, succeeds } from './exec.js';
import { HOST_LINK, NETNS_PREFIX, SWITCH_NETNS } from './paths.js';

const ip = (...args: string[]) => run('ip', args);

/** Host routes and addresses, for the clash check. */
export async function hostRoutesAndAddresses(): Promise<{ routes: string[]; addrs: string[] }> {
  const lines = (s: string) => s.split('\n').filter((l) => l.trim());
  return { routes: lines(await ip('-4', 'route', 'show')), addrs: lines(await ip('-4', '-o', 'addr', 'show')) };
}

/** Host IPv6 routes and addresses, for the IPv6 clash check (empty where the host has no IPv6). */
export async function hostRoutesAndAddresses6(): Promise<{ routes: string[]; addrs: string[] }> {
  const lines = (s: string) => s.split('\n').filter((l) => l.trim());
  const quiet = (p: Promise<string>) => p.catch(() => '');
  return { routes: lines(await quiet(ip('-6', 'route', 'show'))), addrs: lines(await quiet(ip('-6', '-o', 'addr', 'show'))) };
}

/**
 * An IPv6 address (CIDR form) on an interface, usable at once: `nodad` skips duplicate address
 * detection (the lab plans its addresses; a tentative address would not answer for a second or two).
 * `ns`: in that namespace, else on the host.
 */
async function addAddress6(ns: string | undefined, dev: string, address6: string): Promise<void> {
  // A fresh namespace takes IPv6 unless the host's defaults disable it: ask for it explicitly.
  // keep_addr_on_down: a static address survives its link going down and up (`ip link set eth0
  // down` in a test), as a configured server's would come back; the kernel drops it otherwise.
  for (const sysctl of [
    ['sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=0`],
    ['sysctl', '-qw', `net.ipv6.conf.${dev}.keep_addr_on_down=1`],
  ]) {
    if (ns) await succeeds('ip', ['netns', 'exec', ns, ...sysctl]);
    else await succeeds(sysctl[0]!, sysctl.slice(1));
  }
  await ip(...(ns ? ['-n', ns] : []), '-6', 'addr', 'add', address6, 'dev', dev, 'nodad');
}

export async function createSwitch(hostAddress: string, hostAddress6?: string): Promise<void> {
  await ip('netns', 'add', SWITCH_NETNS);
  await ip('-n', SWITCH_NETNS, 'link', 'set', 'lo', 'up');
  // VRRP adverts go to 224.0.0.18; no snooping means the bridge floods them like ARP.
  await ip('-n', SWITCH_NETNS, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0');
  await ip('-n', SWITCH_NETNS, 'link', 'set', 'br0', 'up');
  await disableBridgeNetfilter();
  await ip('link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', 'p-host', 'netns', SWITCH_NETNS);
  await plugIntoBridge('p-host');
  await ip('addr', 'add', hostAddress, 'dev', HOST_LINK);
  // The host reaches the nodes and the IPv6 VIPs on the lab's /64 (the tests curl through them).
  if (hostAddress6) await addAddress6(undefined, HOST_LINK, hostAddress6);
  await ip('link', 'set', HOST_LINK, 'up');
}

/** With br_netfilter loaded, bridged frames would pass through iptables; the switch wants none of that. */
async function disableBridgeNetfilter(): Promise<void> {
  for (const key of ['bridge-nf-call-iptables', 'bridge-nf-call-ip6tables', 'bridge-nf-call-arptables']) {
    await succeeds('ip', ['netns', 'exec', SWITCH_NETNS, 'sysctl', '-qw', `net.bridge.${key}=0`]);
  }
}

async function plugIntoBridge(port: string): Promise<void> {
  await ip('-n', SWITCH_NETNS, 'link', 'set', port, 'master', 'br0');
  await ip('-n', SWITCH_NETNS, 'link', 'set', port, 'up');
}

/** A namespace `haops-NAME` whose eth0 sits on the bridge with `address` (CIDR form). */
export async function attachNamespace(name: string, address: string, address6?: string): Promise<string> {
  const ns = `${NETNS_PREFIX}${name}`;
  const port = `p-${name}`.slice(0, 15);
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', SWITCH_NETNS, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await plugIntoBridge(port);
  await ip('-n', ns, 'addr', 'add', address, 'dev', 'eth0');
  if (address6) await addAddress6(ns, 'eth0', address6);
  await ip('-n', ns, 'link', 'set', 'eth0', 'up');
  return ns;
}

export async function labNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(NETNS_PREFIX));
}

/** Pids of every process still inside one of the lab's namespaces. */
export async function namespacePids(ns: string): Promise<number[]> {
  const out = await ip('netns', 'pids', ns).catch(() => '');
  return out.split('\n').filter(Boolean).map(Number);
}

export async function deleteNamespace(ns: string): Promise<void> {
  await ip('netns', 'del', ns);
}

export async function deleteHostLink(): Promise<void> {
  if (await succeeds('ip', ['link', 'show', HOST_LINK])) await ip('link', 'del', HOST_LINK);
}

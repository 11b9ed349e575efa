// What a lab of N nodes on a subnet looks like (pure): names, addresses, kinds, pairs and VIPs.
// Every two nodes form a pair; the kinds list gives each pair its kind in order, repeating.
import { IDENTITY_FILE, KNOWN_HOSTS, LAB_ID, RSA_IDENTITY_FILE } from './paths.js';
import { LabError } from './errors.js';
import { type NodeKind, SUDO_NOPASSWD_USER, SUDO_PASSWORD_USER } from './kinds.js';
import { MAX_NODES, OFFSET, formatCidr, ip6At, ipAt, labSubnet, labSubnet6, nodeOffset, pairVipOffset } from './subnet.js';

export const DEFAULT_SUBNET = `198.18.${LAB_ID || '0'}.0/24`;
export const DEFAULT_NODES = 2;

export interface LabMember {
  name: string;
  /** Plain address, e.g. 198.18.0.11. */
  address: string;
  /** Plain IPv6 address on the lab's /64, e.g. 2001:2::11 (absent in a lab from before IPv6). */
  address6?: string;
}

export interface LabNode extends LabMember {
  kind: NodeKind;
  /** The login user: root, or a sudo user on a `sudo` node. */
  user: string;
  /** A `sudo` node's user needs a password for sudo (the other one has NOPASSWD). */
  sudoPassword?: boolean;
  /** Set on a legacy-ssh node: it only takes an RSA user key. */
  identityFile?: string;
}

export interface LabPair {
  name: string;
  kind: NodeKind;
  nodes: [string, string];
  virtualRouterId: number;
  /** A second instance mastered by the other node (active-active), in the first pair of a lab of 4 or more. */
  activeActive?: { virtualRouterId: number; vip: string };
  /** CIDR form, e.g. 198.18.0.100/24. */
  vip: string;
  /** The first pair's instance has a second address beside `vip` (CIDR form): the lab shows `vips:`. */
  secondVip?: string;
}

export interface LabInfo {
  subnet: string;
  prefix: number;
  hostAddress: string;
  /** The lab's IPv6 /64 (2001:2:0:N::/64) and the host's address on it; absent when the lab has no IPv6. */
  subnet6?: string;
  hostAddress6?: string;
  nodes: LabNode[];
  backends: LabMember[];
  pairs: LabPair[];
  identityFile: string;
  knownHosts: string;
  /** The lab's HTTPS site (src/lab/tls.ts): its chain and key on this machine; unset in a lab booted by an older haops. */
  tls?: { certFile: string; keyFile: string; serverName: string };
}

/** The lab's IPv6 /64, from its id. */
export const DEFAULT_SUBNET6 = labSubnet6(LAB_ID);

export function planLab(
  nodeCount: number = DEFAULT_NODES,
  subnetText: string = DEFAULT_SUBNET,
  kinds: NodeKind[] = ['systemd'],
  subnet6: string | null = DEFAULT_SUBNET6,
): LabInfo {
  if (!Number.isInteger(nodeCount) || nodeCount < 2 || nodeCount > MAX_NODES || nodeCount % 2 !== 0) {
    throw new LabError(`--nodes must be an even number from 2 to ${MAX_NODES} (every two nodes form a pair), got ${nodeCount}`);
  }
  const cidr = labSubnet(subnetText);
  const pairCount = nodeCount / 2;
  const kindOf = (k: number) => kinds[k % kinds.length] ?? 'systemd';
  const nodes = Array.from({ length: nodeCount }, (_, i): LabNode => {
    const kind = kindOf(Math.floor(i / 2));
    const node: LabNode = { name: `node${i + 1}`, address: ipAt(cidr, nodeOffset(i)), kind, user: 'root' };
    if (subnet6) node.address6 = ip6At(subnet6, nodeOffset(i));
    if (kind === 'sudo') Object.assign(node, i % 2 === 0 ? { user: SUDO_PASSWORD_USER, sudoPassword: true } : { user: SUDO_NOPASSWD_USER });
    if (kind === 'legacy-ssh') node.identityFile = RSA_IDENTITY_FILE;
    return node;
  });
  const pairs = Array.from(
    { length: pairCount },
    (_, k): LabPair => ({
      name: k === 0 ? 'lab' : `lab${k + 1}`,
      kind: kindOf(k),
      nodes: [nodes[2 * k]!.name, nodes[2 * k + 1]!.name],
      // 53 is the active-active instance's.
      virtualRouterId: k < 2 ? 51 + k : 51 + k + 1,
      vip: `${ipAt(cidr, pairVipOffset(k))}/${cidr.prefix}`,
      ...(k === 0 ? { secondVip: `${ipAt(cidr, OFFSET.secondVip)}/${cidr.prefix}` } : {}),
      ...(k === 0 && pairCount >= 2
        ? { activeActive: { virtualRouterId: 53, vip: `${ipAt(cidr, OFFSET.activeActiveVip)}/${cidr.prefix}` } }
        : {}),
    }),
  );
  return {
    subnet: formatCidr(cidr),
    prefix: cidr.prefix,
    hostAddress: ipAt(cidr, OFFSET.host),
    ...(subnet6 ? { subnet6, hostAddress6: ip6At(subnet6, OFFSET.host) } : {}),
    nodes,
    backends: OFFSET.backends.map((o, i) => ({ name: `be${i + 1}`, address: ipAt(cidr, o) })),
    pairs,
    identityFile: IDENTITY_FILE,
    knownHosts: KNOWN_HOSTS,
  };
}

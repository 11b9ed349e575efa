// What a lab of N nodes on a subnet looks like (pure): names, addresses, pairs and VIPs.
import { IDENTITY_FILE, KNOWN_HOSTS, LAB_ID } from './paths.js';
import { LabError } from './errors.js';
import { MAX_NODES, OFFSET, formatCidr, ipAt, labSubnet } from './subnet.js';

export const DEFAULT_SUBNET = `198.18.${LAB_ID || '0'}.0/24`;
export const DEFAULT_NODES = 2;

export interface LabMember {
  name: string;
  /** Plain address, e.g. 198.18.0.11. */
  address: string;
}

export interface LabPair {
  name: string;
  nodes: [string, string];
  virtualRouterId: number;
  /** A second instance mastered by the other node (active-active), in the 4-node lab's first pair. */
  activeActive?: { virtualRouterId: number; vip: string };
  /** CIDR form, e.g. 198.18.0.100/24. */
  vip: string;
}

export interface LabInfo {
  subnet: string;
  prefix: number;
  hostAddress: string;
  nodes: LabMember[];
  backends: LabMember[];
  pairs: LabPair[];
  identityFile: string;
  knownHosts: string;
}

export function planLab(nodeCount: number = DEFAULT_NODES, subnetText: string = DEFAULT_SUBNET): LabInfo {
  if (!Number.isInteger(nodeCount) || nodeCount < 2 || nodeCount > MAX_NODES) {
    throw new LabError(`--nodes must be a whole number from 2 to ${MAX_NODES}, got ${nodeCount}`);
  }
  const cidr = labSubnet(subnetText);
  const member = (name: string, offset: number) => ({ name, address: ipAt(cidr, offset) });
  const nodes = Array.from({ length: nodeCount }, (_, i) => member(`node${i + 1}`, OFFSET.firstNode + i));
  const pairCount = nodeCount >= 4 ? 2 : 1;
  const pairs = Array.from({ length: pairCount }, (_, k): LabPair => ({
    name: k === 0 ? 'lab' : `lab${k + 1}`,
    nodes: [nodes[2 * k].name, nodes[2 * k + 1].name],
    virtualRouterId: 51 + k,
    vip: `${ipAt(cidr, OFFSET.vips[k])}/${cidr.prefix}`,
    ...(k === 0 && pairCount === 2 ? { activeActive: { virtualRouterId: 53, vip: `${ipAt(cidr, OFFSET.activeActiveVip)}/${cidr.prefix}` } } : {}),
  }));
  return {
    subnet: formatCidr(cidr),
    prefix: cidr.prefix,
    hostAddress: ipAt(cidr, OFFSET.host),
    nodes,
    backends: OFFSET.backends.map((o, i) => member(`be${i + 1}`, o)),
    pairs,
    identityFile: IDENTITY_FILE,
    knownHosts: KNOWN_HOSTS,
  };
}

// `lab up` and `lab status`: check the host, build or reuse the cached image and repo, wire the
// network, boot the nodes and backends, write inventory/lab.yaml, and wait for sshd.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BACKEND_PORT, startBackend } from './backend.js';
import { ensureBase } from './base.js';
import { LabError } from './errors.js';
import { INVENTORY_FILE, labInventoryYaml } from './inventory.js';
import { issueLabSite, LAB_SITE_CERT, LAB_SITE_KEY, LAB_SITE_NAME } from './tls.js';
import { ensureClientKey, writeKnownHosts } from './keys.js';
import { attachNamespace, createSwitch, hostRoutesAndAddresses, hostRoutesAndAddresses6 } from './network.js';
import { boot, isAlive, mountOverlay, personalize, readPid } from './node.js';
import { LAB_SUDO_PASSWORD, type NodeKind } from './kinds.js';
import { ensureLayer } from './layer.js';
import { HOST_LINK, STATE_FILE, SUDO_PASSWORD_FILE, labIdProblem, logFile } from './paths.js';
import { DEFAULT_SUBNET6, type LabInfo, type LabMember, planLab } from './plan.js';
import { checkHost, checkPrerequisites, ensureInotifyRoom } from './prereq.js';
import { httpBody, sshAnswers, waitFor } from './probe.js';
import { ensureRepo } from './repo.js';
import { findClash, findClash6, labSubnet } from './subnet.js';
import { teardown } from './teardown.js';

export interface LabOptions {
  /** Where inventory/lab.yaml is written: the directory haops was run from (not the package). */
  workDir: string;
  log?: (s: string) => void;
}

export interface LabUpOptions extends LabOptions {
  nodes?: number;
  subnet?: string;
  /** One kind per pair, in order, repeating; default every pair plain systemd. */
  kinds?: NodeKind[];
  /** The pairs' failover profile in inventory/lab.yaml (default classic). */
  failover?: 'classic' | 'fast';
  /** How long to wait for every node's sshd; default 120 s. */
  bootTimeoutMs?: number;
  /** Where to write the lab's inventory (absolute, or under workDir); default inventory/lab.yaml. */
  inventoryFile?: string;
}

export interface LabNodeStatus extends LabMember {
  /** Absent in the state of a lab from before node kinds. */
  kind?: NodeKind;
  running: boolean;
  ssh: boolean;
}

export interface BackendStatus extends LabMember {
  http: boolean;
}

export interface LabStatus {
  up: boolean;
  subnet?: string;
  nodes: LabNodeStatus[];
  backends: BackendStatus[];
}

const quiet = () => {};

export async function labUp(opts: LabUpOptions): Promise<LabInfo> {
  refuseBadLabId();
  const log = opts.log ?? quiet;
  checkPrerequisites();
  const info = planLab(opts.nodes, opts.subnet, opts.kinds, await freeSubnet6(log));
  await refuseClash(info.subnet);
  await teardown(log);
  try {
    await ensureBase(log);
    await ensureRepo(log);
    const raised = await ensureInotifyRoom(info.nodes.length);
    if (raised) log(`raised fs.inotify.max_user_instances from ${raised.from} to ${raised.to}: each node's systemd takes some of root's`);
    const layers = new Map<NodeKind, string | undefined>();
    for (const kind of new Set(info.nodes.map((n) => n.kind))) layers.set(kind, await ensureLayer(kind, log));
    await start(info, layers, log);
    const inventory = resolve(opts.workDir, opts.inventoryFile ?? INVENTORY_FILE);
    await mkdir(dirname(inventory), { recursive: true });
    await issueLabSite(info, dirname(inventory));
    info.tls = { certFile: LAB_SITE_CERT, keyFile: LAB_SITE_KEY, serverName: LAB_SITE_NAME };
    await writeFile(STATE_FILE, JSON.stringify(info, null, 2));
    await writeFile(inventory, labInventoryYaml(info, { failover: opts.failover }));
    await waitUntilReachable(info, opts.bootTimeoutMs ?? 120_000, log);
  } catch (e) {
    await teardown(quiet).catch(quiet);
    throw e;
  }
  log(`lab up: ${info.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}; inventory in ${opts.inventoryFile ?? INVENTORY_FILE}`);
  return info;
}

export async function labDown(opts: LabOptions): Promise<void> {
  refuseBadLabId();
  checkHost();
  await teardown(opts.log ?? quiet);
}

export async function labStatus(_opts: LabOptions): Promise<LabStatus> {
  refuseBadLabId();
  checkHost();
  if (!existsSync(STATE_FILE)) return { up: false, nodes: [], backends: [] };
  const info = JSON.parse(await readFile(STATE_FILE, 'utf8')) as LabInfo;
  const nodes = await Promise.all(info.nodes.map(labNodeStatus));
  const backends = await Promise.all(
    info.backends.map(async (b) => ({ ...b, http: (await httpBody(b.address, BACKEND_PORT)) !== undefined })),
  );
  const up = nodes.every((n) => n.running && n.ssh) && backends.every((b) => b.http);
  return { up, subnet: info.subnet, nodes, backends };
}

async function labNodeStatus(node: LabMember & { kind?: NodeKind }): Promise<LabNodeStatus> {
  const pid = await readPid(node.name);
  return {
    name: node.name,
    address: node.address,
    ...(node.kind && { kind: node.kind }),
    running: pid !== undefined && isAlive(pid),
    ssh: await sshAnswers(node.address),
  };
}

async function refuseClash(subnet: string): Promise<void> {
  const { routes, addrs } = await hostRoutesAndAddresses();
  const clash = findClash(labSubnet(subnet), routes, addrs, HOST_LINK);
  if (clash) {
    throw new LabError(`lab subnet ${subnet} overlaps the host's "${clash}": pick a free one with --subnet CIDR`);
  }
}

/**
 * The lab's IPv6 /64 when the host can give it: IPv6 on, and no route or address of the host's
 * covering it (default routes aside). Else the lab runs IPv4 only, and says why.
 */
async function freeSubnet6(log: (s: string) => void): Promise<string | null> {
  if (!existsSync('/proc/sys/net/ipv6')) {
    log('no IPv6 on this host: the lab runs IPv4 only');
    return null;
  }
  const { routes, addrs } = await hostRoutesAndAddresses6();
  const clash = findClash6(DEFAULT_SUBNET6, routes, addrs, HOST_LINK);
  if (clash) {
    log(`the lab's IPv6 subnet ${DEFAULT_SUBNET6} overlaps the host's "${clash}": the lab runs IPv4 only`);
    return null;
  }
  return DEFAULT_SUBNET6;
}

async function start(info: LabInfo, layers: Map<NodeKind, string | undefined>, log: (s: string) => void): Promise<void> {
  const rootPublicKey = await ensureClientKey();
  const rsaPublicKey = info.nodes.some((n) => n.kind === 'legacy-ssh') ? await ensureClientKey('rsa') : rootPublicKey;
  if (info.nodes.some((n) => n.sudoPassword)) await writeFile(SUDO_PASSWORD_FILE, `${LAB_SUDO_PASSWORD}\n`, { mode: 0o600 });
  const cidr = (address: string) => `${address}/${info.prefix}`;
  const cidr6 = (address6: string | undefined) => address6 && `${address6}/${info.subnet6!.split('/')[1]}`;
  log(
    `wiring the lab network ${info.subnet}${info.subnet6 ? ` and ${info.subnet6}` : ''} (host ${HOST_LINK} ${info.hostAddress}${info.hostAddress6 ? ` ${info.hostAddress6}` : ''})`,
  );
  await createSwitch(cidr(info.hostAddress), cidr6(info.hostAddress6));
  const hostKeys = [];
  for (const node of info.nodes) {
    const netns = await attachNamespace(node.name, cidr(node.address), cidr6(node.address6));
    await mountOverlay(node.name, layers.get(node.kind));
    const clientPublicKey = node.kind === 'legacy-ssh' ? rsaPublicKey : rootPublicKey;
    const setup = { name: node.name, kind: node.kind, user: node.user, netns, clientPublicKey, rootPublicKey };
    hostKeys.push({ address: node.address, publicKey: await personalize(setup) });
    await boot(setup);
  }
  await writeKnownHosts(hostKeys);
  for (const backend of info.backends) {
    await attachNamespace(backend.name, cidr(backend.address));
    await startBackend(backend.name);
  }
  log(`booting ${info.nodes.map((n) => (n.kind === 'systemd' ? n.name : `${n.name} (${n.kind})`)).join(', ')}`);
}

async function waitUntilReachable(info: LabInfo, timeoutMs: number, log: (s: string) => void): Promise<void> {
  await Promise.all(info.nodes.map((n) => waitForSsh(n, timeoutMs)));
  for (const b of info.backends) {
    if (!(await waitFor(async () => (await httpBody(b.address, BACKEND_PORT)) !== undefined, 10_000))) {
      throw new LabError(`backend ${b.name} (${b.address}:${BACKEND_PORT}) did not answer: see ${logFile(b.name)}`);
    }
  }
  log('every node answers on ssh, every backend on http');
}

async function waitForSsh(node: LabMember, timeoutMs: number): Promise<void> {
  if (await waitFor(() => sshAnswers(node.address), timeoutMs)) return;
  const pid = await readPid(node.name);
  const why = pid && isAlive(pid) ? `sshd did not answer on ${node.address}:22 within ${timeoutMs / 1000} s` : 'it stopped while booting';
  throw new LabError(`${node.name}: ${why}: see ${logFile(node.name)}`);
}

/** Before anything is booted, stopped or read: a HAOPS_LAB_ID that names no lab. */
function refuseBadLabId(): void {
  const problem = labIdProblem();
  if (problem) throw new LabError(problem);
}

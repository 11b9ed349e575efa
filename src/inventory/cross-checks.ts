// Checks across values, once the schema has passed: hosts that exist, one pair per host, and
// LAN segments without clashes (VRIDs, VIPs, node addresses, compared as numbers). Pure; the
// failover math is the model's (model/failover-checks.ts), secrets are secrets.ts's.
import { closest } from 'fastest-levenshtein';
import { contains, ipToNumber, isIpv4, isNetworkOrBroadcast, type Network, networkSize, parseNetwork } from '../core/ipv4.js';
import { canonical6, contains6, isIpv6, familyOf, ip6ToBigint, networksOverlap6, parseNetwork6, plainAddress } from '../core/ipv6.js';
import { parseNginx } from '../core/nginx-conf.js';
import { type InventoryIssue, issueAt, type Locator, type PathKey } from './errors.js';
import type { HostSpec, Inventory, PairSpec } from './schema.js';
import { familiesOf, instanceVips } from './vips.js';
import { checkSites, type Site, sitesOf } from './sites.js';

/** The node's LAN address: `ip`, else the address when it is an IPv4 literal. */
export function hostIp(h: HostSpec): string | undefined {
  return h.ip ?? (isIpv4(h.address) ? h.address : undefined);
}

/** The node's IPv6 address on the LAN (`ip6`), canonical, or undefined. */
export function hostIp6(h: HostSpec): string | undefined {
  return h.ip6 === undefined ? undefined : canonical6(h.ip6);
}

/** Lookups by a user-given name: own entries only, never Object.prototype's. */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Every way `name` may reach a machine, lowercased: the name, and when it is an inventory host
 * (matched without case, as SSH matches Host names) that host's name, address and LAN ip.
 */
export function hostForms(inv: Pick<Inventory, 'hosts'>, name: string): Set<string> {
  const forms = new Set([name.toLowerCase()]);
  const lower = name.toLowerCase();
  for (const [hname, h] of Object.entries(inv.hosts)) {
    const ip = hostIp(h);
    const ip6 = hostIp6(h);
    if (hname.toLowerCase() === lower || h.address.toLowerCase() === lower || ip === name || (ip6 !== undefined && ip6 === lower)) {
      forms.add(hname.toLowerCase());
      forms.add(h.address.toLowerCase());
      if (ip) forms.add(ip);
      if (ip6) forms.add(ip6);
    }
  }
  return forms;
}

/** Whether two names may be the same machine, by what they resolve to in the inventory. */
export function sameMachine(inv: Pick<Inventory, 'hosts'>, a: string, b: string): boolean {
  const fa = hostForms(inv, a);
  for (const f of hostForms(inv, b)) if (fa.has(f)) return true;
  return false;
}

export function checkInventory(inv: Inventory, locate: Locator): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const add = (path: PathKey[], message: string, fix?: string) => issues.push(issueAt(locate, path, message, fix));
  const hostNames = Object.keys(inv.hosts);

  const pairNodes = new Set(Object.values(inv.pairs).flatMap((p) => p.nodes));
  for (const [hname, h] of Object.entries(inv.hosts)) {
    // Only a pair's nodes need a LAN address; a probe host or a bastion may be a DNS name.
    if (pairNodes.has(hname) && !hostIp(h))
      add(
        ['hosts', hname, 'address'],
        `"${h.address}" is not an IPv4 address, so haops cannot know ${hname}'s LAN address`,
        `add ip: <the address of ${hname} on the pair's interface>`,
      );
    const jump = h.jump ?? inv.ssh.jump;
    if (jump === hname) add(['hosts', hname, 'jump'], `${hname} cannot be its own jump host`, 'name another host, or remove jump:');
  }

  const membership = new Map<string, string[]>();
  const goodPairs: [string, PairSpec][] = [];
  for (const [pname, pair] of Object.entries(inv.pairs)) {
    if (checkPair(inv, pname, pair, add, hostNames)) goodPairs.push([pname, pair]);
    for (const n of pair.nodes) if (own(inv.hosts, n)) membership.set(n, [...(membership.get(n) ?? []), pname]);
  }

  for (const [host, pairs] of membership) {
    if (pairs.length < 2) continue;
    // One keepalived.conf and one nginx site per host: two pairs would overwrite each other's.
    add(
      ['pairs', pairs[1]!, 'nodes'],
      `${host} is in pairs ${pairs.join(' and ')}; a host carries one keepalived.conf, so it can be in one pair only`,
      'make the VIPs instances of one pair (several instances per pair are fine: active-active)',
    );
  }
  checkSegments(inv, goodPairs, add);
  checkSegments6(inv, goodPairs, add);
  checkProbes(inv, add);
  return issues;
}

/** Where a pair's user path is asked from: its own probe:, else the top level's, else this machine. */
export function probeFromOf(inv: Pick<Inventory, 'probe'>, pair: Pick<PairSpec, 'probe'>): string {
  return pair.probe?.from ?? inv.probe?.from ?? 'local';
}

/**
 * A probe host asks the VIP as a client does, so it may not be a node of a pair it probes: from a
 * node, its own VIP answers on loopback and never crosses the LAN.
 */
function checkProbes(inv: Inventory, add: Add): void {
  const settings: [PathKey[], string, [string, PairSpec][]][] = [];
  const inherit = Object.entries(inv.pairs).filter(([, p]) => !p.probe);
  if (inv.probe) settings.push([['probe', 'from'], inv.probe.from, inherit]);
  for (const [pname, p] of Object.entries(inv.pairs))
    if (p.probe) settings.push([['pairs', pname, 'probe', 'from'], p.probe.from, [[pname, p]]]);
  for (const [path, from, pairs] of settings) {
    if ((from === 'local' || from === 'none') && own(inv.hosts, from)) {
      add(
        path,
        `"${from}" here means ${from === 'local' ? 'this machine' : 'no client-side probe'}, not your host named ${from}`,
        `rename the host ${from} to probe from it`,
      );
      continue;
    }
    // By what the names reach, not how they are spelled: a node's address, another case of its
    // name, or another inventory entry for the same address is that node.
    const probed = pairs.filter(([, p]) => p.nodes.some((n) => sameMachine(inv, from, n)));
    if (probed.length)
      add(
        path,
        `${from} is a node of pair ${probed.map(([n]) => n).join(', ')}${probed.some(([, p]) => p.nodes.includes(from)) ? '' : ` (${from} reaches ${probed.flatMap(([, p]) => p.nodes.filter((n) => sameMachine(inv, from, n))).join(', ')})`}: while it holds the VIP a request from it never leaves the node, so it cannot probe as a client does`,
        "name a host on the clients' LAN that is not in this pair (another pair's node, a bastion), or local",
      );
  }
}

type Add = (path: PathKey[], message: string, fix?: string) => void;

/** One pair on its own; false when its nodes are too broken for the segment checks. */
function checkPair(inv: Inventory, pname: string, pair: PairSpec, add: Add, hostNames: string[]): boolean {
  const base: PathKey[] = ['pairs', pname];
  let ok = true;
  pair.nodes.forEach((n, i) => {
    if (!own(inv.hosts, n)) {
      ok = false;
      add(
        [...base, 'nodes', i],
        `"${n}" is not a host of this inventory`,
        hostNames.length ? `did you mean "${closest(n, hostNames)}"? or add it under hosts:` : 'add it under hosts:',
      );
    }
  });
  if (pair.nodes[0] === pair.nodes[1]) {
    add([...base, 'nodes'], `a pair needs two different nodes, got ${pair.nodes[0]} twice`, 'name two different hosts');
    return false;
  }
  checkNginx(pname, pair, add);
  checkNodeSide(pname, pair, add);
  if (!ok) return false;
  const net = parseNetwork(pair.subnet);
  const ips = pair.nodes.map((n) => hostIp(own(inv.hosts, n)!));
  pair.nodes.forEach((n, i) => {
    const ip = ips[i];
    if (!ip) {
      ok = false;
      return;
    }
    const field = own(inv.hosts, n)!.ip ? 'ip' : 'address';
    if (!contains(net, ipToNumber(ip)))
      add(
        ['hosts', n, field],
        `${n}'s address ${ip} is outside pair ${pname}'s subnet ${pair.subnet}`,
        `fix the subnet or give ${n} its address on ${pair.interface} with ip:`,
      );
    const edge = isNetworkOrBroadcast(ip, pair.subnet);
    if (edge)
      add(
        ['hosts', n, field],
        `${n}'s address ${ip} is the ${edge} address of ${pair.subnet}`,
        'give the node a host address of the subnet',
      );
  });
  if (ok && ips[0] === ips[1]) {
    add(
      ['hosts', pair.nodes[1], own(inv.hosts, pair.nodes[1])!.ip ? 'ip' : 'address'],
      `${pair.nodes[0]} and ${pair.nodes[1]} have the same address ${ips[0]}: each would be its own unicast_peer`,
      'give each node its own address on the LAN',
    );
  }
  // VRIDs are per address family (RFC 5798 §5.2.3; keepalived takes one VRID for an IPv4 and an IPv6 instance).
  const vrids = new Map<string, number>();
  const names = new Map<string, number>();
  const vips = new Map<string, number>();
  pair.instances.forEach((inst, idx) => {
    const ip: PathKey[] = [...base, 'instances', idx];
    // Router ids are per address family (an instance with both families is two: one of each).
    for (const family of familiesOf(inst)) {
      const vridKey = `${family}/${inst.virtual_router_id}`;
      const vridBefore = vrids.get(vridKey);
      if (vridBefore !== undefined)
        add(
          [...ip, 'virtual_router_id'],
          `virtual_router_id ${inst.virtual_router_id} is used twice in pair ${pname} (instances[${vridBefore}])`,
          'give every instance its own virtual_router_id',
        );
      vrids.set(vridKey, idx);
    }
    const nameBefore = names.get(inst.name);
    if (nameBefore !== undefined)
      add(
        [...ip, 'name'],
        `instance name ${inst.name} is used twice in pair ${pname} (instances[${nameBefore}])`,
        'give every instance its own name',
      );
    names.set(inst.name, idx);
    if (!pair.nodes.includes(inst.master)) {
      add(
        [...ip, 'master'],
        `master "${inst.master}" is not one of the pair's nodes (${pair.nodes.join(', ')})`,
        `set master: ${closest(inst.master, [...pair.nodes])}`,
      );
    }
    for (const v of instanceVips(inst)) {
      const at: PathKey[] = [...ip, ...v.field];
      const vip = v.address;
      const before = vips.get(vip);
      if (before !== undefined)
        add(
          at,
          `VIP ${vip} is used twice in pair ${pname} (${before === idx ? `twice in instance ${inst.name}` : `instances[${before}]`})`,
          'every VIP belongs to one instance, once',
        );
      vips.set(vip, idx);
      // An IPv6 address: VRRPv3 on the pair's subnet6 (checkVip6).
      if (familyOf(vip) === 6) {
        checkVip6(inv, pname, pair, v.written, at, add);
        continue;
      }
      if (v.dev !== undefined) {
        const bad = interfaceProblem(v.dev);
        if (bad) add([...ip, ...v.field.slice(0, 2), 'dev'], bad.problem, bad.fix);
      }
      // An address on another interface (dev:) is on another LAN: the pair's subnet does not hold it.
      if (v.dev !== undefined && v.dev !== pair.interface) continue;
      if (!contains(net, ipToNumber(vip)))
        add(
          at,
          `VIP ${vip} is outside ${pair.interface}'s subnet ${pair.subnet}: VRRP is first-hop redundancy on one LAN segment`,
          `pick a free address inside ${pair.subnet}${inst.vips ? ', or give it the dev: it lives on' : ''}`,
        );
      if (v.prefixWritten && v.prefix < net.prefix)
        add(
          at,
          `VIP ${v.written} is a /${v.prefix}, wider than pair ${pname}'s subnet ${pair.subnet}: its holder would take the whole /${v.prefix} as on-link on ${pair.interface} and lose its routes to the rest of it`,
          `write the VIP as ${vip}/${net.prefix} (the subnet's prefix) or ${vip} (a /32)`,
        );
      const edge = isNetworkOrBroadcast(vip, pair.subnet);
      if (edge) add(at, `VIP ${vip} is the ${edge} address of ${pair.subnet}`, 'pick a host address inside the subnet');
    }
    if (inst.priorities !== 'derive') {
      const keys = Object.keys(inst.priorities);
      for (const k of keys)
        if (!pair.nodes.includes(k))
          add([...ip, 'priorities', k], `"${k}" is not a node of pair ${pname}`, `name the pair's nodes: ${pair.nodes.join(', ')}`);
      for (const n of pair.nodes)
        if (!Object.hasOwn(inst.priorities, n))
          add([...ip, 'priorities'], `no priority for ${n}`, `add ${n}: <1..254>, or write priorities: derive`);
    }
  });
  return ok;
}

/**
 * An IPv6 instance: keepalived runs it as VRRPv3 from the nodes' IPv6 addresses, so both nodes
 * need ip6 and the pair subnet6; the VIP lies inside subnet6, no wider, and is no node's address.
 */
function checkVip6(inv: Inventory, pname: string, pair: PairSpec, written: string, at: PathKey[], add: Add): void {
  const vip = plainAddress(written);
  let complete = true;
  if (pair.subnet6 === undefined) {
    complete = false;
    add(
      at,
      `VIP ${vip} is IPv6, but pair ${pname} has no subnet6: haops cannot check the VIP is on ${pair.interface}'s IPv6 LAN`,
      `add subnet6: <the IPv6 network of ${pair.interface}> to pair ${pname}, like subnet6: 2001:db8::/64`,
    );
  }
  for (const n of pair.nodes) {
    if (!hostIp6(own(inv.hosts, n)!)) {
      complete = false;
      add(
        at,
        `VIP ${vip} is IPv6, but ${n} has no ip6: keepalived sends IPv6 adverts from each node's IPv6 address (unicast_src_ip, unicast_peer)`,
        `add ip6: <${n}'s IPv6 address on ${pair.interface}> under hosts.${n}, like ip6: 2001:db8::11`,
      );
    }
  }
  if (!complete) return;
  const net = parseNetwork6(pair.subnet6!);
  if (!contains6(net, ip6ToBigint(vip)))
    add(
      at,
      `VIP ${vip} is outside ${pair.interface}'s IPv6 subnet ${pair.subnet6}: VRRP is first-hop redundancy on one LAN segment`,
      `pick a free address inside ${pair.subnet6}`,
    );
  else if (ip6ToBigint(vip) === net.base)
    add(
      at,
      `VIP ${vip} is the Subnet-Router anycast address of ${pair.subnet6} (RFC 4291 §2.6.1)`,
      'pick a host address inside the subnet',
    );
  const vipPrefix = written.includes('/') ? Number(written.split('/')[1]) : 128;
  if (vipPrefix < net.prefix)
    add(
      at,
      `VIP ${written} is a /${vipPrefix}, wider than pair ${pname}'s subnet6 ${pair.subnet6}`,
      `write the VIP as ${vip}/${net.prefix} (the subnet's prefix) or ${vip} (a /128)`,
    );
  for (const n of pair.nodes)
    if (hostIp6(own(inv.hosts, n)!) === vip) add(at, `VIP ${vip} is ${n}'s own ip6`, 'pick a free address that no node owns');
}

/** The nodes' ip6 of a pair with subnet6: inside it, and two different addresses. */
function checkNodes6(inv: Inventory, pname: string, pair: PairSpec, add: Add): void {
  if (pair.subnet6 === undefined) return;
  const net = parseNetwork6(pair.subnet6);
  const seen = new Map<string, string>();
  for (const n of pair.nodes) {
    const ip6 = hostIp6(own(inv.hosts, n)!);
    if (!ip6) continue;
    if (!contains6(net, ip6ToBigint(ip6)))
      add(
        ['hosts', n, 'ip6'],
        `${n}'s ip6 ${ip6} is outside pair ${pname}'s subnet6 ${pair.subnet6}`,
        `fix subnet6, or give ${n} its IPv6 address on ${pair.interface}`,
      );
    const other = seen.get(ip6);
    if (other)
      add(
        ['hosts', n, 'ip6'],
        `${other} and ${n} have the same ip6 ${ip6}: each would be its own unicast_peer`,
        'give each node its own IPv6 address on the LAN',
      );
    seen.set(ip6, n);
  }
}

/**
 * Pairs whose subnet6 overlap share an IPv6 segment: a VIP there may be no node's ip6 and belongs
 * to one pair; VRIDs of IPv6 instances are unique between pairs without a common node.
 */
function checkSegments6(inv: Inventory, pairs: [string, PairSpec][], add: Add): void {
  const with6 = pairs.filter(([, p]) => p.subnet6 !== undefined);
  for (const [pname, pair] of with6) checkNodes6(inv, pname, pair, add);
  const nodeAt = new Map<string, { node: string; net: string }>();
  for (const [, p] of with6)
    for (const n of p.nodes) {
      const ip6 = hostIp6(own(inv.hosts, n)!);
      if (ip6) nodeAt.set(ip6, { node: n, net: p.subnet6! });
    }
  const vipAt = new Map<string, { pair: string; instance: string; net: string }>();
  const vridAt: { pair: string; spec: PairSpec; instance: string; vrid: number }[] = [];
  for (const [pname, p] of with6) {
    const net = parseNetwork6(p.subnet6!);
    const same = (other: string) => networksOverlap6(net, parseNetwork6(other));
    p.instances.forEach((inst, idx) => {
      if (!familiesOf(inst).has(6)) return;
      const path: PathKey[] = ['pairs', pname, 'instances', idx];
      for (const v of instanceVips(inst)) {
        if (familyOf(v.address) !== 6) continue;
        const vip = v.address;
        const at: PathKey[] = [...path, ...v.field];
        const owner = nodeAt.get(vip);
        if (owner && !p.nodes.includes(owner.node) && same(owner.net))
          add(at, `VIP ${vip} is ${owner.node}'s own ip6`, 'pick a free address that no node owns');
        const clash = vipAt.get(vip);
        if (clash && clash.pair !== pname && same(clash.net))
          add(at, `VIP ${vip} is also pair ${clash.pair}'s (instance ${clash.instance})`, 'every VIP belongs to one instance');
        if (!clash) vipAt.set(vip, { pair: pname, instance: inst.name, net: p.subnet6! });
      }
      const vrid = vridAt.find(
        (v) =>
          v.vrid === inst.virtual_router_id && v.pair !== pname && same(v.spec.subnet6!) && !p.nodes.some((n) => v.spec.nodes.includes(n)),
      );
      if (vrid)
        add(
          [...path, 'virtual_router_id'],
          `virtual_router_id ${inst.virtual_router_id} is also used by pair ${vrid.pair}'s IPv6 instance ${vrid.instance} on the same segment ${vrid.spec.subnet6}`,
          'every VRRP group on one LAN needs its own virtual_router_id',
        );
      vridAt.push({ pair: pname, spec: p, instance: inst.name, vrid: inst.virtual_router_id });
    });
  }
}

interface SegmentPair {
  name: string;
  spec: PairSpec;
  net: Network;
}

/**
 * Pairs whose subnets overlap share a LAN segment: VRIDs (between pairs without a common node),
 * VIPs and node addresses must be unique on it, and no VIP may be any node's address. CIDR blocks
 * either nest or are disjoint, so one sweep over the sorted blocks finds the segments.
 */
function checkSegments(inv: Inventory, pairs: [string, PairSpec][], add: Add): void {
  const sorted: SegmentPair[] = pairs
    .map(([name, spec]) => ({ name, spec, net: parseNetwork(spec.subnet) }))
    .sort((a, b) => a.net.base - b.net.base || a.net.prefix - b.net.prefix);
  let segment: SegmentPair[] = [];
  let end = -1;
  for (const p of sorted) {
    if (p.net.base >= end && segment.length) {
      checkSegment(inv, segment, add);
      segment = [];
    }
    segment.push(p);
    end = Math.max(end, p.net.base + networkSize(p.net));
  }
  if (segment.length) checkSegment(inv, segment, add);
}

function checkSegment(inv: Inventory, segment: SegmentPair[], add: Add): void {
  // Node addresses first: a VIP may not take one, and two nodes may not share one.
  const nodeAt = new Map<number, string>();
  for (const p of segment) {
    for (const n of p.spec.nodes) {
      const ip = ipToNumber(hostIp(own(inv.hosts, n)!)!);
      const other = nodeAt.get(ip);
      if (other !== undefined && other !== n && !p.spec.nodes.includes(other)) {
        add(
          ['hosts', n, own(inv.hosts, n)!.ip ? 'ip' : 'address'],
          `${n} has the same address as ${other} on one LAN segment`,
          'give every node its own address',
        );
      }
      nodeAt.set(ip, n);
    }
  }
  const vridAt = new Map<number, { pair: SegmentPair; instance: string }>();
  const vipAt = new Map<number, { pair: string; instance: string }>();
  for (const p of segment) {
    p.spec.instances.forEach((inst, idx) => {
      if (!familiesOf(inst).has(4)) return; // IPv6 only: checkSegments6
      const path: PathKey[] = ['pairs', p.name, 'instances', idx];
      for (const v of instanceVips(inst)) {
        if (familyOf(v.address) === 6) continue; // checkSegments6
        const at: PathKey[] = [...path, ...v.field];
        const vip = v.address;
        const vipN = ipToNumber(vip);
        const owner = nodeAt.get(vipN);
        if (owner !== undefined) add(at, `VIP ${vip} is ${owner}'s own address`, 'pick a free address that no node owns');
        const vipClash = vipAt.get(vipN);
        if (vipClash && vipClash.pair !== p.name)
          add(at, `VIP ${vip} is also pair ${vipClash.pair}'s (instance ${vipClash.instance})`, 'every VIP belongs to one instance');
        if (!vipClash) vipAt.set(vipN, { pair: p.name, instance: inst.name });
      }
      const vridClash = vridAt.get(inst.virtual_router_id);
      if (vridClash && vridClash.pair !== p && !p.spec.nodes.some((n) => vridClash.pair.spec.nodes.includes(n))) {
        add(
          [...path, 'virtual_router_id'],
          `virtual_router_id ${inst.virtual_router_id} is also used by pair ${vridClash.pair.name} (instance ${vridClash.instance}) on the same segment ${vridClash.pair.spec.subnet}`,
          'every VRRP group on one LAN needs its own virtual_router_id',
        );
      }
      if (!vridClash) vridAt.set(inst.virtual_router_id, { pair: p, instance: inst.name });
    });
  }
}

/** The locations haops's own server block has: an extra entry may not give nginx a second one. */
const RENDERED_LOCATIONS = [
  { key: 'exact /haops-health', why: 'haops answers its health checks there' },
  { key: 'prefix /', why: 'haops proxies every path to the first upstream there' },
];

/** How nginx files a location for its duplicate check: exact and prefix (plain or ^~) by URI, named by name; regexes never clash. */
function locationKey(args: string[]): string | undefined {
  const [a, b] = args;
  if (a === undefined) return undefined;
  if (a === '=' && b !== undefined) return `exact ${b}`;
  if (a === '^~' && b !== undefined) return `prefix ${b}`;
  if (a === '~' || a === '~*') return undefined;
  if (a.startsWith('=')) return `exact ${a.slice(1)}`;
  if (a.startsWith('^~')) return `prefix ${a.slice(2)}`;
  if (a.startsWith('~')) return undefined;
  if (a.startsWith('@')) return `named ${a}`;
  return `prefix ${a}`;
}

/** What a listen binds, as nginx compares them: wildcard and 0.0.0.0 are one address, port 80 by default. */
function listenKey(arg: string): string | undefined {
  if (/^\d+$/.test(arg)) return `*:${arg}`;
  const v6 = /^\[([0-9A-Fa-f:]+)\](?::(\d+))?$/.exec(arg);
  if (v6) return isIpv6(v6[1]!) ? `[${canonical6(v6[1]!)}]:${v6[2] ?? '80'}` : undefined;
  const m = /^(\*|[0-9.]+)(?::(\d+))?$/.exec(arg);
  if (!m) return undefined;
  return `${m[1] === '0.0.0.0' ? '*' : m[1]}:${m[2] ?? '80'}`;
}

/**
 * What `nginx -t` refuses in the site haops renders, found before deploy: two upstreams of one
 * name, a location haops already renders (or two extra entries with one location), a listen on
 * the address and port the site already listens on.
 */
function checkNginx(pname: string, pair: PairSpec, add: Add): void {
  const base: PathKey[] = ['pairs', pname, 'nginx'];
  const upstreams = new Map<string, number>();
  pair.nginx.upstreams.forEach((u, i) => {
    const before = upstreams.get(u.name);
    if (before !== undefined)
      add(
        [...base, 'upstreams', i, 'name'],
        `upstream ${u.name} is defined twice (upstreams[${before}]); nginx -t refuses a duplicate upstream`,
        'give every upstream its own name, or list all its servers under one',
      );
    else upstreams.set(u.name, i);
  });
  checkSites(pname, pair.nginx, add);
  // Each site is a server block of its own: its extra lines meet haops's locations and listens there.
  const v6 = pair.instances.some((i) => familiesOf(i).has(6));
  for (const site of sitesOf(pname, pair.nginx)) checkSiteExtra(site, pair.nginx.listen, v6, add);
}

function checkSiteExtra(site: Site, port: number, v6: boolean, add: Add): void {
  const locations = new Map<string, string>(RENDERED_LOCATIONS.map((l) => [l.key, `haops's own (${l.why})`]));
  const listens = new Map<string, string>([[`*:${port}`, `nginx.listen: ${port}`]]);
  // A pair with an IPv6 VIP listens on [::]:PORT too (render/nginx.ts).
  if (v6) listens.set(`[::]:${port}`, `nginx.listen: ${port} (on IPv6, for the IPv6 VIP)`);
  site.extra.forEach((line, i) => {
    const parsed = parseNginx(line);
    if (!parsed.ok) return;
    for (const st of parsed.statements) {
      const args = st.args.map((a) => a.value);
      if (st.name.value === 'location' && st.block) {
        const key = locationKey(args);
        if (!key) continue;
        const before = locations.get(key);
        if (before)
          add(
            [...site.at, 'extra', i],
            `location ${args.join(' ')} is already in the server block: ${before}; nginx -t refuses a duplicate location`,
            key === 'prefix /'
              ? "set what you need for / with other extra directives at server level (they apply to haops's location / too), or proxy a narrower path"
              : 'use another path, or put the directives in the one location',
          );
        else locations.set(key, `extra[${i}]`);
      }
      if (st.name.value === 'listen' && args[0]) {
        const key = listenKey(args[0]);
        if (!key) continue;
        const before = listens.get(key);
        if (before)
          add(
            [...site.at, 'extra', i],
            `listen ${args[0]} binds ${key.replace('*', 'every address')}, as ${before} already does; nginx -t refuses a duplicate listen`,
            `remove it (the site already listens there), or listen on another port`,
          );
        else listens.set(key, `extra[${i}]`);
      }
    }
  });
}

/** Names haops gives its own keepalived scripts and trackers (haops_drain, haops_nginx, and any it adds). */
export const RESERVED_PREFIX = 'haops_';

/**
 * An interface name the schema lets through that is no device for a VIP: all, default (the
 * kernel's sysctl trees), lo (VRRP needs a LAN; a VIP there never reaches a client).
 */
export function interfaceProblem(iface: string): { problem: string; fix: string } | undefined {
  if (!['all', 'default'].includes(iface.toLowerCase()) && iface !== 'lo' && !iface.startsWith('lo:')) return undefined;
  return {
    problem: iface.startsWith('lo')
      ? `interface ${iface} is the loopback: VRRP adverts on it never reach the peer, so both nodes would hold the VIP`
      : `interface ${iface} is not a network device: Linux keeps "all" and "default" for settings of every interface (/proc/sys/net/ipv4/conf/${iface})`,
    fix: "name the NIC on the pair's LAN, as `ip -br addr` shows it on the node (like eth0 or ens192)",
  };
}

/**
 * Values the schema lets through that the node would not take: a check named like haops's own
 * trackers (keepalived 1.x keeps one of two blocks of one name, silently), an interface name that
 * is no device (all, default: the kernel's sysctl trees; lo: VRRP needs a LAN), and a notify
 * command or check that runs the notify script itself (the script then starts itself once per
 * phone number, per state change, for ever).
 */
function checkNodeSide(pname: string, pair: PairSpec, add: Add): void {
  const base: PathKey[] = ['pairs', pname];
  if (pair.check.name.toLowerCase().startsWith(RESERVED_PREFIX))
    add(
      [...base, 'check', 'name'],
      `check name ${pair.check.name} starts with ${RESERVED_PREFIX}, which haops keeps for its own trackers (haops_drain, haops_nginx)`,
      'name the check something else, like chk_nginx',
    );
  const bad = interfaceProblem(pair.interface);
  if (bad) add([...base, 'interface'], bad.problem, bad.fix);
  const script = pair.notify.script;
  const loops: [PathKey[], string | undefined, string][] = [
    [[...base, 'notify', 'sms', 'command'], pair.notify.sms?.command, 'notify.sms.command'],
    [[...base, 'check', 'script'], pair.check.script?.split(' ')[0], 'check.script'],
  ];
  for (const [path, command, what] of loops) {
    if (command === undefined) continue;
    if (command === script)
      add(
        path,
        `${what} runs ${command}, which is the notify script: each run would start it again (once per phone number, per run), without end`,
        `point ${what} at the program that sends the message (like /usr/local/bin/send-sms), never at notify.script`,
      );
    else if (command === pair.notify.log)
      add(path, `${what} runs ${command}, which is the notify log haops appends to`, `point ${what} at a program, not at notify.log`);
  }
}

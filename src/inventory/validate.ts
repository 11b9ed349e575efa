// Checks across values, once the schema has passed: hosts that exist, segments without VRID or
// VIP clashes, addresses in their subnet, secrets that resolve, and failover math that works.
import { closest } from 'fastest-levenshtein';
import type { InventoryIssue } from './errors.js';
import { formatPath } from './errors.js';
import type { Locator, PathKey } from './load.js';
import type { Inventory } from './schema.js';
import { resolveSecret } from './secrets.js';
import { hostIp, instancePriorities, vipAddress } from '../model/derive.js';
import { scenarios, smallestFixes } from '../model/failover.js';

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const b = Number(bits);
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return ((ipToNumber(ip) & mask) >>> 0) === ((ipToNumber(net!) & mask) >>> 0);
}

export function subnetsOverlap(a: string, b: string): boolean {
  return inSubnet(a.split('/')[0]!, b) || inSubnet(b.split('/')[0]!, a);
}

export function checkInventory(inv: Inventory, locate: Locator, env: NodeJS.ProcessEnv, failoverMath = true): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const add = (path: PathKey[], message: string, fix?: string) => issues.push({ file: locate.file, ...locate.at(path), path: formatPath(path), message, fix });
  const hostNames = Object.keys(inv.hosts);

  for (const [hname, h] of Object.entries(inv.hosts)) {
    if (!hostIp(h)) add(['hosts', hname, 'address'], `"${h.address}" is not an IPv4 address, so haops cannot know ${hname}'s LAN address`, `add ip: <the address of ${hname} on the pair's interface>`);
    const sudo = h.sudo ?? inv.ssh.sudo;
    if (sudo && typeof sudo === 'object') {
      const r = resolveSecret(sudo, locate.file, env);
      if (!r.ok) add(h.sudo ? ['hosts', hname, 'sudo'] : ['ssh', 'sudo'], `sudo password: ${r.message}`, r.fix);
    }
  }

  const membership = new Map<string, string[]>();
  for (const [pname, pair] of Object.entries(inv.pairs)) {
    const base: PathKey[] = ['pairs', pname];
    let nodesOk = true;
    pair.nodes.forEach((n, i) => {
      if (!inv.hosts[n]) {
        nodesOk = false;
        add([...base, 'nodes', i], `"${n}" is not a host of this inventory`, hostNames.length ? `did you mean "${closest(n, hostNames)}"? or add it under hosts:` : 'add it under hosts:');
      } else membership.set(n, [...(membership.get(n) ?? []), pname]);
    });
    if (pair.nodes[0] === pair.nodes[1]) {
      add([...base, 'nodes'], `a pair needs two different nodes, got ${pair.nodes[0]} twice`, 'name two different hosts');
      nodesOk = false;
    }
    if (!nodesOk) continue;
    for (const n of pair.nodes) {
      const ip = hostIp(inv.hosts[n]!);
      if (ip && !inSubnet(ip, pair.subnet)) add(['hosts', n, inv.hosts[n]!.ip ? 'ip' : 'address'], `${n}'s address ${ip} is outside pair ${pname}'s subnet ${pair.subnet}`, `fix the subnet or give ${n} its address on ${pair.interface} with ip:`);
    }
    const vrids = new Map<number, number>();
    const names = new Map<string, number>();
    pair.instances.forEach((inst, idx) => {
      const ip: PathKey[] = [...base, 'instances', idx];
      if (vrids.has(inst.virtual_router_id)) add([...ip, 'virtual_router_id'], `virtual_router_id ${inst.virtual_router_id} is used twice in pair ${pname} (instances[${vrids.get(inst.virtual_router_id)}])`, 'give every instance its own virtual_router_id');
      vrids.set(inst.virtual_router_id, idx);
      if (names.has(inst.name)) add([...ip, 'name'], `instance name ${inst.name} is used twice in pair ${pname}`, 'give every instance its own name');
      names.set(inst.name, idx);
      if (!pair.nodes.includes(inst.master)) {
        add([...ip, 'master'], `master "${inst.master}" is not one of the pair's nodes (${pair.nodes.join(', ')})`, `set master: ${closest(inst.master, pair.nodes)}`);
        return;
      }
      const vip = vipAddress(inst.vip);
      if (!inSubnet(vip, pair.subnet)) add([...ip, 'vip'], `VIP ${vip} is outside ${pair.interface}'s subnet ${pair.subnet}: VRRP is first-hop redundancy on one LAN segment`, `pick a free address inside ${pair.subnet}`);
      for (const n of pair.nodes) if (hostIp(inv.hosts[n]!) === vip) add([...ip, 'vip'], `VIP ${vip} is ${n}'s own address`, 'pick a free address that no node owns');
      if (inst.priorities !== 'derive') {
        const keys = Object.keys(inst.priorities);
        for (const k of keys) if (!pair.nodes.includes(k)) add([...ip, 'priorities', k], `"${k}" is not a node of pair ${pname}`, `name the pair's nodes: ${pair.nodes.join(', ')}`);
        for (const n of pair.nodes) if (!keys.includes(n)) add([...ip, 'priorities'], `no priority for ${n}`, `add ${n}: <1..254>, or write priorities: derive`);
        if (!pair.nodes.every((n) => keys.includes(n))) return;
      }
      const auth = inst.authentication;
      if (auth) {
        const r = resolveSecret(auth, locate.file, env);
        if (!r.ok) add([...ip, 'authentication'], `VRRP password: ${r.message}`, r.fix);
        else if (auth.type === 'PASS' && r.value.length > 8) add([...ip, 'authentication', auth.password !== undefined ? 'password' : 'password_env'], `PASS password is ${r.value.length} characters; keepalived silently uses only the first 8`, 'use at most 8 characters');
        else if (/[\s"'\\#!{}]/.test(r.value)) add([...ip, 'authentication'], 'VRRP password holds a space, quote, backslash, #, ! or brace, which keepalived.conf cannot carry', 'use letters, digits and simple punctuation');
      }
      const prios = instancePriorities(inst, pair.nodes as [string, string], pair.check.weight);
      if (!prios) {
        add([...base, 'check', 'weight'], `priorities: derive cannot work with weight ${pair.check.weight}: a change of 1 cannot beat a lower priority strictly`, 'use weight 2 (or more), 0 (FAULT), or give priorities by hand');
        return;
      }
      const backup = pair.nodes.find((n) => n !== inst.master)!;
      const math = {
        master: { name: inst.master, priority: prios[inst.master]!, ip: hostIp(inv.hosts[inst.master]!) ?? '0.0.0.0' },
        backup: { name: backup, priority: prios[backup]!, ip: hostIp(inv.hosts[backup]!) ?? '0.0.0.0' },
        weight: pair.check.weight,
        nopreempt: inst.nopreempt,
      };
      const broken = failoverMath ? scenarios(math).filter((s) => s.problem) : [];
      if (broken.length) {
        const s = broken[0]!;
        const fixes = smallestFixes(math);
        add(
          inst.priorities === 'derive' ? [...base, 'check', 'weight'] : [...ip, 'priorities'],
          `instance ${inst.name}: ${s.problem} (${s.scenario}: ${inst.master} ${s.master.fault ? 'FAULT' : s.master.priority} vs ${backup} ${s.backup.fault ? 'FAULT' : s.backup.priority}, weight ${pair.check.weight}${inst.nopreempt ? ', nopreempt' : ''})`,
          fixes.length ? fixes.join('; or ') : 'see `haops plan`',
        );
      }
    });
  }

  for (const [host, pairs] of membership) {
    if (pairs.length < 2) continue;
    const seen = new Map<number, string>();
    let clash = false;
    for (const p of pairs) {
      for (const inst of inv.pairs[p]!.instances) {
        const other = seen.get(inst.virtual_router_id);
        if (other) {
          clash = true;
          add(['pairs', p, 'nodes'], `${host} is in pairs ${other} and ${p}, which both use virtual_router_id ${inst.virtual_router_id}`, 'give every instance on a host its own virtual_router_id');
        }
        seen.set(inst.virtual_router_id, p);
      }
    }
    // One keepalived.conf and one nginx site per host: two pairs would overwrite each other's.
    if (!clash) add(['pairs', pairs[1]!, 'nodes'], `${host} is in pairs ${pairs.join(' and ')}; a host carries one keepalived.conf, so it can be in one pair only`, `make the VIPs instances of one pair (several instances per pair are fine: active-active)`);
  }

  // One LAN segment = overlapping subnets: VRIDs and VIPs must be unique across its pairs.
  const entries = Object.entries(inv.pairs);
  for (let a = 0; a < entries.length; a++) {
    for (let b = a + 1; b < entries.length; b++) {
      const [an, ap] = entries[a]!;
      const [bn, bp] = entries[b]!;
      if (!subnetsOverlap(ap.subnet, bp.subnet)) continue;
      bp.instances.forEach((bi, idx) => {
        const clash = ap.instances.find((ai) => ai.virtual_router_id === bi.virtual_router_id);
        if (clash && !bp.nodes.some((n) => ap.nodes.includes(n))) add(['pairs', bn, 'instances', idx, 'virtual_router_id'], `virtual_router_id ${bi.virtual_router_id} is also used by pair ${an} (instance ${clash.name}) on the same segment ${ap.subnet}`, 'every VRRP group on one LAN needs its own virtual_router_id');
        const vipClash = ap.instances.find((ai) => vipAddress(ai.vip) === vipAddress(bi.vip));
        if (vipClash) add(['pairs', bn, 'instances', idx, 'vip'], `VIP ${vipAddress(bi.vip)} is also pair ${an}'s (instance ${vipClash.name})`, 'every VIP belongs to one instance');
      });
    }
  }
  return issues;
}

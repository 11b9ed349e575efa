// From one pair description to each node's VRRP settings: state, priority, router_id,
// unicast_src_ip and unicast_peer are computed here, never typed twice. Pure.
import type { CheckSpec, HostSpec, Inventory, InstanceSpec, NotifySpec, PairSpec } from '../inventory/schema.js';
import { resolveSecret } from '../inventory/secrets.js';
import { derivePriorities, type InstanceMath } from './failover.js';

export interface NodeInstance {
  name: string;
  state: 'MASTER' | 'BACKUP';
  priority: number;
  virtualRouterId: number;
  interface: string;
  srcIp: string;
  peerIp: string;
  vip: string;
  advertInt: number;
  nopreempt: boolean;
  garpMasterDelay?: number;
  auth?: { type: 'PASS' | 'AH'; password: string };
}

export interface NodeModel {
  host: string;
  pair: string;
  routerId: string;
  ip: string;
  peer: string;
  instances: NodeInstance[];
  check: CheckSpec;
  notify: NotifySpec;
  nginx: PairSpec['nginx'];
  scriptUser?: string;
}

export interface PairInstance {
  spec: InstanceSpec;
  master: string;
  backup: string;
  priorities: Record<string, number>;
  math: InstanceMath;
}

export interface PairModel {
  name: string;
  nodes: [string, string];
  spec: PairSpec;
  instances: PairInstance[];
}

export interface Model {
  pairs: PairModel[];
  nodes: NodeModel[];
  hosts: Record<string, HostSpec>;
  /** Every secret value in play, for masking output. */
  secrets: string[];
}

/** The node's LAN address: `ip`, else the address when it is an IPv4 literal. */
export function hostIp(h: HostSpec): string | undefined {
  return h.ip ?? (/^\d+\.\d+\.\d+\.\d+$/.test(h.address) ? h.address : undefined);
}

export function vipAddress(vip: string): string {
  return vip.split('/')[0]!;
}

export function instancePriorities(spec: InstanceSpec, nodes: [string, string], weight: number): Record<string, number> | null {
  const backup = nodes.find((n) => n !== spec.master)!;
  if (spec.priorities !== 'derive') return spec.priorities;
  const d = derivePriorities(weight);
  return d ? { [spec.master]: d.master, [backup]: d.backup } : null;
}

export function buildModel(inv: Inventory, file: string, env: NodeJS.ProcessEnv): Model {
  const secrets = new Set<string>();
  const pairs: PairModel[] = [];
  const nodes: NodeModel[] = [];
  for (const [pairName, spec] of Object.entries(inv.pairs)) {
    const pairNodes = spec.nodes as [string, string];
    const instances: PairInstance[] = spec.instances.map((i) => {
      const backup = pairNodes.find((n) => n !== i.master)!;
      const priorities = instancePriorities(i, pairNodes, spec.check.weight) ?? { [i.master]: 200, [backup]: 199 };
      return {
        spec: i,
        master: i.master,
        backup,
        priorities,
        math: {
          master: { name: i.master, priority: priorities[i.master]!, ip: hostIp(inv.hosts[i.master]!)! },
          backup: { name: backup, priority: priorities[backup]!, ip: hostIp(inv.hosts[backup]!)! },
          weight: spec.check.weight,
          nopreempt: i.nopreempt,
        },
      };
    });
    pairs.push({ name: pairName, nodes: pairNodes, spec, instances });
    for (const host of pairNodes) {
      const peer = pairNodes.find((n) => n !== host)!;
      const ip = hostIp(inv.hosts[host]!)!;
      const peerIp = hostIp(inv.hosts[peer]!)!;
      nodes.push({
        host,
        pair: pairName,
        routerId: host,
        ip,
        peer,
        check: spec.check,
        notify: spec.notify,
        nginx: spec.nginx,
        scriptUser: spec.script_user,
        instances: instances.map((pi) => {
          const i = pi.spec;
          let auth: NodeInstance['auth'];
          if (i.authentication) {
            const r = resolveSecret(i.authentication, file, env);
            const password = r.ok ? r.value : '';
            if (password) secrets.add(password);
            auth = { type: i.authentication.type, password };
          }
          return {
            name: i.name,
            // nopreempt only works when every node starts as BACKUP (keepalived.conf(5)).
            state: i.nopreempt || host !== i.master ? 'BACKUP' : 'MASTER',
            priority: pi.priorities[host]!,
            virtualRouterId: i.virtual_router_id,
            interface: spec.interface,
            srcIp: ip,
            peerIp,
            vip: i.vip,
            advertInt: i.advert_int,
            nopreempt: i.nopreempt,
            garpMasterDelay: i.garp_master_delay,
            auth,
          };
        }),
      });
    }
  }
  for (const h of Object.values(inv.hosts)) {
    const s = h.sudo ?? inv.ssh.sudo;
    if (s && typeof s === 'object') {
      const r = resolveSecret(s, file, env);
      if (r.ok && r.value) secrets.add(r.value);
    }
  }
  return { pairs, nodes, hosts: inv.hosts, secrets: [...secrets] };
}

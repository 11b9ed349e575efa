// What an EL node should have beyond packages (ElWanted) and what it has (ElFacts): firewall,
// SELinux, EPEL, a sysctl. Shared vocabulary of facts/el.ts (probes, parsers) and ops/el.ts.

/** What the EL operations want of a node (derived from the pair; see ops/el.ts). */
export interface ElWanted {
  /** The VRRP interface, its peers (unicast) and whether adverts carry AH. */
  vrrp: { interface: string; peers: string[]; ah: boolean };
  /** haops opens the firewall for VRRP and the port (inventory `manage_firewall`, default true). */
  firewall: boolean;
  /** nginx's listen port (TCP), reached by clients through the VIP. */
  listenPort: number;
  /** nginx proxies to upstream servers (needs httpd_can_network_connect under SELinux). */
  upstreams: boolean;
  /** keepalived's notify script: runs confined unless labelled or under /usr/libexec/keepalived/. */
  notifyScript: string;
  /**
   * keepalived's check command (killall -0 cannot signal nginx under enforcing); null when the pair
   * asks for track_process, whose fit is known only once keepalived's version is (the rendered
   * keepalived.conf then says whether a script runs).
   */
  checkScript: string | null;
  /** nginx binds the VIP address itself (needs net.ipv4.ip_nonlocal_bind=1 on the BACKUP). */
  bindsVip: boolean;
  /** Archive mirrors for an end-of-life CentOS (inventory `el_archive`). */
  archive?: { centos: string; epel?: string };
  /** nginx is among the packages (EPEL on EL6/7). */
  nginx: boolean;
}

export type FirewallFacts =
  | { kind: 'none' }
  | {
      kind: 'firewalld';
      zone: string;
      runtime: ZoneFacts;
      permanent: ZoneFacts;
    }
  | { kind: 'iptables' /** `iptables -S INPUT` */; live: string[] /** INPUT rules of /etc/sysconfig/iptables */; saved: string[] };

export interface ZoneFacts {
  target: string;
  services: string[];
  ports: string[];
  protocols: string[];
  richRules: string[];
}

export interface SelinuxFacts {
  mode: 'enforcing' | 'permissive' | 'disabled';
  /** semanage is installed (policycoreutils-python[-utils]). */
  semanage: boolean;
  /** Per path: the type it has now (null: absent) and the type the policy gives it. */
  contexts: Record<string, { actual: string | null; policy: string | null }>;
  booleans: Record<string, boolean>;
  /** Port -> the SELinux port types that list it (tcp), from `semanage port -l`; null when not asked or no semanage. */
  portTypes: Record<number, string[]> | null;
}

export interface ElFacts {
  firewall: FirewallFacts;
  selinux: SelinuxFacts;
  /** epel-release is installed. */
  epel: boolean;
  /** `sysctl -n net.ipv4.ip_nonlocal_bind` (null when unread). */
  nonlocalBind: string | null;
}

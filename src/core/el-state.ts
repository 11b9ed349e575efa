// What an EL node should have beyond packages (ElWanted) and what it has (ElFacts): firewall,
// SELinux, EPEL, a sysctl. Shared vocabulary of facts/el.ts (probes, parsers) and ops/el.ts.

/** What the EL operations want of a node (derived from the pair; see ops/el.ts). */
export interface ElWanted {
  /** The VRRP interface, its peers (unicast) and whether adverts carry AH. */
  vrrp: { interface: string; peers: string[]; ah: boolean };
  /** haops opens the firewall for VRRP and the port (inventory `manage_firewall`, default true). */
  firewall: boolean;
  /** nginx's listen ports (TCP: the site's, then its TLS port), reached by clients through the VIP. */
  listenPorts: number[];
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
  /** The nginx module stream to install from on EL8/9 (inventory `el_nginx_stream`); unset: the node's default. */
  nginxStream?: string;
}

export type FirewallFacts =
  /** `stopped`: firewalld is installed but not running (nothing filters now; its zone will once started). */
  | { kind: 'none'; stopped?: 'firewalld' }
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
  /**
   * Per path: the type it has now (null: absent) and the type the policy gives it. Asked for the
   * notify script, keepalived's binary (keepalived_exec_t: the policy confines keepalived) and
   * /usr/libexec/keepalived (keepalived_unconfined_script_exec_t: the policy has that type).
   */
  contexts: Record<string, { actual: string | null; policy: string | null }>;
  booleans: Record<string, boolean>;
  /** Port -> the SELinux port types that list it (tcp), from `semanage port -l`; null when not asked or no semanage. */
  portTypes: Record<number, string[]> | null;
}

/** The nginx module on EL8/9 (dnf): how the installed nginx was built, or the streams on offer. */
export type ModuleFacts =
  /** No dnf (EL6/7, Debian), or not asked. */
  | { kind: 'none' }
  /** nginx is installed; `stream` from its MODULARITYLABEL (null: built outside any module stream). */
  | { kind: 'installed'; stream: string | null }
  /** `dnf module list nginx`: every stream, with the [d]efault, [e]nabled and [x]disabled marks. */
  | { kind: 'streams'; streams: { stream: string; default: boolean; enabled: boolean; disabled: boolean }[] }
  /** dnf could not list the module (repositories unreachable): its last line. */
  | { kind: 'failed'; line: string };

/** Whether yum reaches its repositories before anything is installed (EL6/7; the mirror pre-flight). */
export type RepoFacts =
  /** Not asked: no yum-only node, nothing to install, or installs go to haops' archive repo. */
  | { kind: 'skipped' }
  | { kind: 'ok' }
  /** `yum -q repolist` failed: the line that says why (the mirror list error on an end-of-life CentOS). */
  | { kind: 'failed'; line: string; output: string };

export interface ElFacts {
  firewall: FirewallFacts;
  selinux: SelinuxFacts;
  /** epel-release is installed. */
  epel: boolean;
  /** `sysctl -n net.ipv4.ip_nonlocal_bind` (null when unread). */
  nonlocalBind: string | null;
  /** The value each file persists for ip_nonlocal_bind (/etc/sysctl.conf, haops' sysctl.d file); absent: no line. */
  nonlocalBindPersisted: Record<string, string>;
  /** The mirror pre-flight (EL6/7). */
  repos: RepoFacts;
  /** nginx's module stream (EL8/9). */
  nginxModule: ModuleFacts;
}

// What a stock EL node has beyond packages, simulated: CentOS 6's iptables service with its stock
// REJECT ruleset, firewalld's public zone on CentOS 7 / Rocky 8 / Rocky 9, SELinux enforcing
// everywhere (CentOS 6's policy does not confine keepalived) with labels, booleans and port types,
// EPEL absent (6, 7), and an end-of-life mirror list on demand.
// Outputs follow docs/el-transcripts-extra.md (its tags say which are verbatim).

/** One command's answer (the same shape as system.ts's Output; kept here so the two do not import each other). */
export interface Output {
  stdout: string;
  stderr: string;
  code: number;
}

export interface Zone {
  target: string;
  interfaces: string[];
  services: string[];
  ports: string[];
  protocols: string[];
  richRules: string[];
}

export interface ElState {
  firewall: 'iptables' | 'firewalld' | 'none';
  /** firewalld: the public zone, runtime and permanent. */
  zone: { runtime: Zone; permanent: Zone };
  /** iptables: INPUT rules as `iptables -S` prints them; the saved file's INPUT rules. */
  iptables: { live: string[]; saved: string[] };
  selinux: 'Enforcing' | 'Permissive' | 'Disabled';
  /** The policy has keepalived's module (keepalived_exec_t, /usr/libexec/keepalived unconfined scripts): EL7+, not CentOS 6. */
  keepalivedPolicy: boolean;
  /** Local `semanage fcontext` rules: exact path -> type. */
  fcontext: Map<string, string>;
  /** Current type per path (files haops put get their directory's type). */
  labels: Map<string, string>;
  booleans: Map<string, boolean>;
  /** Local port types: port -> type (on top of the stock http_port_t and http_cache_port_t). */
  ports: Map<number, string>;
  sysctl: Map<string, string>;
  /** The mirror list of an end-of-life CentOS: every install fails unless limited to haops' archive repos. */
  eol: boolean;
  /** EPEL packages resolve without epel-release (a node someone prepared; false on a stock node). */
  epelConfigured: boolean;
}

const publicZone = (services: string[]): Zone => ({
  target: 'default',
  interfaces: ['eth0'],
  services,
  ports: [],
  protocols: [],
  richRules: [],
});

// Stock CentOS 6 ruleset (system-config-firewall), as `iptables -S INPUT` prints it.
export const EL6_STOCK_INPUT = [
  '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p icmp -j ACCEPT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT',
  '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
];

/** A node prepared by hand: no firewall, SELinux disabled, EPEL configured (what the older simulated tests assume). */
type ElOs = 'centos6' | 'centos7' | 'rocky8' | 'rocky9';

export function preparedElState(os: ElOs): ElState {
  return { ...stockElState(os), firewall: 'none', selinux: 'Disabled', epelConfigured: true };
}

export function stockElState(os: ElOs): ElState {
  const services = os === 'rocky9' || os === 'rocky8' ? ['cockpit', 'dhcpv6-client', 'ssh'] : ['dhcpv6-client', 'ssh'];
  return {
    firewall: os === 'centos6' ? 'iptables' : 'firewalld',
    zone: { runtime: publicZone(services), permanent: publicZone(services) },
    iptables: { live: [...EL6_STOCK_INPUT], saved: [...EL6_STOCK_INPUT] },
    // CentOS 6 installs enforcing too (anaconda's default); its policy just has no keepalived domain.
    selinux: 'Enforcing',
    keepalivedPolicy: os !== 'centos6',
    fcontext: new Map(),
    labels: new Map(),
    booleans: new Map([['httpd_can_network_connect', false]]),
    ports: new Map(),
    sysctl: new Map([['net.ipv4.ip_nonlocal_bind', '0']]),
    eol: false,
    epelConfigured: false,
  };
}

const ok = (stdout: string): Output => ({ stdout, stderr: '', code: 0 });
const fail = (stderr: string, code = 1): Output => ({ stdout: '', stderr, code });

/** `firewall-cmd --list-all` as firewalld 0.6 (EL7) and 1.x (EL9) print it: two-space keys, rich rules tab-indented. */
export function listAll(z: Zone, el9: boolean, active: boolean): string {
  return [
    `public${active ? ' (active)' : ''}`,
    `  target: ${z.target}`,
    '  icmp-block-inversion: no',
    `  interfaces: ${z.interfaces.join(' ')}`,
    '  sources: ',
    `  services: ${z.services.join(' ')}`,
    `  ports: ${z.ports.join(' ')}`,
    `  protocols: ${z.protocols.join(' ')}`,
    ...(el9 ? ['  forward: yes'] : []),
    '  masquerade: no',
    '  forward-ports: ',
    '  source-ports: ',
    '  icmp-blocks: ',
    '  rich rules: ',
    ...z.richRules.map((r) => `\t${r}`),
    '',
  ].join('\n');
}

/** firewall-cmd's argument forms haops uses. */
export function firewallCmd(el: ElState, args: string[], el9: boolean): Output {
  if (el.firewall !== 'firewalld') return fail('bash: firewall-cmd: command not found\n', 127);
  if (args[0] === '--state') return ok('running\n');
  if (args[0]?.startsWith('--get-zone-of-interface='))
    return el.zone.runtime.interfaces.includes(args[0].split('=')[1]!) ? ok('public\n') : { stdout: 'no zone\n', stderr: '', code: 2 };
  if (args[0] === '--get-default-zone') return ok('public\n');
  const permanent = args.includes('--permanent');
  const zone = permanent ? el.zone.permanent : el.zone.runtime;
  const rest = args.filter((a) => a !== '--permanent' && !a.startsWith('--zone='));
  const zoneArg = args.find((a) => a.startsWith('--zone='));
  if (zoneArg && zoneArg !== '--zone=public') return fail(`Error: INVALID_ZONE: ${zoneArg.slice(7)}\n`, 112);
  const [op] = rest;
  if (op === '--list-all') return ok(listAll(zone, el9, !permanent));
  const add = (list: string[], value: string, what = '') => {
    // Verbatim for a rich rule on firewalld 1.3.3 (lab); the port form is reconstructed.
    if (list.includes(value))
      return { stdout: 'success\n', stderr: `Warning: ALREADY_ENABLED: '${what || value}' already in 'public'\n`, code: 0 };
    list.push(value);
    return ok('success\n');
  };
  if (op?.startsWith('--add-rich-rule=')) return add(zone.richRules, op.slice('--add-rich-rule='.length).replace(/'/g, '"'));
  if (op?.startsWith('--add-port='))
    return add(zone.ports, op.slice('--add-port='.length), op.slice('--add-port='.length).replace('/', ':'));
  if (op?.startsWith('--add-protocol=')) return add(zone.protocols, op.slice('--add-protocol='.length));
  return fail(`sim: firewall-cmd ${args.join(' ')} is not simulated\n`, 2);
}

/** `iptables -S INPUT` and `-I INPUT -p P [-s ADDR] [--dport N] -j ACCEPT` (iptables 1.4.7 prints -p 112 as vrrp). */
export function iptables(el: ElState, args: string[]): Output {
  if (args[0] === '-S' && args[1] === 'INPUT') return ok(['-P INPUT ACCEPT', ...el.iptables.live].join('\n') + '\n');
  if (args[0] === '-I' && args[1] === 'INPUT') {
    const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
    const p = { '112': 'vrrp', '51': 'ah' }[opt('-p') ?? ''] ?? opt('-p');
    const s = opt('-s');
    const rule = [
      '-A INPUT',
      s ? `-s ${s}/32` : '',
      `-p ${p}`,
      p === 'tcp' && opt('--dport') ? `-m tcp --dport ${opt('--dport')}` : '',
      `-j ${opt('-j')}`,
    ]
      .filter(Boolean)
      .join(' ');
    el.iptables.live.unshift(rule);
    return ok('');
  }
  return fail(`sim: iptables ${args.join(' ')} is not simulated\n`, 2);
}

export function iptablesService(el: ElState, verb: string): Output {
  if (el.firewall !== 'iptables') return { stdout: 'iptables: Firewall is not running.\n', stderr: '', code: 3 };
  if (verb === 'status') return ok('Table: filter\nChain INPUT (policy ACCEPT)\n');
  if (verb === 'save') {
    el.iptables.saved = [...el.iptables.live];
    return ok('iptables: Saving firewall rules to /etc/sysconfig/iptables:[  OK  ]\r\n');
  }
  return fail(`sim: service iptables ${verb} is not simulated\n`, 2);
}

export function savedIptables(el: ElState): string {
  return [
    '# Generated by iptables-save v1.4.7 on Wed Nov 25 18:00:00 2026',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...el.iptables.saved,
    '-A FORWARD -j REJECT --reject-with icmp-host-prohibited',
    'COMMIT',
    '# Completed on Wed Nov 25 18:00:00 2026',
    '',
  ].join('\n');
}

/**
 * The type the policy gives a path: a local rule; with keepalived's module, its binary and
 * /usr/libexec/keepalived; else its directory's (bin_t for the bin and libexec directories).
 */
export function policyType(el: ElState, path: string): string {
  const local = el.fcontext.get(path);
  if (local) return local;
  if (el.keepalivedPolicy && path === '/usr/sbin/keepalived') return 'keepalived_exec_t';
  if (el.keepalivedPolicy && /^\/usr\/libexec\/keepalived(\/|$)/.test(path)) return 'keepalived_unconfined_script_exec_t';
  return /^\/usr(\/local)?\/(s?bin|libexec)(\/|$)/.test(path) ? 'bin_t' : 'etc_t';
}

const context = (user: string, type: string) => `${user}:object_r:${type}:s0`;

export function selinuxCommand(
  el: ElState,
  argv: string[],
  node: { exists: (path: string) => boolean; semanage: boolean },
  /** policycoreutils 2.7+ (EL8/9) words restorecon's report "Relabeled … from … to …". */
  modern: boolean,
): Output | null {
  const exists = node.exists;
  const [cmd, ...args] = argv;
  const enabled = el.selinux !== 'Disabled';
  switch (cmd) {
    case 'getenforce':
      return ok(`${el.selinux}\n`);
    case 'getsebool': {
      if (!enabled) return fail('getsebool:  SELinux is disabled\n');
      const v = el.booleans.get(args[0]!);
      return v === undefined ? fail(`Error getting active value for ${args[0]}\n`) : ok(`${args[0]} --> ${v ? 'on' : 'off'}\n`);
    }
    case 'setsebool':
      el.booleans.set(args[1]!, args[2] === '1' || args[2] === 'on');
      return ok('');
    case 'matchpathcon':
      return ok(`${context('system_u', policyType(el, args.at(-1)!))}\n`);
    case 'stat': {
      const path = args.at(-1)!;
      if (!exists(path)) return fail(`stat: cannot stat '${path}': No such file or directory\n`);
      return ok(`${context('unconfined_u', el.labels.get(path) ?? (/^\/usr(\/local)?\/s?bin\//.test(path) ? 'bin_t' : 'etc_t'))}\n`);
    }
    case 'restorecon': {
      const path = args.at(-1)!;
      const before = el.labels.get(path) ?? 'bin_t';
      const after = policyType(el, path);
      el.labels.set(path, after);
      if (before === after) return ok('');
      const [from, to] = [context('unconfined_u', before), context('unconfined_u', after)];
      return ok(modern ? `Relabeled ${path} from ${from} to ${to}\n` : `restorecon reset ${path} context ${from}->${to}\n`);
    }
    case 'semanage':
      return node.semanage ? semanage(el, args) : fail('bash: semanage: command not found\n', 127);
    case 'sysctl': {
      if (args[0] === '-n') return ok(`${el.sysctl.get(args[1]!) ?? ''}\n`);
      const [k, v] = args[1]!.split('=');
      el.sysctl.set(k!, v!);
      return ok(`${k} = ${v}\n`);
    }
    default:
      return null;
  }
}

const STOCK_PORTS: [string, string][] = [
  ['http_cache_port_t', '8080, 8118, 8123, 10001-10010'],
  ['http_port_t', '80, 81, 443, 488, 8008, 8009, 8443, 9000'],
];

function semanage(el: ElState, args: string[]): Output {
  if (args[0] === 'fcontext' && args[1] === '-a') {
    const path = args.at(-1)!.replace(/\\(.)/g, '$1');
    if (el.fcontext.has(path)) return fail(`ValueError: File context for ${args.at(-1)} already defined\n`);
    el.fcontext.set(path, args[args.indexOf('-t') + 1]!);
    return ok('');
  }
  if (args[0] === 'port' && args[1] === '-l') {
    const rows = STOCK_PORTS.map(([type, list]) => {
      const local = [...el.ports].filter(([, t]) => t === type).map(([p]) => String(p));
      return `${type.padEnd(31)}tcp      ${[...local, list].join(', ')}`;
    });
    return ok(`SELinux Port Type              Proto    Port Number\n\n${rows.join('\n')}\n`);
  }
  if (args[0] === 'port' && (args[1] === '-a' || args[1] === '-m')) {
    const port = Number(args.at(-1));
    const stock = STOCK_PORTS.some(([, list]) => list.split(', ').includes(String(port)));
    if (args[1] === '-a' && (stock || el.ports.has(port))) return fail(`ValueError: Port tcp/${port} already defined\n`);
    el.ports.set(port, args[args.indexOf('-t') + 1]!);
    return ok('');
  }
  return fail(`sim: semanage ${args.join(' ')} is not simulated\n`, 2);
}

/** CentOS 7's yum once its mirror list is gone (verbatim, docs/el-transcripts-extra.md EX-3). */
export function eolYumFailure(el6: boolean): Output {
  if (el6) {
    return {
      stdout: 'Loaded plugins: fastestmirror\nSetting up Install Process\nDetermining fastest mirrors\n',
      stderr:
        'Error: Cannot find a valid baseurl for repo: base\nYumRepo Error: All mirror URLs are not using ftp, http[s] or file.\n Eg. Invalid release/repo/arch combination/\nremoving mirrorlist with no valid mirrors: /var/cache/yum/x86_64/6/base/mirrorlist.txt\n',
      code: 1,
    };
  }
  return {
    stdout: 'Loaded plugins: fastestmirror\nDetermining fastest mirrors\n',
    stderr:
      'Could not retrieve mirrorlist http://mirrorlist.example/?release=7&arch=x86_64&repo=os&infra=stock error was\n14: curl#6 - "Could not resolve host: mirrorlist.example; Unknown error"\n\n\n' +
      " One of the configured repositories failed (Unknown),\n and yum doesn't have enough cached data to continue. At this point the only\n safe thing yum can do is fail.\n\nCannot find a valid baseurl for repo: base/7/x86_64\n",
    code: 1,
  };
}

/**
 * Whether keepalived, started by its service, may run a check under this node's SELinux policy
 * (fedora-selinux/selinux-policy, keepalived.te): keepalived_t may exec bin_t and read every
 * /proc, but signal only itself and init, so a check that signals nginx (httpd_t) is denied under
 * enforcing where the policy confines keepalived. CentOS 6's policy has no keepalived domain.
 */
export function keepalivedMayRun(el: ElState, script: string): { allowed: boolean; avc?: string } {
  const signals = /^(\/usr)?(\/s?bin\/)?(killall|kill|pkill)\b/.test(script);
  if (!signals || !el.keepalivedPolicy || el.selinux !== 'Enforcing') return { allowed: true };
  return {
    allowed: false,
    avc: `type=AVC msg=audit(0.0:1): avc:  denied  { signull } for  pid=1 comm="killall" scontext=system_u:system_r:keepalived_t:s0 tcontext=system_u:system_r:httpd_t:s0 tclass=process permissive=0`,
  };
}

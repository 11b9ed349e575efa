// Operations for what EL nodes need beyond packages (issue 17), pyinfra style: pure functions of
// (wanted, facts) that yield commands, nothing when the node is already right. Sources for every
// rule are in shared/field-notes.md "EL nodes"; the commands are the ones the tools document.
//
//   repos    EPEL before nginx on EL6/7; an archive mirror for end-of-life CentOS when asked
//   firewall VRRP (and AH) from the peer only, and nginx's port, runtime and permanent
//   selinux  refuse a check that cannot pass, label the notify script, boolean and port for nginx
//   sysctl   ip_nonlocal_bind only when nginx binds the VIP itself

import type { ElFacts, ElWanted, FirewallFacts, ZoneFacts } from '../facts/el.js';
import { HTTPD_NETWORK_CONNECT, STOCK_HTTP_PORTS, normaliseRichRule } from '../facts/el.js';
import { shellQuote } from '../core/quote.js';
import type { Change, ManagedFile, OsFamily } from '../core/state.js';

type SystemChange = Extract<Change, { kind: 'system' }>;

export interface ElPlan {
  /** Before the main package transaction: epel-release (the archive repo file is a wanted file planHost puts first). */
  pre: Change[];
  /** Joins the main package transaction (semanage's package). */
  packages: string[];
  /** Repositories every install is limited to (the archive mirror), else undefined. */
  onlyRepos?: string;
  /** After the files are in place, before services start. */
  system: Change[];
  /** Reasons to stop before touching the node: what is wrong and the fix. */
  refusals: { message: string; hint: string }[];
  /** One line each: what haops changes on this node and why (plan and deploy print them). */
  notes: string[];
}

export const ARCHIVE_REPO_FILE = '/etc/yum.repos.d/haops-archive.repo';
export const ARCHIVE_REPOS = 'haops-*';
export const SYSCTL_FILE = '/etc/sysctl.d/90-haops.conf';
export const UNCONFINED_SCRIPT_TYPE = 'keepalived_unconfined_script_exec_t';
/** Scripts here are labelled keepalived_unconfined_script_exec_t by the policy itself. */
export const LIBEXEC_KEEPALIVED = '/usr/libexec/keepalived/';

const q = shellQuote;
/** A check that signals nginx: SELinux's keepalived_t may not send signull to httpd_t. */
const KILLALL = /^(\/usr)?(\/s?bin\/)?killall\b/;

/** The check command a rendered keepalived.conf runs (null: none, e.g. track_process). */
export function renderedCheckScript(keepalivedConf: string): string | null {
  return /^\s*script\s+"([^"]+)"/m.exec(keepalivedConf)?.[1] ?? null;
}

export function planEl(w: ElWanted, facts: ElFacts, family: OsFamily, opts: { notifyChanging?: boolean } = {}): ElPlan {
  const plan: ElPlan = { pre: [], packages: [], system: [], refusals: [], notes: [] };
  if (family !== 'debian') planRepos(plan, w, facts, family);
  const fw = w.firewall ? planFirewall(w, facts.firewall) : null;
  if (fw) plan.system.push(fw);
  if (family === 'el7' || family === 'el9') planSelinux(plan, w, facts, family, opts.notifyChanging ?? false);
  const sysctl = planSysctl(w, facts, family);
  if (sysctl) plan.system.push(sysctl);
  return plan;
}

// ---- repositories ---------------------------------------------------------------------------

/**
 * The repo file for an end-of-life CentOS: base, updates, extras (and EPEL) from the archive
 * mirror. yum expands $releasever (6 or 7) in baseurl and gpgkey, so one file fits both.
 */
export function archiveRepoFile(archive: NonNullable<ElWanted['archive']>): ManagedFile {
  const major = '$releasever';
  const section = (id: string, name: string, url: string, key: string) =>
    `[haops-${id}]\nname=${name} (archive mirror, written by haops)\nbaseurl=${url}\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/${key}\nenabled=1\n`;
  const base = archive.centos.replace(/\/+$/, '');
  const parts = ['base', 'updates', 'extras'].map((r) =>
    section(r, `CentOS-$releasever - ${r}`, `${base}/${r === 'base' ? 'os' : r}/$basearch/`, `RPM-GPG-KEY-CentOS-${major}`),
  );
  if (archive.epel)
    parts.push(section('epel', `EPEL ${major}`, `${archive.epel.replace(/\/+$/, '')}/$basearch/`, `RPM-GPG-KEY-EPEL-${major}`));
  return {
    path: ARCHIVE_REPO_FILE,
    content: `# haops: installs use only these repositories (yum --disablerepo='*' --enablerepo='${ARCHIVE_REPOS}').\n# Your own repo files are left as they are.\n\n${parts.join('\n')}`,
    mode: '0644',
  };
}

function planRepos(plan: ElPlan, w: ElWanted, facts: ElFacts, family: OsFamily): void {
  const eol = family === 'el6' || family === 'el7';
  if (eol && w.archive) {
    plan.onlyRepos = ARCHIVE_REPOS;
    plan.notes.push(
      `repositories: installs from the archive mirror in ${ARCHIVE_REPO_FILE} only (CentOS ${family === 'el6' ? 6 : 7} is end-of-life); your repo files are untouched`,
    );
  }
  // nginx is in EPEL on EL6/7 (AppStream on EL8/9): epel-release comes first, in a transaction of its own.
  if (eol && w.nginx && !facts.epel) {
    plan.pre.push({ kind: 'packages', install: ['epel-release'], ...(plan.onlyRepos ? { onlyRepos: plan.onlyRepos } : {}) });
    plan.notes.push('repositories: nginx comes from EPEL on EL6/7: epel-release is installed first');
  }
}

// ---- firewall -------------------------------------------------------------------------------

const richRule = (peer: string, protocol: 'vrrp' | 'ah') =>
  `rule family="ipv4" source address="${peer}" protocol value="${protocol}" accept`;

/** A zone lets `rule` in already: the rule itself, the protocol for everyone, or an ACCEPT target. */
function zoneAllows(z: ZoneFacts, rule: string, protocol: string): boolean {
  return z.target === 'ACCEPT' || z.protocols.includes(protocol) || z.richRules.includes(normaliseRichRule(rule));
}

function zoneAllowsPort(z: ZoneFacts, port: number): boolean {
  const service = { 80: 'http', 443: 'https' }[port];
  return z.target === 'ACCEPT' || z.ports.includes(`${port}/tcp`) || (service !== undefined && z.services.includes(service));
}

/** The tokens of one `iptables -S` line as option -> value (`-s 10.0.0.2/32 -p vrrp` -> {-s, -p}). */
function ruleOptions(line: string): Map<string, string> {
  const t = line.split(/\s+/);
  const out = new Map<string, string>();
  for (let i = 2; i < t.length; i++) if (t[i]!.startsWith('-') && t[i + 1] && !t[i + 1]!.startsWith('-')) out.set(t[i]!, t[++i]!);
  return out;
}

const PROTO_NUMBERS: Record<string, string> = { vrrp: '112', ah: '51', tcp: '6' };
const isTerminalReject = (line: string) => /^-A INPUT -j (REJECT|DROP)\b/.test(line);

/** The rule is in INPUT before the ruleset's catch-all REJECT (an appended rule after it never matches). */
function iptablesAllows(lines: string[], match: (o: Map<string, string>) => boolean): boolean {
  for (const line of lines) {
    if (isTerminalReject(line)) return false;
    const o = ruleOptions(line);
    if (o.get('-j') === 'ACCEPT' && match(o)) return true;
  }
  return false;
}

const proto = (o: Map<string, string>, name: string) => o.get('-p') === name || o.get('-p') === PROTO_NUMBERS[name];
const fromPeer = (o: Map<string, string>, peer: string) => o.get('-s') === peer || o.get('-s') === `${peer}/32`;

export function planFirewall(w: ElWanted, fw: FirewallFacts): SystemChange | null {
  const protocols: ('vrrp' | 'ah')[] = w.vrrp.ah ? ['vrrp', 'ah'] : ['vrrp'];
  const what = `${protocols.map((p) => p.toUpperCase()).join(' and ')} from ${w.vrrp.peers.join(', ')} and TCP ${w.listenPort}`;
  const commands: string[] = [];
  if (fw.kind === 'firewalld') {
    for (const [flag, zone] of [
      ['', fw.runtime],
      ['--permanent ', fw.permanent],
    ] as const) {
      const cmd = `firewall-cmd ${flag}--zone=${q(fw.zone)}`;
      for (const peer of w.vrrp.peers) {
        for (const p of protocols)
          if (!zoneAllows(zone, richRule(peer, p), p)) commands.push(`${cmd} ${q(`--add-rich-rule=${richRule(peer, p)}`)}`);
      }
      if (!zoneAllowsPort(zone, w.listenPort)) commands.push(`${cmd} --add-port=${w.listenPort}/tcp`);
    }
    return commands.length
      ? {
          kind: 'system',
          area: 'firewall',
          title: `firewall: allow ${what} in firewalld zone ${fw.zone} (runtime and permanent)`,
          commands,
        }
      : null;
  }
  if (fw.kind === 'iptables') {
    let save = false;
    const wanted: [string, (o: Map<string, string>) => boolean][] = [
      ...w.vrrp.peers.flatMap((peer) =>
        protocols.map((p): [string, (o: Map<string, string>) => boolean] => [
          `iptables -I INPUT -p ${PROTO_NUMBERS[p]} -s ${q(peer)} -j ACCEPT`,
          (o) => proto(o, p) && fromPeer(o, peer),
        ]),
      ),
      [
        `iptables -I INPUT -p tcp --dport ${w.listenPort} -j ACCEPT`,
        (o) => proto(o, 'tcp') && o.get('--dport') === String(w.listenPort) && !o.has('-s'),
      ],
    ];
    for (const [command, match] of wanted) {
      if (!iptablesAllows(fw.live, match)) {
        commands.push(command);
        save = true;
      } else if (!iptablesAllows(fw.saved, match)) save = true;
    }
    // The iptables service loads /etc/sysconfig/iptables at boot: save what runs now.
    if (save) commands.push('service iptables save');
    return commands.length
      ? { kind: 'system', area: 'firewall', title: `firewall: allow ${what} in the iptables service (before its REJECT, saved)`, commands }
      : null;
  }
  return null;
}

// ---- SELinux --------------------------------------------------------------------------------

/** semanage's own regex for one path: dots escaped, anchored by semanage itself. */
const fcontextSpec = (path: string) => path.replace(/[.[\]()*+?^$|\\{}]/g, '\\$&');

function planSelinux(plan: ElPlan, w: ElWanted, facts: ElFacts, family: 'el7' | 'el9', notifyChanging: boolean): void {
  const se = facts.selinux;
  if (se.mode === 'disabled') return;
  if (se.mode === 'enforcing' && w.checkScript !== null && KILLALL.test(w.checkScript)) {
    plan.refusals.push({
      message: `check "${w.checkScript}" can never pass here: SELinux is enforcing and keepalived (keepalived_t) may not signal nginx (httpd_t), so nginx dying would never move the VIP`,
      hint: `set the pair's check.script to "/usr/bin/pgrep -x nginx" (it only reads /proc), or use track_process (keepalived 2.0.11+)`,
    });
  }
  const commands: string[] = [];
  const why: string[] = [];
  let needsSemanage = false;
  if (!w.notifyScript.startsWith(LIBEXEC_KEEPALIVED)) {
    const ctx = se.contexts[w.notifyScript] ?? { actual: null, policy: null };
    if (ctx.policy !== UNCONFINED_SCRIPT_TYPE) {
      commands.push(`semanage fcontext -a -t ${UNCONFINED_SCRIPT_TYPE} ${q(fcontextSpec(w.notifyScript))}`);
      needsSemanage = true;
    }
    // A file put by haops is a new inode labelled by its directory: label it again after each change.
    if (ctx.policy !== UNCONFINED_SCRIPT_TYPE || ctx.actual !== UNCONFINED_SCRIPT_TYPE || notifyChanging)
      commands.push(`restorecon -v ${q(w.notifyScript)}`);
    if (commands.length)
      why.push(`label ${w.notifyScript} ${UNCONFINED_SCRIPT_TYPE} (a confined notify script cannot run systemctl or reach its webhooks)`);
  }
  if (w.upstreams && se.booleans[HTTPD_NETWORK_CONNECT] !== true) {
    commands.push(`setsebool -P ${HTTPD_NETWORK_CONNECT} 1`);
    why.push(`${HTTPD_NETWORK_CONNECT} on (nginx connects to its upstreams)`);
  }
  if (!STOCK_HTTP_PORTS.includes(w.listenPort)) {
    const types = se.portTypes?.[w.listenPort] ?? [];
    if (!types.includes('http_port_t')) {
      // -a refuses a port another type already lists ("already defined"): modify it instead.
      commands.push(`semanage port ${types.length ? '-m' : '-a'} -t http_port_t -p tcp ${w.listenPort}`);
      why.push(`tcp/${w.listenPort} as http_port_t (nginx may bind only http ports)`);
      needsSemanage = true;
    }
  }
  if (needsSemanage && !se.semanage) plan.packages.push(family === 'el7' ? 'policycoreutils-python' : 'policycoreutils-python-utils');
  if (commands.length) {
    plan.system.push({ kind: 'system', area: 'selinux', title: `SELinux (${se.mode}): ${why.join('; ')}`, commands });
    plan.notes.push(`SELinux is ${se.mode}: ${why.join('; ')}`);
  }
}

// ---- sysctl ---------------------------------------------------------------------------------

export function planSysctl(w: ElWanted, facts: ElFacts, family: OsFamily): SystemChange | null {
  if (!w.bindsVip || facts.nonlocalBind === '1') return null;
  const line = 'net.ipv4.ip_nonlocal_bind = 1';
  // EL6's procps reads only /etc/sysctl.conf at boot; the others read /etc/sysctl.d.
  const persist =
    family === 'el6'
      ? `grep -q '^net.ipv4.ip_nonlocal_bind *= *1' /etc/sysctl.conf || echo ${q(line)} >> /etc/sysctl.conf`
      : `echo ${q(line)} > ${SYSCTL_FILE}`;
  return {
    kind: 'system',
    area: 'sysctl',
    title: 'sysctl: net.ipv4.ip_nonlocal_bind=1 (nginx binds the VIP, which the BACKUP does not hold)',
    commands: ['sysctl -w net.ipv4.ip_nonlocal_bind=1', persist],
  };
}

/**
 * What deploy will do on a CentOS/RHEL node for this wanted state, before any node is seen (for
 * `haops plan`): each line says where it applies, since only facts tell which firewall runs.
 */
export function elIntent(w: ElWanted): string[] {
  const protocols = w.vrrp.ah ? 'VRRP and AH' : 'VRRP';
  const lines = [
    w.firewall
      ? `firewall, where firewalld or the EL6 iptables service runs: ${protocols} from ${w.vrrp.peers.join(', ')} only, and TCP ${w.listenPort}, runtime and permanent`
      : 'firewall: left to you (manage_firewall: false); it must let in VRRP from the peer and TCP ' + w.listenPort,
  ];
  if (w.checkScript !== null && KILLALL.test(w.checkScript)) {
    lines.push(
      `SELinux enforcing (EL7+): deploy refuses check "${w.checkScript}", which cannot signal nginx there (use /usr/bin/pgrep -x nginx)`,
    );
  }
  const se: string[] = [];
  if (!w.notifyScript.startsWith(LIBEXEC_KEEPALIVED)) se.push(`label ${w.notifyScript} ${UNCONFINED_SCRIPT_TYPE}`);
  if (w.upstreams) se.push(`${HTTPD_NETWORK_CONNECT} on`);
  if (!STOCK_HTTP_PORTS.includes(w.listenPort)) se.push(`tcp/${w.listenPort} as http_port_t`);
  if (se.length) lines.push(`SELinux enforcing or permissive (EL7+): ${se.join('; ')}`);
  if (w.nginx)
    lines.push(
      `repositories: epel-release before nginx on CentOS 6/7${w.archive ? `, all installs from the archive mirror (${ARCHIVE_REPO_FILE})` : ''}`,
    );
  return lines;
}

// Operations for what EL nodes need beyond packages (issue 17), pyinfra style: pure functions of
// (wanted, facts) that yield commands, nothing when the node is already right. This file decides;
// each command line is built in the protocol room (protocol/system.ts, which also frames a step
// into the script that runs). Real EL outputs the facts are read from are in
// docs/el-transcripts-extra.md.
//
//   repos    a mirror pre-flight (refuse before any change when yum cannot reach its repositories),
//            EPEL before nginx on EL6/7, an archive mirror for end-of-life CentOS when asked, the
//            nginx module stream on EL8/9
//   firewall VRRP (and AH) from the peer only, and nginx's port, runtime and permanent
//   selinux  where the policy confines keepalived: refuse a check that cannot pass, label the
//            notify script; everywhere enforcing or permissive: boolean and port for nginx
//   sysctl   ip_nonlocal_bind only when nginx binds the VIP itself, running and persisted

import type { ElFacts, ElWanted, FirewallFacts, ZoneFacts } from '../facts/el.js';
import {
  HTTPD_NETWORK_CONNECT,
  KEEPALIVED_BIN,
  LIBEXEC_KEEPALIVED_DIR,
  STOCK_HTTP_PORTS,
  SYSCTL_CONF,
  SYSCTL_FILE,
  normaliseRichRule,
} from '../facts/el.js';
import { EOL_MIRROR, EOL_MIRROR_HINT } from '../platforms/hints.js';
import {
  IPTABLES_SAVE,
  dnfModuleEnable,
  dnfModuleReset,
  firewalldAddPort,
  firewalldAddRichRule,
  iptablesAcceptFrom,
  iptablesAcceptPort,
  peerRichRule,
  restorecon,
  semanageFcontext,
  semanagePort,
  setsebool,
  sysctlDrop,
  sysctlSet,
  writeLine,
} from '../protocol/system.js';
import { urlCredentials } from '../core/url-credentials.js';
import { PGREP_CHECK, signalsNginx } from '../core/os-hints.js';
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
export { SYSCTL_FILE };
export const UNCONFINED_SCRIPT_TYPE = 'keepalived_unconfined_script_exec_t';
/** Scripts here are labelled keepalived_unconfined_script_exec_t by the policy itself. */
export const LIBEXEC_KEEPALIVED = '/usr/libexec/keepalived/';

/** The check command a rendered keepalived.conf runs (null: none, e.g. track_process). */
export function renderedCheckScript(keepalivedConf: string): string | null {
  return /^\s*script\s+"([^"]+)"/m.exec(keepalivedConf)?.[1] ?? null;
}

export function planEl(w: ElWanted, facts: ElFacts, family: OsFamily, opts: { notifyChanging?: boolean } = {}): ElPlan {
  const plan: ElPlan = { pre: [], packages: [], system: [], refusals: [], notes: [] };
  if (family !== 'debian') planRepos(plan, w, facts, family);
  if (family === 'el8' || family === 'el9') planModule(plan, w, facts, family);
  const fw = w.firewall ? planFirewall(w, facts.firewall) : null;
  if (fw) plan.system.push(fw);
  if (w.firewall && facts.firewall.kind === 'none' && facts.firewall.stopped === 'firewalld')
    plan.notes.push(
      `firewall: firewalld is installed but not running, so nothing is opened now; before you start it, let in VRRP from ${w.vrrp.peers.join(', ')} and TCP ${tcpPorts(w)} (or start it and deploy again: haops opens them then)`,
    );
  if (family !== 'debian') planSelinux(plan, w, facts, family, opts.notifyChanging ?? false);
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
    // 0600: a mirror URL may carry credentials; yum reads repo files as root.
    mode: '0600',
    secrets: [archive.centos, archive.epel ?? ''].flatMap(urlCredentials),
  };
}

function planRepos(plan: ElPlan, w: ElWanted, facts: ElFacts, family: OsFamily): void {
  const eol = family === 'el6' || family === 'el7';
  // The pre-flight: yum could not reach its repositories, so every install would fail. Say so
  // before anything changes, with the fix; haops never rewrites the node's own repo files.
  if (eol && !w.archive && facts.repos.kind === 'failed') {
    const gone = EOL_MIRROR.test(facts.repos.output);
    plan.refusals.push(
      gone
        ? {
            message: `CentOS ${family === 'el6' ? 6 : 7} is end-of-life and its mirror list no longer answers (yum: ${facts.repos.line})`,
            hint: EOL_MIRROR_HINT,
          }
        : {
            message: `yum cannot reach this node's repositories (yum: ${facts.repos.line})`,
            hint: `fix the node's network, proxy or repo files; or, for an end-of-life CentOS, ${EOL_MIRROR_HINT.replace(/^this CentOS is end-of-life and its mirror list no longer answers: /, '')}`,
          },
    );
  }
  if (eol && w.archive) {
    plan.onlyRepos = ARCHIVE_REPOS;
    plan.notes.push(
      `repositories: installs from the archive mirror in ${ARCHIVE_REPO_FILE} only (CentOS ${family === 'el6' ? 6 : 7} is end-of-life); your repo files are untouched`,
    );
  }
  // nginx is in EPEL on EL6/7 (AppStream on EL8/9): epel-release comes first, in a transaction of its own.
  // The drain's handoff needs nftables' socket match, which these kernels lack: not installed.
  if (eol && w.nginx)
    plan.notes.push(
      `handoff: nftables is not installed (the CentOS ${family === 'el6' ? 6 : 7} kernel lacks its socket match): a drain or switchover cannot hand the old holder's connections on, so a connection caught by a move between its handshake and its request is reset (about one move in 40-60); kept-alive clients still end cleanly (Connection: close)`,
    );
  // An archive mirror without EPEL: installs are limited to haops's repo file, which then has no nginx.
  if (eol && w.nginx && !facts.epel && w.archive && !w.archive.epel) {
    const major = family === 'el6' ? 6 : 7;
    plan.refusals.push({
      message: `nginx comes from EPEL on CentOS ${major}, and el_archive has no epel mirror: installs use only ${ARCHIVE_REPO_FILE}, which would offer no nginx`,
      hint: `set el_archive.epel in the inventory to an EPEL archive, e.g. https://archives.fedoraproject.org/pub/archive/epel/${major}`,
    });
    return;
  }
  if (eol && w.nginx && !facts.epel) {
    plan.pre.push({ kind: 'packages', install: ['epel-release'], ...(plan.onlyRepos ? { onlyRepos: plan.onlyRepos } : {}) });
    plan.notes.push('repositories: nginx comes from EPEL on EL6/7: epel-release is installed first');
  }
}

/**
 * nginx on EL8 comes from a module stream (1.14 is the default there, newer ones are opt-in), on
 * EL9 from the plain AppStream package (1.20) or an opt-in stream. With `el_nginx_stream` haops
 * enables that stream before the install (resetting another one first); it never switches the
 * stream of an nginx already installed, which would replace the running web server.
 */
function planModule(plan: ElPlan, w: ElWanted, facts: ElFacts, family: 'el8' | 'el9'): void {
  const m = facts.nginxModule;
  if (!w.nginx || m.kind === 'none') return;
  const want = w.nginxStream;
  const setting = 'el_nginx_stream';
  if (m.kind === 'installed') {
    if (want && m.stream !== want)
      plan.refusals.push({
        message: `nginx is installed ${m.stream ? `from module stream nginx:${m.stream}` : 'outside any module stream'}, not nginx:${want} (${setting}); haops does not replace an installed nginx`,
        hint: `switch it yourself (dnf module reset nginx; dnf module enable nginx:${want}; dnf distro-sync nginx), or set ${setting} to ${m.stream ?? 'nothing'}`,
      });
    return;
  }
  if (m.kind === 'failed') {
    plan.refusals.push({
      message: `dnf could not list the nginx module streams (dnf: ${m.line})`,
      hint: "fix the node's repositories (dnf makecache should succeed), then deploy again",
    });
    return;
  }
  const enabled = m.streams.find((s) => s.enabled);
  const byDefault = m.streams.find((s) => s.default);
  const offered = m.streams.map((s) => s.stream).join(', ');
  if (!want) {
    // EL9 installs its plain nginx package when no stream is enabled; EL8 needs a default or an enabled stream.
    const from = enabled ?? (family === 'el8' ? byDefault : undefined);
    if (from)
      plan.notes.push(
        `repositories: nginx comes from module stream nginx:${from.stream}${from === enabled ? ' (enabled on this node)' : ' (the default stream)'}`,
      );
    else if (family === 'el8' && m.streams.length)
      plan.refusals.push({
        message: `the nginx module has no default or enabled stream on this node, so dnf cannot install nginx (streams: ${offered})`,
        hint: `set ${setting} in the inventory to one of ${offered}`,
      });
    return;
  }
  if (!m.streams.some((s) => s.stream === want)) {
    plan.refusals.push({
      message: `module stream nginx:${want} (${setting}) is not offered on this node (streams: ${offered || 'none'})`,
      hint: `set ${setting} to one of ${offered || 'the streams `dnf module list nginx` shows'}, or remove it`,
    });
    return;
  }
  if (enabled?.stream === want) return;
  // `module enable` refuses while another stream of the module is enabled: reset first.
  const commands = [...(enabled || m.streams.some((s) => s.disabled) ? [dnfModuleReset('nginx')] : []), dnfModuleEnable('nginx', want)];
  plan.pre.push({ kind: 'system', area: 'repos', title: `repositories: enable module stream nginx:${want} (${setting})`, commands });
  plan.notes.push(`repositories: nginx from module stream nginx:${want} (${setting}), enabled before the install`);
}

// ---- firewall -------------------------------------------------------------------------------

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

/** The TCP ports clients reach, as a note says them: `80`, `80 and 443`. */
const tcpPorts = (w: ElWanted) => w.listenPorts.join(' and ');

export function planFirewall(w: ElWanted, fw: FirewallFacts): SystemChange | null {
  const protocols: ('vrrp' | 'ah')[] = w.vrrp.ah ? ['vrrp', 'ah'] : ['vrrp'];
  const what = `${protocols.map((p) => p.toUpperCase()).join(' and ')} from ${w.vrrp.peers.join(', ')} and TCP ${tcpPorts(w)}`;
  const commands: string[] = [];
  if (fw.kind === 'firewalld') {
    for (const [permanent, zone] of [
      [false, fw.runtime],
      [true, fw.permanent],
    ] as const) {
      for (const peer of w.vrrp.peers) {
        for (const p of protocols)
          if (!zoneAllows(zone, peerRichRule(peer, p), p)) commands.push(firewalldAddRichRule(fw.zone, permanent, peerRichRule(peer, p)));
      }
      for (const port of w.listenPorts) if (!zoneAllowsPort(zone, port)) commands.push(firewalldAddPort(fw.zone, permanent, port));
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
          iptablesAcceptFrom(Number(PROTO_NUMBERS[p]), peer),
          (o) => proto(o, p) && fromPeer(o, peer),
        ]),
      ),
      ...w.listenPorts.map((port): [string, (o: Map<string, string>) => boolean] => [
        iptablesAcceptPort(port),
        (o) => proto(o, 'tcp') && o.get('--dport') === String(port) && !o.has('-s'),
      ]),
    ];
    for (const [command, match] of wanted) {
      if (!iptablesAllows(fw.live, match)) {
        commands.push(command);
        save = true;
      } else if (!iptablesAllows(fw.saved, match)) save = true;
    }
    // The iptables service loads /etc/sysconfig/iptables at boot: save what runs now.
    if (save) commands.push(IPTABLES_SAVE);
    return commands.length
      ? { kind: 'system', area: 'firewall', title: `firewall: allow ${what} in the iptables service (before its REJECT, saved)`, commands }
      : null;
  }
  return null;
}

// ---- SELinux --------------------------------------------------------------------------------

/**
 * Whether the node's policy confines keepalived: its binary is keepalived_exec_t (EL7+). CentOS 6's
 * policy (3.7.19) predates keepalived's module (added to Fedora's policy in 2014): there keepalived
 * keeps its init script's domain and its scripts run unconfined. Read from the policy, not the version.
 */
export function keepalivedConfined(facts: ElFacts): boolean {
  return facts.selinux.contexts[KEEPALIVED_BIN]?.policy === 'keepalived_exec_t';
}

function planSelinux(plan: ElPlan, w: ElWanted, facts: ElFacts, family: 'el6' | 'el7' | 'el8' | 'el9', notifyChanging: boolean): void {
  const se = facts.selinux;
  if (se.mode === 'disabled') return;
  const confined = keepalivedConfined(facts);
  if (confined && se.mode === 'enforcing' && w.checkScript !== null && signalsNginx(w.checkScript)) {
    plan.refusals.push({
      message: `check "${w.checkScript}" can never pass here: SELinux is enforcing and keepalived (keepalived_t) may not signal nginx (httpd_t), so nginx dying would never move the VIP`,
      hint: `remove the pair's check.script (the default here is "${PGREP_CHECK}", which only reads /proc) or set it to that, or use track_process (keepalived 2.0.11+)`,
    });
  }
  const commands: string[] = [];
  const why: string[] = [];
  let needsSemanage = false;
  const unconfinedType = se.contexts[LIBEXEC_KEEPALIVED_DIR]?.policy === UNCONFINED_SCRIPT_TYPE;
  if (!confined) {
    const type = se.contexts[KEEPALIVED_BIN]?.policy;
    plan.notes.push(
      `SELinux is ${se.mode}: this policy does not confine keepalived (${KEEPALIVED_BIN} is ${type ?? 'unlabelled'}, not keepalived_exec_t), so its check and notify scripts run unconfined: no label needed`,
    );
  } else if (!w.notifyScript.startsWith(LIBEXEC_KEEPALIVED) && !unconfinedType) {
    plan.notes.push(
      `SELinux is ${se.mode}: this policy confines keepalived but has no ${UNCONFINED_SCRIPT_TYPE}, so ${w.notifyScript} runs as keepalived_t (no systemctl, no webhooks); update selinux-policy`,
    );
  } else if (!w.notifyScript.startsWith(LIBEXEC_KEEPALIVED)) {
    const ctx = se.contexts[w.notifyScript] ?? { actual: null, policy: null };
    if (ctx.policy !== UNCONFINED_SCRIPT_TYPE) {
      commands.push(semanageFcontext(UNCONFINED_SCRIPT_TYPE, w.notifyScript));
      needsSemanage = true;
    }
    // A file put by haops is a new inode labelled by its directory: label it again after each change.
    if (ctx.policy !== UNCONFINED_SCRIPT_TYPE || ctx.actual !== UNCONFINED_SCRIPT_TYPE || notifyChanging)
      commands.push(restorecon(w.notifyScript));
    if (commands.length)
      why.push(`label ${w.notifyScript} ${UNCONFINED_SCRIPT_TYPE} (a confined notify script cannot run systemctl or reach its webhooks)`);
  }
  if (w.upstreams && se.booleans[HTTPD_NETWORK_CONNECT] !== true) {
    commands.push(setsebool(HTTPD_NETWORK_CONNECT, true));
    why.push(`${HTTPD_NETWORK_CONNECT} on (nginx connects to its upstreams)`);
  }
  for (const port of w.listenPorts.filter((p) => !STOCK_HTTP_PORTS.includes(p))) {
    const types = se.portTypes?.[port] ?? [];
    if (!types.includes('http_port_t')) {
      // -a refuses a port another type already lists ("already defined"): modify it instead.
      commands.push(semanagePort('http_port_t', port, types.length > 0));
      why.push(`tcp/${port} as http_port_t (nginx may bind only http ports)`);
      needsSemanage = true;
    }
  }
  // semanage: policycoreutils-python on EL6/7, policycoreutils-python-utils on EL8/9.
  if (needsSemanage && !se.semanage)
    plan.packages.push(family === 'el6' || family === 'el7' ? 'policycoreutils-python' : 'policycoreutils-python-utils');
  if (commands.length) {
    plan.system.push({ kind: 'system', area: 'selinux', title: `SELinux (${se.mode}): ${why.join('; ')}`, commands });
    plan.notes.push(`SELinux is ${se.mode}: ${why.join('; ')}`);
  }
}

// ---- sysctl ---------------------------------------------------------------------------------

const NONLOCAL_KEY = 'net.ipv4.ip_nonlocal_bind';
const NONLOCAL_LINE = `${NONLOCAL_KEY} = 1`;

/**
 * ip_nonlocal_bind=1, running and persisted, only when nginx binds the VIP itself: the BACKUP does
 * not hold the VIP, and nginx there would fail to start ("Cannot assign requested address").
 * EL6 reads only /etc/sysctl.conf at boot (its one line for the key is replaced); the others read
 * haops' own file in /etc/sysctl.d.
 */
export function planSysctl(w: ElWanted, facts: ElFacts, family: OsFamily): SystemChange | null {
  if (!w.bindsVip) return null;
  const file = family === 'el6' ? SYSCTL_CONF : SYSCTL_FILE;
  const commands: string[] = [];
  if (facts.nonlocalBind !== '1') commands.push(sysctlSet(NONLOCAL_KEY, '1'));
  const persisted = facts.nonlocalBindPersisted[file];
  if (persisted !== '1') {
    if (family === 'el6') {
      if (persisted !== undefined) commands.push(sysctlDrop(NONLOCAL_KEY, SYSCTL_CONF));
      commands.push(writeLine(NONLOCAL_LINE, SYSCTL_CONF, true));
    } else commands.push(writeLine(NONLOCAL_LINE, SYSCTL_FILE, false));
  }
  if (!commands.length) return null;
  return {
    kind: 'system',
    area: 'sysctl',
    title: `sysctl: net.ipv4.ip_nonlocal_bind=1${facts.nonlocalBind === '1' ? '' : ' now'}${persisted === '1' ? '' : ` and in ${file}`} (nginx binds the VIP, which the BACKUP does not hold)`,
    commands,
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
      ? `firewall, where firewalld or the EL6 iptables service runs: ${protocols} from ${w.vrrp.peers.join(', ')} only, and TCP ${tcpPorts(w)}, runtime and permanent`
      : `firewall: left to you (manage_firewall: false); it must let in VRRP from the peer and TCP ${tcpPorts(w)}`,
  ];
  if (w.checkScript !== null && signalsNginx(w.checkScript)) {
    lines.push(
      `SELinux enforcing (EL7+): deploy refuses check "${w.checkScript}", which cannot signal nginx there (use /usr/bin/pgrep -x nginx)`,
    );
  }
  const se: string[] = [];
  if (!w.notifyScript.startsWith(LIBEXEC_KEEPALIVED))
    se.push(`label ${w.notifyScript} ${UNCONFINED_SCRIPT_TYPE} where the policy confines keepalived (EL7+)`);
  if (w.upstreams) se.push(`${HTTPD_NETWORK_CONNECT} on`);
  for (const port of w.listenPorts.filter((p) => !STOCK_HTTP_PORTS.includes(p))) se.push(`tcp/${port} as http_port_t`);
  if (se.length) lines.push(`SELinux enforcing or permissive: ${se.join('; ')}`);
  if (w.nginx) {
    lines.push(
      `repositories: epel-release before nginx on CentOS 6/7${w.archive ? `, all installs from the archive mirror (${ARCHIVE_REPO_FILE})` : '; deploy stops first if yum cannot reach its mirrors (end-of-life CentOS: set el_archive)'}`,
    );
    lines.push(
      w.nginxStream
        ? `repositories: nginx from module stream nginx:${w.nginxStream} on EL8/9 (dnf module enable before the install)`
        : "repositories: nginx from EL8's default module stream or EL9's AppStream package",
    );
  }
  if (w.bindsVip) lines.push(`sysctl: net.ipv4.ip_nonlocal_bind=1, running and persisted (nginx binds the VIP itself)`);
  return lines;
}

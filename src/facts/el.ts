// Facts an EL node needs beyond packages: which firewall runs and what it lets in, the SELinux
// mode with the labels, booleans and ports haops cares about, EPEL, and a sysctl. The questions ride
// in the one facts script (protocol/facts.ts); parsers are pure and read each tool's own output.

import type { Section } from '../core/sections.js';
import type { ElFacts, ElWanted, FirewallFacts, ModuleFacts, RepoFacts, ZoneFacts } from '../core/el-state.js';

export type { ElFacts, ElWanted, FirewallFacts, ModuleFacts, RepoFacts, SelinuxFacts, ZoneFacts } from '../core/el-state.js';

/** keepalived's binary: the policy's type for it says whether keepalived runs confined (keepalived_t). */
export const KEEPALIVED_BIN = '/usr/sbin/keepalived';
/** The policy labels this directory keepalived_unconfined_script_exec_t where it knows that type (late 2014 on). */
export const LIBEXEC_KEEPALIVED_DIR = '/usr/libexec/keepalived';
/** Where ip_nonlocal_bind is persisted: EL6 reads only /etc/sysctl.conf at boot, the others /etc/sysctl.d too. */
export const SYSCTL_CONF = '/etc/sysctl.conf';
export const SYSCTL_FILE = '/etc/sysctl.d/90-haops.conf';
const NONLOCAL_BIND = 'net.ipv4.ip_nonlocal_bind';

/** The SELinux boolean nginx needs to connect to upstream ports. */
export const HTTPD_NETWORK_CONNECT = 'httpd_can_network_connect';
/** Ports the stock policy already labels http_port_t (keepalived.te / selinux-policy). */
export const STOCK_HTTP_PORTS = [80, 81, 443, 488, 8008, 8009, 8443, 9000];

/** The EL questions of the facts script (protocol/facts.ts) for one node; on Debian the SELinux and EPEL ones answer "none". */
export function elFactsValues(wanted: { el?: ElWanted; packages: string[] }) {
  const w = wanted.el;
  return {
    EL: Boolean(w),
    IFACE: w?.vrrp.interface ?? '',
    SECONTEXT: w ? [w.notifyScript, KEEPALIVED_BIN, LIBEXEC_KEEPALIVED_DIR] : [],
    SEBOOL: HTTPD_NETWORK_CONNECT,
    SEPORTS: Boolean(w?.listenPorts.some((p) => !STOCK_HTTP_PORTS.includes(p))),
    SYSCTL: w?.bindsVip ? NONLOCAL_BIND : '',
    SYSCTL_FILES: [SYSCTL_CONF, SYSCTL_FILE],
    // With an archive mirror haops installs from its own repo file only: nothing to pre-flight.
    REPOS: w && !w.archive ? [...(w.nginx ? ['epel-release'] : []), ...wanted.packages] : [],
    MODULE: w?.nginx ? 'nginx' : '',
  };
}

/** `firewall-cmd --list-all` (0.6 on EL7 to 1.3 on EL9): "  key: value" lines, rich rules one per line after "rich rules:". */
export function parseZone(text: string): ZoneFacts {
  const z: ZoneFacts = { target: 'default', services: [], ports: [], protocols: [], richRules: [] };
  let inRich = false;
  for (const raw of text.split('\n')) {
    const m = /^\s+([a-z -]+):\s?(.*)$/.exec(raw);
    if (m && !raw.startsWith('\t')) {
      inRich = m[1] === 'rich rules';
      const list = m[2]!.trim().split(/\s+/).filter(Boolean);
      if (m[1] === 'target') z.target = m[2]!.trim();
      else if (m[1] === 'services') z.services = list;
      else if (m[1] === 'ports') z.ports = list;
      else if (m[1] === 'protocols') z.protocols = list;
      continue;
    }
    if (inRich && raw.trim()) z.richRules.push(normaliseRichRule(raw.trim()));
  }
  return z;
}

/** firewalld lists rich rules with double quotes; ours are compared in that form. */
export function normaliseRichRule(rule: string): string {
  return rule.replace(/'/g, '"').replace(/\s+/g, ' ').trim();
}

export function parseFirewall(s: Section | undefined): FirewallFacts {
  const body = s?.body ?? '';
  const first = body.split('\n')[0]!.trim();
  if (first.startsWith('firewalld ')) {
    const [runtime = '', permanent = ''] = body.slice(body.indexOf('\n') + 1).split('\n@@permanent\n');
    return { kind: 'firewalld', zone: first.slice('firewalld '.length), runtime: parseZone(runtime), permanent: parseZone(permanent) };
  }
  if (first === 'iptables') {
    const [live = '', saved = ''] = body.slice(body.indexOf('\n') + 1).split('\n@@saved\n');
    const input = (t: string) =>
      t
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^-A INPUT\b/.test(l));
    return { kind: 'iptables', live: input(live), saved: input(saved) };
  }
  return first === 'none firewalld-stopped' ? { kind: 'none', stopped: 'firewalld' } : { kind: 'none' };
}

const typeOf = (context: string | undefined) => context?.trim().split(':')[2] ?? null;

/** `semanage port -l`: `http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000`. */
export function parsePortTypes(text: string): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+_t)\s+tcp\s+(.+)$/.exec(line.trim());
    if (!m) continue;
    for (const item of m[2]!.split(',')) {
      const [lo, hi = lo] = item.trim().split('-').map(Number);
      if (lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi)) continue;
      // Only single ports and small ranges are worth a lookup table; wide ranges are listed by their ends.
      for (let p = lo; p <= Math.min(hi, lo + 1024); p++) (out[p] ??= []).push(m[1]!);
    }
  }
  return out;
}

/**
 * `dnf -q module list nginx` (dnf 4): one table per repository, rows `nginx  1.14 [d][e]  common [d]  summary`,
 * then the `Hint: [d]efault, [e]nabled, [x]disabled, [i]nstalled` line. A stream listed by two
 * repositories is one stream.
 */
export function parseModuleList(text: string, name = 'nginx'): Extract<ModuleFacts, { kind: 'streams' }>['streams'] {
  const out = new Map<string, { stream: string; default: boolean; enabled: boolean; disabled: boolean }>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')}\\s+(\\S+?)((?:\\s?\\[[dex]\\])*)\\s`).exec(line);
    if (!m) continue;
    const s = out.get(m[1]!) ?? { stream: m[1]!, default: false, enabled: false, disabled: false };
    s.default ||= m[2]!.includes('[d]');
    s.enabled ||= m[2]!.includes('[e]');
    s.disabled ||= m[2]!.includes('[x]');
    out.set(m[1]!, s);
  }
  return [...out.values()];
}

export function parseModule(s: Section | undefined): ModuleFacts {
  const body = (s?.body ?? '').trim();
  if (!s || body === 'none') return { kind: 'none' };
  const installed = /^installed (.*)$/.exec(body.split('\n')[0]!);
  // MODULARITYLABEL is name:stream:version:context, or "(none)" for a package built outside any stream.
  if (installed) return { kind: 'installed', stream: /^[^:\s]+:([^:\s]+):/.exec(installed[1]!)?.[1] ?? null };
  // EL9 before 9.1 has no nginx module at all: dnf says so and exits 1; nginx is the plain AppStream package there.
  if (/No matching Modules to list/.test(body)) return { kind: 'streams', streams: [] };
  const streams = parseModuleList(body);
  if (streams.length || s.code === 0) return { kind: 'streams', streams };
  return { kind: 'failed', line: lastLine(body) };
}

const lastLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '';

/** The mirror pre-flight: the line that names the failure (yum's "Cannot find a valid baseurl…"), else its last. */
export function parseRepos(s: Section | undefined): RepoFacts {
  if (!s || s.body.trim() === 'skipped') return { kind: 'skipped' };
  if (s.code === 0) return { kind: 'ok' };
  const lines = s.body.split('\n').map((l) => l.trim());
  const line = lines.find((l) => /Cannot find a valid baseurl for repo/.test(l)) ?? lastLine(s.body);
  return { kind: 'failed', line: line.replace(/^Error: /, ''), output: s.body };
}

/** The values ip_nonlocal_bind's persisting files give it (the last line of each file wins, as with sysctl -p). */
export function parsePersisted(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines) {
    const m = /^([^:]+):\s*[\w.]+\s*=\s*(\S+)/.exec(l);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function parseElFacts(sections: Section[], w: ElWanted): ElFacts {
  const one = (kind: string, arg = '') => sections.find((s) => s.kind === kind && s.arg === arg);
  const se =
    one('selinux')
      ?.body.split('\n')
      .map((l) => l.trim()) ?? [];
  const mode = /^(Enforcing|Permissive)$/.test(se[0] ?? '') ? (se[0]!.toLowerCase() as 'enforcing' | 'permissive') : 'disabled';
  const contexts: ElFacts['selinux']['contexts'] = {};
  for (const path of [w.notifyScript, KEEPALIVED_BIN, LIBEXEC_KEEPALIVED_DIR]) {
    const ctx = one('secontext', path);
    if (!ctx) continue;
    const [actual, policy] = ctx.body.split('\n');
    contexts[path] = { actual: actual?.trim() === 'missing' ? null : typeOf(actual), policy: typeOf(policy?.replace(/^\S+\s+/, '')) };
  }
  const bool = one('sebool', HTTPD_NETWORK_CONNECT);
  const ports = one('seports');
  const epel = one('package', 'epel-release');
  const sysctl = one('sysctl', NONLOCAL_BIND);
  const [value, ...persisted] = sysctl && sysctl.code === 0 ? sysctl.body.split('\n') : [];
  return {
    firewall: parseFirewall(one('firewall', w.vrrp.interface)),
    selinux: {
      mode,
      semanage: se.slice(1).some((l) => /\/semanage$/.test(l)),
      contexts,
      booleans: bool && bool.code === 0 ? { [HTTPD_NETWORK_CONNECT]: /-->\s*on\b/.test(bool.body) } : {},
      portTypes: ports && ports.code === 0 ? parsePortTypes(ports.body) : null,
    },
    epel: Boolean(epel && epel.code === 0 && /^\d/.test(epel.body.trim())),
    nonlocalBind: value !== undefined ? value.trim() : null,
    nonlocalBindPersisted: parsePersisted(persisted),
    repos: parseRepos(sections.find((s) => s.kind === 'repos')),
    nginxModule: parseModule(one('module', 'nginx')),
  };
}

// Facts an EL node needs beyond packages: which firewall runs and what it lets in, the SELinux
// mode with the labels, booleans and ports haops cares about, EPEL, and a sysctl. Probes ride in
// the one facts script (sections.ts framing); parsers are pure and read each tool's own output.

import { runLine, type Section } from '../core/sections.js';
import type { ElFacts, ElWanted, FirewallFacts, ZoneFacts } from '../core/el-state.js';

export type { ElFacts, ElWanted, FirewallFacts, SelinuxFacts, ZoneFacts } from '../core/el-state.js';

/** The SELinux boolean nginx needs to connect to upstream ports. */
export const HTTPD_NETWORK_CONNECT = 'httpd_can_network_connect';
/** Ports the stock policy already labels http_port_t (keepalived.te / selinux-policy). */
export const STOCK_HTTP_PORTS = [80, 81, 443, 488, 8008, 8009, 8443, 9000];

export const EL_PROBES = [
  // firewalld first (EL7+), then the EL6 iptables service; both answer only when running.
  `probe_firewall() { if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then ` +
    `z=$(firewall-cmd --get-zone-of-interface="$1" 2>/dev/null) || z=$(firewall-cmd --get-default-zone); echo "firewalld $z"; ` +
    `firewall-cmd --zone="$z" --list-all; echo '@@permanent'; firewall-cmd --permanent --zone="$z" --list-all; ` +
    `elif [ -x /etc/init.d/iptables ] && service iptables status >/dev/null 2>&1; then echo iptables; iptables -S INPUT; echo '@@saved'; cat /etc/sysconfig/iptables; ` +
    `else echo none; fi; }`,
  `probe_selinux() { if command -v getenforce >/dev/null 2>&1; then getenforce; else echo Disabled; fi; command -v semanage; true; }`,
  `probe_secontext() { if [ -e "$1" ]; then stat -c %C "$1"; else echo missing; fi; matchpathcon -n "$1"; }`,
  `probe_sebool() { getsebool "$1"; }`,
  `probe_seports() { semanage port -l; }`,
  `probe_sysctl() { sysctl -n "$1"; }`,
];

/** The probe lines for one node (on Debian the SELinux and EPEL ones answer "none"). */
export function elProbeLines(w: ElWanted): string[] {
  const lines = [
    runLine('firewall', w.vrrp.interface),
    runLine('selinux'),
    runLine('package', 'epel-release'),
    runLine('secontext', w.notifyScript),
    runLine('sebool', HTTPD_NETWORK_CONNECT),
  ];
  if (!STOCK_HTTP_PORTS.includes(w.listenPort)) lines.push(runLine('seports'));
  if (w.bindsVip) lines.push(runLine('sysctl', 'net.ipv4.ip_nonlocal_bind'));
  return lines;
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
  return { kind: 'none' };
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

export function parseElFacts(sections: Section[], w: ElWanted): ElFacts {
  const one = (kind: string, arg = '') => sections.find((s) => s.kind === kind && s.arg === arg);
  const se =
    one('selinux')
      ?.body.split('\n')
      .map((l) => l.trim()) ?? [];
  const mode = /^(Enforcing|Permissive)$/.test(se[0] ?? '') ? (se[0]!.toLowerCase() as 'enforcing' | 'permissive') : 'disabled';
  const ctx = one('secontext', w.notifyScript);
  const [actual, policy] = (ctx?.body ?? '').split('\n');
  const bool = one('sebool', HTTPD_NETWORK_CONNECT);
  const ports = one('seports');
  const epel = one('package', 'epel-release');
  const sysctl = one('sysctl', 'net.ipv4.ip_nonlocal_bind');
  return {
    firewall: parseFirewall(one('firewall', w.vrrp.interface)),
    selinux: {
      mode,
      semanage: se.slice(1).some((l) => /\/semanage$/.test(l)),
      contexts: ctx
        ? {
            [w.notifyScript]: {
              actual: actual?.trim() === 'missing' ? null : typeOf(actual),
              policy: typeOf(policy?.replace(/^\S+\s+/, '')),
            },
          }
        : {},
      booleans: bool && bool.code === 0 ? { [HTTPD_NETWORK_CONNECT]: /-->\s*on\b/.test(bool.body) } : {},
      portTypes: ports && ports.code === 0 ? parsePortTypes(ports.body) : null,
    },
    epel: Boolean(epel && epel.code === 0 && /^\d/.test(epel.body.trim())),
    nonlocalBind: sysctl && sysctl.code === 0 ? sysctl.body.trim() : null,
  };
}

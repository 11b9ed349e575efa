// The EL system steps (src/ops/el.ts decides which): one exec runs a list of simple commands under
// `set -e`, each command one line built here from plain values, each value one quoted shell word.
// `deploy --check` prints the lines as they run. The simulated hosts (test/sim/shell.ts) read
// the header and run the lines one by one: keep each a simple command (the two file edits of the
// sysctl step aside), no pipes, no `;`.
//
// The commands are the ones the tools document: firewall-cmd(1), iptables(8), semanage(8),
// setsebool(8), restorecon(8), sysctl(8), dnf module.

import { shellQuote as q } from '../core/quote.js';

/** The first line the simulated hosts know a system step by. */
export const SYSTEM_HEADER = '# haops system v1';

/** One exec for a system change: its commands in order, stopping at the first that fails. */
export function systemScript(commands: readonly string[]): string {
  return [SYSTEM_HEADER, 'set -e', ...commands].join('\n') + '\n';
}

function port(p: number): number {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`not a TCP port: ${p}`);
  return p;
}

/** A name the tools take as one plain word (an SELinux type or boolean, a sysctl key, a module). */
function name(what: string, n: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(n)) throw new Error(`not a plain ${what}: ${JSON.stringify(n)}`);
  return n;
}

// ---- firewalld ------------------------------------------------------------------------------

/** The rich rule that lets `protocol` in from one peer (an IPv6 peer's rule names its family). */
export const peerRichRule = (peer: string, protocol: 'vrrp' | 'ah') =>
  `rule family="${peer.includes(':') ? 'ipv6' : 'ipv4'}" source address="${peer}" protocol value="${protocol}" accept`;

const firewallCmd = (zone: string, permanent: boolean) => `firewall-cmd ${permanent ? '--permanent ' : ''}--zone=${q(zone)}`;

/** `firewall-cmd [--permanent] --zone=ZONE --add-rich-rule=RULE`. */
export const firewalldAddRichRule = (zone: string, permanent: boolean, rule: string) =>
  `${firewallCmd(zone, permanent)} ${q(`--add-rich-rule=${rule}`)}`;

/** `firewall-cmd [--permanent] --zone=ZONE --add-port=PORT/tcp`. */
export const firewalldAddPort = (zone: string, permanent: boolean, tcpPort: number) =>
  `${firewallCmd(zone, permanent)} --add-port=${port(tcpPort)}/tcp`;

// ---- the iptables service (EL6) -------------------------------------------------------------

/** Accepts protocol `protocolNumber` (112 VRRP, 51 AH) from one peer, first in INPUT (before a catch-all REJECT). */
export function iptablesAcceptFrom(protocolNumber: number, peer: string): string {
  if (!Number.isInteger(protocolNumber) || protocolNumber < 0 || protocolNumber > 255)
    throw new Error(`not an IP protocol number: ${protocolNumber}`);
  return `iptables -I INPUT -p ${protocolNumber} -s ${q(peer)} -j ACCEPT`;
}

/** Accepts TCP to one port from anywhere, first in INPUT. */
export const iptablesAcceptPort = (tcpPort: number) => `iptables -I INPUT -p tcp --dport ${port(tcpPort)} -j ACCEPT`;

/** The iptables service loads /etc/sysconfig/iptables at boot: this saves what runs now. */
export const IPTABLES_SAVE = 'service iptables save';

// ---- SELinux --------------------------------------------------------------------------------

/** semanage's own regex for one path: dots escaped, anchored by semanage itself. */
const fcontextSpec = (path: string) => path.replace(/[.[\]()*+?^$|\\{}]/g, '\\$&');

/** `semanage fcontext -a -t TYPE PATH`: the policy labels this one path TYPE (restorecon applies it). */
export const semanageFcontext = (type: string, path: string) =>
  `semanage fcontext -a -t ${name('SELinux type', type)} ${q(fcontextSpec(path))}`;

/** `restorecon -v PATH`: the file gets the label the policy gives it. */
export const restorecon = (path: string) => `restorecon -v ${q(path)}`;

/** `setsebool -P NAME 1|0`: set now and persisted. */
export const setsebool = (boolean: string, on: boolean) => `setsebool -P ${name('SELinux boolean', boolean)} ${on ? 1 : 0}`;

/** `semanage port -a|-m -t TYPE -p tcp PORT`: `modify` when another type lists the port already (-a refuses it). */
export const semanagePort = (type: string, tcpPort: number, modify: boolean) =>
  `semanage port ${modify ? '-m' : '-a'} -t ${name('SELinux type', type)} -p tcp ${port(tcpPort)}`;

// ---- sysctl ---------------------------------------------------------------------------------

/** `sysctl -w KEY=VALUE`: the running kernel only. */
export const sysctlSet = (key: string, value: string) => `sysctl -w ${name('sysctl key', key)}=${name('sysctl value', value)}`;

/** `sed -i '/^ KEY =/d' FILE`: every line of the file that sets the key, removed. */
export function sysctlDrop(key: string, file: string): string {
  const re = name('sysctl key', key).replaceAll('.', '\\.');
  return `sed -i ${q(`/^[[:space:]]*${re}[[:space:]]*=/d`)} ${q(file)}`;
}

/** `echo LINE >> FILE` (append) or `echo LINE > FILE` (the file is that line). */
export function writeLine(line: string, file: string, append: boolean): string {
  if (line.includes('\n')) throw new Error('one line only');
  return `echo ${q(line)} ${append ? '>>' : '>'} ${q(file)}`;
}

// ---- dnf modules (EL8/9) --------------------------------------------------------------------

/** `dnf -y module reset MODULE`: no stream enabled or disabled (`module enable` refuses while another is). */
export const dnfModuleReset = (module: string) => `dnf -y module reset ${name('module', module)}`;

/** `dnf -y module enable MODULE:STREAM`. */
export const dnfModuleEnable = (module: string, stream: string) => `dnf -y module enable ${q(`${name('module', module)}:${stream}`)}`;

// ---- adopting a node (haops import) ---------------------------------------------------------

/**
 * Keeps files someone else wrote before haops replaces them: one directory per run under
 * `backupDir` (`$d`, named by the node's time, made 0700: keepalived.conf holds the VRRP
 * password), `copied` copied there and `moved` moved there, each under its own path. The step's
 * lines share the shell variable `d`: they run in one system script.
 */
export function adoptBackup(backupDir: string, copied: readonly string[], moved: readonly string[]): string[] {
  const dirs = [...new Set([...copied, ...moved].map((p) => p.slice(0, p.lastIndexOf('/')) || '/'))];
  return [
    `d=${q(backupDir)}/$(date +%Y%m%dT%H%M%S)`,
    `(umask 077 && mkdir -p ${dirs.map((x) => `"$d"${q(x)}`).join(' ')})`,
    ...copied.map((p) => `cp -p ${q(p)} "$d"${q(p)}`),
    ...moved.map((p) => `mv -f ${q(p)} "$d"${q(p)}`),
    'echo "kept in $d"',
  ];
}

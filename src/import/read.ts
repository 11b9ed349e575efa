// What import reads on a node, in one round trip: keepalived.conf and every file it includes (the
// include closure is followed on the node), the notify scripts it names, `nginx -T`, versions,
// the OS, its IPv4 addresses and whether the daemons run. An asset (the script) plus its parser.
import { RUN_FUNCTION, runLine, splitSections, type Section } from '../core/sections.js';
import type { Facts } from '../core/state.js';
import { detectOs } from '../facts/os.js';
import { parseKeepalivedVersion } from '../facts/parse.js';
import type { Host } from '../ssh/host.js';
import { parseKeepalivedConf, type ParsedConf } from './keepalived-conf.js';
import { keepalivedModel, type KaModel } from './keepalived-model.js';
import { nginxModel, type NginxModel } from './nginx-conf.js';

export const READ_HEADER = '# haops import v1';
export const KEEPALIVED_MAIN = '/etc/keepalived/keepalived.conf';
/** Files larger than this are cut: a keepalived.conf or notify script is a few KiB. */
const MAX_BYTES = 262144;

const PROBES = [
  `probe_os_release() { cat /etc/os-release; }`,
  `probe_redhat_release() { cat /etc/redhat-release; }`,
  `probe_keepalived_version() { keepalived -v 2>&1 | head -n 1; }`,
  `probe_nginx_version() { nginx -v 2>&1 | head -n 1; }`,
  `probe_kafile() { if [ -f "$1" ]; then head -c ${MAX_BYTES} "$1"; else return 2; fi; }`,
  `probe_script() { if [ -f "$1" ]; then head -c ${MAX_BYTES} "$1"; else return 2; fi; }`,
  `probe_nginx_t() { nginx -T 2>&1; }`,
  `probe_addr() { ip -o -4 addr show; }`,
  `probe_running() { pidof "$1"; }`,
];

/**
 * The include closure, followed on the node (POSIX sh): a queue of paths, each read once; the
 * `include` words of each file are globbed relative to its directory, as keepalived does.
 */
const INCLUDE_LOOP = [
  `kq=${KEEPALIVED_MAIN}; ks=' '; kn=0`,
  `while [ -n "$kq" ] && [ $kn -lt 64 ]; do`,
  `  set -f; set -- $kq; set +f; kf=$1; shift; kq="$*"`,
  `  case "$ks" in *" $kf "*) continue ;; esac`,
  `  ks="$ks$kf "; kn=$((kn + 1)); run kafile "$kf"; [ -f "$kf" ] || continue`,
  `  kd=$(dirname "$kf"); set -f`,
  `  for kp in $(sed -n 's/^[[:space:]]*include[[:space:]][[:space:]]*\\([^#!]*\\).*/\\1/p' "$kf"); do`,
  `    case $kp in /*) ;; *) kp="$kd/$kp" ;; esac; set +f`,
  `    for kg in $kp; do [ -f "$kg" ] && kq="$kq $kg"; done; set -f`,
  `  done; set +f`,
  `done`,
  // The scripts keepalived runs on a state change (the first word of each notify line).
  `for kf in $ks; do sed -n 's/^[[:space:]]*notify[a-z_]*[[:space:]][[:space:]]*"\\{0,1\\}\\(\\/[^"[:space:]]*\\).*/\\1/p' "$kf"; done | sort -u | while read -r kp; do run script "$kp"; done`,
].join('\n');

export function readScript(): string {
  return (
    [
      READ_HEADER,
      RUN_FUNCTION,
      ...PROBES,
      runLine('os_release'),
      runLine('redhat_release'),
      runLine('keepalived_version'),
      runLine('nginx_version'),
      runLine('running', 'keepalived'),
      runLine('running', 'nginx'),
      runLine('addr'),
      INCLUDE_LOOP,
      runLine('nginx_t'),
    ].join('\n') + '\n'
  );
}

export interface NodeAddress {
  dev: string;
  address: string;
  prefix: number;
}

/** One node as import saw it. */
export interface NodeReading {
  /** The name the user gave (SSH destination or Ansible host). */
  name: string;
  os: Facts['os'] | null;
  keepalivedVersion: string | null;
  nginxVersion: string | null;
  running: { keepalived: boolean; nginx: boolean };
  addresses: NodeAddress[];
  /** keepalived.conf and its includes, by path (absent: the file does not exist). */
  files: Map<string, string>;
  conf: ParsedConf;
  keepalived: KaModel;
  /** Notify scripts by path (absent: the file does not exist). */
  scripts: Map<string, string>;
  nginx: NginxModel | null;
  /** `nginx -T`'s last line when it failed (a broken config, no nginx). */
  nginxError?: string;
}

/** `ip -o -4 addr show`: `2: eth0    inet 10.0.0.5/24 brd ... scope global eth0` */
export function parseAddresses(text: string): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+([\d.]+)\/(\d+)/.exec(line.trim());
    if (m) out.push({ dev: m[1]!, address: m[2]!, prefix: Number(m[3]) });
  }
  return out;
}

export function parseReading(name: string, stdout: string): NodeReading {
  const sections = splitSections(stdout);
  const one = (kind: string, arg = ''): Section | undefined => sections.find((s) => s.kind === kind && s.arg === arg);
  const ok = (s: Section | undefined) => (s && s.code === 0 ? s.body : null);
  const files = new Map<string, string>();
  for (const s of sections.filter((x) => x.kind === 'kafile' && x.code === 0)) files.set(s.arg, s.body);
  const scripts = new Map<string, string>();
  for (const s of sections.filter((x) => x.kind === 'script' && x.code === 0)) scripts.set(s.arg, s.body);
  const conf = parseKeepalivedConf(KEEPALIVED_MAIN, files);
  const nt = one('nginx_t');
  const nginxOk = nt && nt.code === 0;
  const nginxVersion = /nginx\/(\S+)/.exec(ok(one('nginx_version')) ?? one('nginx_version')?.body ?? '')?.[1] ?? null;
  return {
    name,
    os: detectOs(ok(one('os_release')), ok(one('redhat_release'))),
    keepalivedVersion: parseKeepalivedVersion(one('keepalived_version')?.body ?? ''),
    nginxVersion,
    running: { keepalived: one('running', 'keepalived')?.code === 0, nginx: one('running', 'nginx')?.code === 0 },
    addresses: parseAddresses(ok(one('addr')) ?? ''),
    files,
    conf,
    keepalived: keepalivedModel(conf),
    scripts,
    nginx: nginxOk ? nginxModel(nt.body) : null,
    ...(!nginxOk && nt ? { nginxError: nt.body.trim().split('\n').at(-1) ?? `exit ${nt.code}` } : {}),
  };
}

/** keepalived.conf and its includes only (deploy --check compares it with the config it would write). */
export function keepalivedScript(): string {
  return [READ_HEADER, RUN_FUNCTION, ...PROBES, INCLUDE_LOOP].join('\n') + '\n';
}

export async function readKeepalived(host: Host): Promise<KaModel> {
  const r = await host.exec(keepalivedScript(), { timeoutMs: 60_000 });
  const files = new Map<string, string>();
  for (const s of splitSections(r.stdout).filter((x) => x.kind === 'kafile' && x.code === 0)) files.set(s.arg, s.body);
  return keepalivedModel(parseKeepalivedConf(KEEPALIVED_MAIN, files));
}

/** One round trip: the script, then its parse. */
export async function readNode(host: Host): Promise<NodeReading> {
  const r = await host.exec(readScript(), { timeoutMs: 60_000 });
  return parseReading(host.name, r.stdout);
}

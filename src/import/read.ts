// What import reads on a node, in one round trip: keepalived.conf and every file it includes (the
// include closure is followed on the node), the notify scripts it names, `nginx -T`, versions,
// the OS, its IPv4 addresses and whether the daemons run: the asset (protocol/import-read.ts), read.
import { splitSections, type Section } from '../core/sections.js';
import { IMPORT_READ, KEEPALIVED_MAIN } from '../protocol/import-read.js';
import { bind } from '../protocol/script.js';
import type { Facts } from '../core/state.js';
import { detectOs } from '../facts/os.js';
import { parseKeepalivedVersion } from '../facts/parse.js';
import type { Host } from '../ssh/host.js';
import { parseKeepalivedConf, type ParsedConf } from './keepalived-conf.js';
import { keepalivedModel, type KaModel } from './keepalived-model.js';
import { nginxModel, type NginxModel } from './nginx-conf.js';

export { KEEPALIVED_MAIN, READ_HEADER } from '../protocol/import-read.js';

export const readScript = (): string => bind(IMPORT_READ, { ALL: true });

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
export const keepalivedScript = (): string => bind(IMPORT_READ, { ALL: false });

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

// `haops init FILE`: a short, commented inventory for one pair, from flags or (on a terminal
// without them) from prompts. The text is validated before it is written, so it validates as
// written; an existing file is kept unless --force.
import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CIDR_RE, IPV4_RE } from '../core/ipv4.js';
import { UsageError } from '../core/errors.js';
import { OS_HINT_NAMES, OS_HINTS, defaultCheckScript } from '../core/os-hints.js';
import { InventoryError, formatIssue } from '../inventory/errors.js';
import { HOST_RE, NAME_RE } from '../inventory/rules.js';
import { parseModel } from '../model/load.js';

/** The variable the VRRP password is read from: named in the file and in the message. */
export const VRRP_PASSWORD_ENV = 'HAOPS_VRRP_PASSWORD';

export interface InitAnswers {
  nodes: string[];
  vip: string;
  interface: string;
  upstreams: string[];
  os?: string;
}

export interface InitFlags {
  nodes?: string;
  vip?: string;
  interface?: string;
  upstreams?: string;
  os?: string;
  force?: boolean;
}

const USAGE = 'haops init FILE --nodes ADDR,ADDR --vip ADDR/PREFIX [--interface IF] [--upstreams HOST:PORT,...] [--os FAMILY] [--force]';
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Checks each value the way the inventory will, with a usage error naming the flag. */
export function answersFrom(flags: InitFlags): InitAnswers {
  const nodes = list(flags.nodes);
  if (nodes.length !== 2 || nodes[0] === nodes[1])
    throw new UsageError(`--nodes ${flags.nodes ?? ''}: a pair has exactly two different nodes`, 'write --nodes 10.0.0.11,10.0.0.12');
  for (const n of nodes)
    if (!HOST_RE.test(n))
      throw new UsageError(`--nodes: ${JSON.stringify(n)} is not an address or host name`, 'write --nodes 10.0.0.11,10.0.0.12');
  const vip = flags.vip ?? '';
  // Several, comma-separated: one instance whose addresses move together (vips:).
  for (const v of vip.split(','))
    if (!CIDR_RE.test(v))
      throw new UsageError(
        `--vip ${vip}: expected the VIP with its prefix, like 10.0.0.100/24 (several: 10.0.0.100/24,10.0.0.101/24)`,
        'the prefix is the LAN of the pair: haops derives the subnet from it',
      );
  const iface = flags.interface ?? 'eth0';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$/.test(iface)) throw new UsageError(`--interface ${iface}: expected an interface name like eth0`);
  const upstreams = list(flags.upstreams);
  for (const u of upstreams)
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*:\d{1,5}$/.test(u))
      throw new UsageError(`--upstreams: ${JSON.stringify(u)} is not HOST:PORT`, 'write --upstreams 10.0.0.21:8080,10.0.0.22:8080');
  if (flags.os !== undefined && !OS_HINTS[flags.os])
    throw new UsageError(`--os ${flags.os}: unknown OS`, `use one of ${OS_HINT_NAMES.join(', ')}`);
  return { nodes, vip, interface: iface, upstreams, ...(flags.os ? { os: flags.os } : {}) };
}

/** Inventory names for the two nodes: the first label of a host name, else node1 and node2. */
function nodeNames(nodes: string[]): [string, string] {
  const label = (a: string) => (IPV4_RE.test(a) ? '' : a.split('.')[0]!);
  const [a, b] = nodes.map(label) as [string, string];
  return a && b && a !== b && NAME_RE.test(a) && NAME_RE.test(b) ? [a, b] : ['node1', 'node2'];
}

/** `vip: A` for one address; `vips: [A, B]` for several that move together. */
function vipLine(vip: string): string {
  const vips = vip.split(',');
  if (vips.length === 1) return `vip: ${vip}${' '.repeat(Math.max(1, 19 - vip.length))}# the subnet is taken from its prefix`;
  return `vips: [${vips.join(', ')}]   # they move together; the subnet is taken from the first's prefix`;
}

export function initInventoryYaml(a: InitAnswers): string {
  const [n1, n2] = nodeNames(a.nodes);
  const os = a.os ? `, os: ${a.os}` : '';
  const family = a.os ? OS_HINTS[a.os]!.family : undefined;
  const servers = a.upstreams.length ? a.upstreams : ['127.0.0.1:8080'];
  return `# One keepalived + nginx pair, written by \`haops init\`. Next:
#   export ${VRRP_PASSWORD_ENV}=...   (the VRRP password, 1 to 8 characters)
#   haops validate FILE; haops plan FILE; haops deploy FILE --check --diff; haops deploy FILE
ssh:
  user: root                  # or a sudoer: user: admin plus sudo: true
hosts:
  ${n1}: { address: ${a.nodes[0]}${os} }
  ${n2}: { address: ${a.nodes[1]}${os} }
${a.os ? '' : '# os: centos7 (or el9, debian12, ...) on each host lets validate, plan and render assume that OS\n'}pairs:
  web:
    nodes: [${n1}, ${n2}]
    interface: ${a.interface}${' '.repeat(Math.max(1, 16 - a.interface.length))}# the NIC that carries the VIP, on both nodes
    instances:
      - name: VI_1
        virtual_router_id: 51   # 1..255, used by no other VRRP group on this LAN
        ${vipLine(a.vip)}
        master: ${n1}${' '.repeat(Math.max(1, 16 - n1.length))}# holds the VIP while both nodes are healthy
        authentication: { type: PASS, password_env: ${VRRP_PASSWORD_ENV} }
    # check: ${family ? `"${defaultCheckScript(family)}" on ${OS_HINTS[a.os!]!.platform}` : 'killall -0 nginx, or /usr/bin/pgrep -x nginx where SELinux confines keepalived (EL7+)'} (the default)
    nginx:
      listen: 80
      upstreams:
        - name: app
          servers: [${servers.join(', ')}]${a.upstreams.length ? '' : '   # your application servers'}
`;
}

async function ask(flags: InitFlags): Promise<InitFlags> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  // Lines typed (or pasted) ahead of a prompt are kept by the iterator, not dropped as question() would.
  const lines = rl[Symbol.asyncIterator]();
  try {
    const q = async (text: string, current?: string, fallback?: string) => {
      if (current !== undefined) return current;
      process.stdout.write(`${text}${fallback ? ` [${fallback}]` : ''}: `);
      const next = await lines.next();
      return (next.done ? '' : String(next.value).trim()) || fallback;
    };
    return {
      ...flags,
      nodes: await q('The two nodes (addresses or host names, comma-separated)', flags.nodes),
      vip: await q('The VIP with its prefix (like 10.0.0.100/24)', flags.vip),
      interface: await q('The interface that carries the VIP', flags.interface, 'eth0'),
      upstreams: await q('The application servers nginx proxies to (HOST:PORT, comma-separated)', flags.upstreams, ''),
      os: await q(`The nodes' OS (${OS_HINT_NAMES.slice(0, 6).join(', ')}, ... or empty)`, flags.os, ''),
    };
  } finally {
    rl.close();
  }
}

export async function initCommand(file: string, flags: InitFlags, out: (s: string) => void, interactive: boolean): Promise<number> {
  if (existsSync(file) && !flags.force)
    throw new UsageError(`${file} exists; haops init does not overwrite it`, 'pick another file, or pass --force');
  let f = flags;
  if (f.nodes === undefined || f.vip === undefined) {
    if (!interactive) throw new UsageError(`--nodes and --vip are needed without a terminal\n    usage: ${USAGE}`);
    f = await ask(f);
    if (!f.upstreams) delete f.upstreams;
    if (!f.os) delete f.os;
  }
  const answers = answersFrom(f);
  const text = initInventoryYaml(answers);
  // Validated before it is written, with a stand-in password: the file must validate as written.
  try {
    parseModel(text, file, { [VRRP_PASSWORD_ENV]: 'standin' });
  } catch (e) {
    if (e instanceof InventoryError)
      throw new UsageError(
        `these values do not make a valid pair:\n${e.issues.map(formatIssue).join('\n')}`,
        'fix the flags and run init again',
      );
    throw e;
  }
  try {
    writeFileSync(file, text, { flag: flags.force ? 'w' : 'wx', mode: 0o644 });
  } catch (e) {
    throw new UsageError(
      `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      'pick a file in a directory you can write',
    );
  }
  out(
    `wrote ${file}: pair web (${answers.nodes.join(', ')}), ${answers.vip.includes(',') ? 'VIPs' : 'VIP'} ${answers.vip.split(',').join(', ')}${answers.os ? `, os ${answers.os}` : ''}`,
  );
  out(`next: export ${VRRP_PASSWORD_ENV}=...  (the VRRP password: 1 to 8 letters, digits or _ . : @ % + , = / -)`);
  out(`      haops validate ${file} && haops plan ${file} && haops deploy ${file} --check --diff`);
  return 0;
}

export function registerInit(program: Command, io: { out: (s: string) => void; setCode: (c: number) => void }): void {
  program
    .command('init')
    .description('write a short, commented inventory for one pair (asks on a terminal when flags are missing)')
    .argument('<file>')
    .option('--nodes <addr,addr>', 'the two nodes: addresses or host names')
    .option('--vip <addr/prefix>', 'the virtual IP with its prefix, like 10.0.0.100/24 (several that move together: comma-separated)')
    .option('--interface <if>', 'the interface that carries the VIP (default eth0)')
    .option('--upstreams <host:port,...>', 'the application servers nginx proxies to')
    .option('--os <family>', `the nodes' OS (${OS_HINT_NAMES.slice(0, 6).join(', ')}, ...)`)
    .option('--force', 'overwrite FILE if it exists')
    .action(async (file: string, o: InitFlags) => {
      io.setCode(await initCommand(file, o, io.out, Boolean(process.stdin.isTTY && process.stdout.isTTY)));
    });
}

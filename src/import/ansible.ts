// Ansible inventories (INI and YAML) as far as reaching hosts goes: groups, children, group and
// host vars, and the connection variables haops can use. Pure: text in, hosts out; errors name
// file:line and the fix.
import { parseDocument, isMap, type Document } from 'yaml';
import { UsageError } from '../core/errors.js';

type Vars = Record<string, unknown>;

interface Group {
  hosts: Map<string, Vars>;
  vars: Vars;
  children: Set<string>;
}

export interface AnsibleInventory {
  groups: Map<string, Group>;
  /** Every host, in the order it first appears. */
  hosts: string[];
}

/** A host as ssh reaches it, from its merged variables. */
export interface AnsibleHost {
  name: string;
  address: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** `ansible_become`: commands go through sudo (haops asks for the password when sudo wants one). */
  become: boolean;
  becomeUser?: string;
  /** `ProxyJump` / `-J` from ansible_ssh_common_args or ansible_ssh_extra_args: `[user@]host[:port]`. */
  jump?: string;
  /** Connection settings haops does not use (a password, another connection plugin): for the warning. */
  ignored: string[];
}

function group(inv: AnsibleInventory, name: string): Group {
  let g = inv.groups.get(name);
  if (!g) {
    g = { hosts: new Map(), vars: {}, children: new Set() };
    inv.groups.set(name, g);
  }
  return g;
}

function addHost(inv: AnsibleInventory, g: string, host: string, vars: Vars): void {
  const gr = group(inv, g);
  gr.hosts.set(host, { ...(gr.hosts.get(host) ?? {}), ...vars });
  if (!inv.hosts.includes(host)) inv.hosts.push(host);
}

/** `web[01:03].example.com` → web01, web02, web03 (Ansible's numeric and letter ranges). */
export function expandHostPattern(p: string): string[] {
  const m = /^(.*)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/.exec(p);
  if (!m) return [p];
  const [, head, lo, hi, step = '1', tail] = m as unknown as [string, string, string, string, string | undefined, string];
  const out: string[] = [];
  if (/^\d+$/.test(lo) && /^\d+$/.test(hi)) {
    for (let i = Number(lo); i <= Number(hi); i += Number(step))
      out.push(...expandHostPattern(`${head}${String(i).padStart(lo.length, '0')}${tail}`));
  } else {
    for (let c = lo.charCodeAt(0); c <= hi.charCodeAt(0); c += Number(step))
      out.push(...expandHostPattern(`${head}${String.fromCharCode(c)}${tail}`));
  }
  return out;
}

/** `k=v k2="a b" k3='c'` as Ansible's INI reads them (numbers and true/false become values). */
function iniVars(text: string, where: string): Vars {
  const vars: Vars = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new UsageError(`${where}: cannot read "${text.slice(i).trim()}" as key=value`, 'write host variables as key=value pairs');
    vars[m[1]!] = iniValue(m[2]!);
    i = re.lastIndex;
  }
  return vars;
}

function iniValue(v: string): unknown {
  if (/^".*"$|^'.*'$/s.test(v)) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^(true|yes)$/i.test(v)) return true;
  if (/^(false|no)$/i.test(v)) return false;
  return v;
}

export function parseAnsibleIni(text: string, file: string): AnsibleInventory {
  const inv: AnsibleInventory = { groups: new Map(), hosts: [] };
  group(inv, 'all');
  let section = 'ungrouped';
  let kind: 'hosts' | 'vars' | 'children' = 'hosts';
  text.split(/\r?\n/).forEach((raw, idx) => {
    const where = `${file}:${idx + 1}`;
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]:]+)(?::(vars|children))?\]\s*$/.exec(line);
    if (head) {
      section = head[1]!;
      kind = (head[2] as 'vars' | 'children' | undefined) ?? 'hosts';
      group(inv, section);
      return;
    }
    if (line.startsWith('['))
      throw new UsageError(`${where}: "${line.trim()}" is not a section header`, 'write [group], [group:vars] or [group:children]');
    if (kind === 'vars') {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (!m) throw new UsageError(`${where}: expected key=value in [${section}:vars]`, 'one variable per line: name=value');
      group(inv, section).vars[m[1]!] = iniValue(m[2]!);
    } else if (kind === 'children') {
      const child = line.trim().split(/\s+/)[0]!;
      group(inv, section).children.add(child);
      group(inv, child);
    } else {
      const [name = '', ...rest] = line.replace(/\s+#.*$/, '').split(/\s+/);
      const vars = iniVars(rest.join(' '), where);
      for (const h of expandHostPattern(name)) addHost(inv, section, h, vars);
    }
  });
  linkAll(inv);
  return inv;
}

const asVars = (v: unknown): Vars => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Vars) : {});

export function parseAnsibleYaml(text: string, file: string): AnsibleInventory {
  const doc: Document = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [1, 1];
    throw new UsageError(`${file}:${line}:${col}: not valid YAML (${e.message.split('\n')[0]})`, 'fix the YAML syntax');
  }
  if (!isMap(doc.contents))
    throw new UsageError(`${file}:1:1: an Ansible YAML inventory is a mapping of groups (all: ...)`, 'start the file with all:');
  const inv: AnsibleInventory = { groups: new Map(), hosts: [] };
  group(inv, 'all');
  const walk = (name: string, body: unknown, depth: number) => {
    if (depth > 32) throw new UsageError(`${file}: groups nest deeper than 32 (a loop?) at ${name}`, 'check children:');
    const b = asVars(body);
    const g = group(inv, name);
    Object.assign(g.vars, asVars(b.vars));
    for (const [h, hv] of Object.entries(asVars(b.hosts))) for (const x of expandHostPattern(h)) addHost(inv, name, x, asVars(hv));
    for (const [c, cb] of Object.entries(asVars(b.children))) {
      g.children.add(c);
      walk(c, cb, depth + 1);
    }
  };
  for (const [name, body] of Object.entries(asVars(doc.toJS()))) walk(name, body, 0);
  linkAll(inv);
  return inv;
}

/** Every group is a child of all; hosts in no group are in ungrouped. */
function linkAll(inv: AnsibleInventory): void {
  const all = group(inv, 'all');
  for (const name of inv.groups.keys()) if (name !== 'all') all.children.add(name);
}

export function parseAnsibleInventory(text: string, file: string): AnsibleInventory {
  // YAML inventories start with a mapping key; INI with [section] or a host line.
  const first = text.split(/\r?\n/).find((l) => l.trim() && !/^\s*[#;]/.test(l)) ?? '';
  const yaml = /\.ya?ml$/i.test(file) || /^(---|\S[^=\s]*:\s*($|#|\{))/.test(first);
  return yaml ? parseAnsibleYaml(text, file) : parseAnsibleIni(text, file);
}

/** Group names a host belongs to, every ancestor included, parents before children (for precedence). */
function groupsOf(inv: AnsibleInventory, host: string): string[] {
  const direct = [...inv.groups].filter(([, g]) => g.hosts.has(host)).map(([n]) => n);
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (name === 'all' || seen.has(name)) return 0;
    seen.add(name);
    const parents = [...inv.groups].filter(([, g]) => g.children.has(name)).map(([n]) => n);
    const d = parents.length ? 1 + Math.max(...parents.map((p) => depthOf(p, seen))) : 1;
    depth.set(name, d);
    return d;
  };
  const all = new Set<string>();
  const up = (name: string) => {
    if (all.has(name)) return;
    all.add(name);
    for (const [n, g] of inv.groups) if (g.children.has(name)) up(n);
  };
  for (const d of direct) up(d);
  all.add('all');
  return [...all].sort((a, b) => depthOf(a, new Set()) - depthOf(b, new Set()) || a.localeCompare(b));
}

/** A host's variables: all, then groups from parent to child, then the host's own (Ansible's order). */
export function hostVars(inv: AnsibleInventory, host: string): Vars {
  const vars: Vars = {};
  for (const g of groupsOf(inv, host)) Object.assign(vars, inv.groups.get(g)!.vars);
  for (const g of groupsOf(inv, host)) Object.assign(vars, inv.groups.get(g)!.hosts.get(host) ?? {});
  return vars;
}

/** `--limit`: hosts or groups, `,` or `:` separated, `*` wildcards, `!x` excludes, `&x` intersects. */
export function limitHosts(inv: AnsibleInventory, pattern: string | undefined): string[] {
  if (!pattern) return inv.hosts;
  const match = (p: string): Set<string> => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const out = new Set<string>();
    for (const h of inv.hosts) if (re.test(h)) out.add(h);
    for (const [name] of inv.groups) if (re.test(name)) for (const h of inv.hosts) if (groupsOf(inv, h).includes(name)) out.add(h);
    return out;
  };
  let chosen = new Set<string>();
  const parts = pattern.split(/[,:]/).filter(Boolean);
  for (const p of parts.filter((x) => !/^[!&]/.test(x))) for (const h of match(p)) chosen.add(h);
  for (const p of parts.filter((x) => x.startsWith('&'))) {
    const m = match(p.slice(1));
    chosen = new Set([...chosen].filter((h) => m.has(h)));
  }
  for (const p of parts.filter((x) => x.startsWith('!'))) for (const h of match(p.slice(1))) chosen.delete(h);
  return inv.hosts.filter((h) => chosen.has(h));
}

/** ProxyJump from ssh arguments: `-J x`, `-o ProxyJump=x`, `-o 'ProxyJump x'`, or `ProxyCommand ssh -W %h:%p x`. */
export function jumpFromArgs(args: string): string | undefined {
  const j = /(?:^|\s)-J\s*(\S+)/.exec(args) ?? /ProxyJump[=\s]+([^\s'"]+)/i.exec(args);
  if (j) return j[1]!.replace(/^['"]|['"]$/g, '');
  const pc = /ProxyCommand[=\s]+["']?ssh\s+(.*?)["']?$/i.exec(args);
  if (pc && /-W\s*%h:%p/.test(pc[1]!)) {
    const words = pc[1]!
      .replace(/-W\s*%h:%p/, '')
      .trim()
      .split(/\s+/);
    let user: string | undefined;
    let port: string | undefined;
    let host: string | undefined;
    for (let i = 0; i < words.length; i++) {
      if (words[i] === '-p') port = words[++i];
      else if (words[i] === '-l') user = words[++i];
      else if (!words[i]!.startsWith('-')) host = words[i];
    }
    if (host) return `${user && !host.includes('@') ? `${user}@` : ''}${host}${port ? `:${port}` : ''}`;
  }
  return undefined;
}

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|yes|1)$/i.test(v)) || v === 1;

export function ansibleHost(inv: AnsibleInventory, name: string): AnsibleHost {
  const v = hostVars(inv, name);
  const port = str(v.ansible_port ?? v.ansible_ssh_port);
  const args = [str(v.ansible_ssh_common_args), str(v.ansible_ssh_extra_args)].filter(Boolean).join(' ');
  const jump = jumpFromArgs(args);
  const ignored = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass'].filter((k) => k in v);
  const conn = str(v.ansible_connection);
  if (conn && !['ssh', 'smart', 'paramiko'].includes(conn)) ignored.push(`ansible_connection=${conn}`);
  const becomeMethod = str(v.ansible_become_method);
  if (becomeMethod && becomeMethod !== 'sudo') ignored.push(`ansible_become_method=${becomeMethod}`);
  return {
    name,
    address: str(v.ansible_host ?? v.ansible_ssh_host) ?? name,
    ...(port ? { port: Number(port) } : {}),
    ...(str(v.ansible_user ?? v.ansible_ssh_user) ? { user: str(v.ansible_user ?? v.ansible_ssh_user)! } : {}),
    ...(str(v.ansible_ssh_private_key_file) ? { identityFile: str(v.ansible_ssh_private_key_file)! } : {}),
    become: truthy(v.ansible_become),
    ...(str(v.ansible_become_user) ? { becomeUser: str(v.ansible_become_user)! } : {}),
    ...(jump ? { jump } : {}),
    ignored,
  };
}

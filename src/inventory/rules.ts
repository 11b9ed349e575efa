// The rules every inventory value must meet before it may reach a node, a file or a shell, in one
// place: names (map keys too), node-side paths, VRRP passwords, nginx directives, hosts and ports.
// A value that passes here is written into config files and scripts as it is. Pure.
import { posix } from 'node:path';

/** Pairs, hosts, instances, checks, upstreams: they become config tokens, comments and file names. */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
export const NAME_RULE = 'must start with a letter and hold only letters, digits, _ . - (at most 63)';

/** Names an object already answers to: never looked up by accident, refused outright. */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
/** Words YAML parsers read as booleans or null, as keys too: a host named `true` means two things. */
const YAML_WORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n']);

export function nameProblem(value: string): string | undefined {
  if (!NAME_RE.test(value)) return NAME_RULE;
  if (PROTOTYPE_NAMES.has(value)) return `"${value}" is reserved (a name every JavaScript object has)`;
  if (YAML_WORDS.has(value.toLowerCase())) return `"${value}" is a YAML boolean or null word, not a plain name`;
  return undefined;
}

/** A host name or address as it reaches ssh, nginx or curl: never an option (no leading -). */
export const HOST_RE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/;

/** The words `probe.from` takes besides a host: this machine, or no client-side probe at all. */
export const PROBE_WORDS = ['local', 'none'] as const;

/**
 * Where the user's path is asked from: `local`, `none`, an inventory host, or an SSH destination
 * (an address or a ~/.ssh/config alias, like jump:). It reaches ssh and the output, never a shell.
 */
export function probeFromProblem(value: string): string | undefined {
  if ((PROBE_WORDS as readonly string[]).includes(value)) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/.test(value))
    return 'must be local, none, a host of this inventory, or an SSH host name or address (letters, digits, _ . -, not starting with - or .; no user@ or :port: set those under hosts: or in ~/.ssh/config)';
  return undefined;
}

export function portProblem(text: string): string | undefined {
  const n = Number(text);
  return /^\d{1,5}$/.test(text) && n >= 1 && n <= 65535 ? undefined : `port ${text} is not 1..65535`;
}

/** The files haops writes on every node; no inventory path may name one of them or a directory above. */
export const MANAGED_PATHS = ['/etc/keepalived/keepalived.conf', '/etc/nginx/conf.d/haops.conf', '/etc/keepalived/haops-notify'] as const;

/**
 * System directories no inventory path may point into: binaries and libraries (a notify script
 * named /bin/sh would replace the shell), kernel and device trees, credentials, package
 * databases, and world-writable places (anyone could plant the file first). Exceptions are the
 * usual homes of keepalived's scripts.
 */
export const SYSTEM_DIRS = [
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/usr',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
  '/run',
  '/etc',
  '/root',
  '/var/lib',
  '/var/cache',
  '/var/spool',
  '/var/run',
  '/var/tmp',
  '/tmp',
];
export const ALLOWED_UNDER_SYSTEM_DIRS = [
  '/usr/local/bin',
  '/usr/local/sbin',
  '/usr/local/lib',
  '/usr/local/libexec',
  '/usr/libexec/keepalived',
  '/etc/keepalived',
];

const under = (path: string, dir: string) => path.startsWith(`${dir}/`);

export type NodePathKind = 'script' | 'log' | 'command';

/**
 * A path on the node: absolute, normalised (no `.`/`..`, no `//`, no trailing `/`), plain
 * characters, not one of the files haops manages (nor a directory above one), and — for files
 * haops writes — not inside a system directory.
 */
export function nodePathProblem(path: string, kind: NodePathKind): string | undefined {
  if (!/^\/[A-Za-z0-9_.\/-]+$/.test(path)) return 'must be an absolute path of letters, digits and _ . / - only';
  if (posix.normalize(path) !== path || path.endsWith('/') || path.split('/').some((s) => s === '.' || s === '..')) {
    return 'must be normalised: no "..", "." or "//" segments and no trailing /';
  }
  if (path.split('/').some((s) => s.startsWith('-'))) return 'no path segment may start with -';
  for (const managed of MANAGED_PATHS) {
    if (path === managed || under(managed, path))
      return `is ${path === managed ? '' : 'a directory above '}a file haops manages (${managed})`;
  }
  if (kind === 'command') return undefined; // run, never written: /usr/bin/send-sms is fine
  if (path.split('/').includes('.ssh')) return 'is inside a .ssh directory';
  const system = SYSTEM_DIRS.find((d) => path === d || under(path, d));
  if (system && !ALLOWED_UNDER_SYSTEM_DIRS.some((d) => under(path, d) && (kind === 'script' || d !== '/etc/keepalived'))) {
    return `is inside the system directory ${system} (haops would overwrite ${kind === 'script' ? 'it with a script' : 'or append to it'}); use ${kind === 'script' ? '/usr/local/bin/ or /etc/keepalived/' : '/var/log/'}`;
  }
  return undefined;
}

/**
 * VRRP passwords, as keepalived reads them: auth_pass is one token of at most 8 bytes (PASS and
 * AH alike); keepalived ≥ 2.0.15 expands `$NAME` on every line (so `$_RANDOM` differs per node),
 * `#` and `!` start comments, quotes and braces are syntax. So: 1..8 of a plain set.
 */
export const VRRP_PASSWORD_RE = /^[A-Za-z0-9_.:@%+,=\/-]{1,8}$/;

export function vrrpPasswordProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(value);
  if (bytes > 8) return `is ${bytes} bytes; keepalived uses only the first 8, so two nodes may disagree about it`;
  if (!VRRP_PASSWORD_RE.test(value))
    return 'holds a character keepalived.conf cannot carry ($ expands variables, # and ! start comments, quotes, braces and spaces are syntax)';
  return undefined;
}

/** sudo reads one line from stdin: a sudo password is anything but an empty string, a newline or NUL. */
export function sudoPasswordProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (/[\n\r\0]/.test(value)) return 'holds a newline or NUL, which sudo cannot read from one line';
  return undefined;
}

/**
 * One nginx directive as nginx's own parser reads it: tokens, quoted strings (balanced, with
 * escapes), and exactly one statement — a simple directive ending in `;`, or one block `{ ... }`
 * whose braces balance. No comments (`#` would swallow the rest of the line).
 */
export function nginxDirectiveProblem(text: string): string | undefined {
  if (/[\n\r\0]/.test(text)) return 'holds a newline';
  let depth = 0;
  let statements = 0;
  let tokens = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return `has an unbalanced ${c === '"' ? 'double' : 'single'} quote`;
      tokens++;
      i = j + 1;
    } else if (c === '#') {
      return 'holds # (nginx reads the rest of the line as a comment)';
    } else if (c === '{') {
      if (tokens === 0) return 'opens a block without a directive name';
      depth++;
      tokens = 0;
      i++;
    } else if (c === '}') {
      if (depth === 0) return 'closes a brace it did not open';
      if (tokens > 0) return 'has a directive without ; before }';
      depth--;
      if (depth === 0) statements++;
      i++;
    } else if (c === ';') {
      if (tokens === 0) return 'has an empty statement (;;)';
      tokens = 0;
      if (depth === 0) statements++;
      i++;
    } else {
      if (statements > 0 && depth === 0) return 'holds more than one directive: give each its own entry';
      while (i < text.length && !' \t;{}"\''.includes(text[i]!)) i += text[i] === '\\' ? 2 : 1;
      tokens++;
    }
    if (statements > 1) return 'holds more than one directive: give each its own entry';
  }
  if (depth > 0) return 'opens a brace it does not close';
  if (tokens > 0) return 'must end with ; (or be one block { ... })';
  if (statements === 0) return 'is empty';
  return undefined;
}

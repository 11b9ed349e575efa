// The rules every inventory value must meet before it may reach a node, a file or a shell, in one
// place: names (map keys too), node-side paths, VRRP passwords, nginx directives, hosts and ports.
// A value that passes here is written into config files and scripts as it is. Pure.
import { posix } from 'node:path';
import { MIN_MASKABLE } from '../core/mask.js';
import { parseNginx, walkNginx } from '../core/nginx-conf.js';

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
  // keepalived takes 1..8 (PASS pads a short one with zeros), but a password of 1 to 3 characters
  // cannot be masked in output without masking ordinary text ("0" is in every timestamp).
  if (value.length < MIN_MASKABLE)
    return `is ${value.length} character${value.length === 1 ? '' : 's'}: haops masks secrets in its output and cannot tell one this short from ordinary text`;
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

/** What an `extra` entry may not be, with the fix: the refusal names its place in the entry. */
export interface ExtraProblem {
  problem: string;
  fix: string;
}

/** An extra entry longer than this is not a directive someone typed (nginx's own token limit is 4 KB). */
export const MAX_EXTRA_CHARS = 2048;

/**
 * Directives nginx takes only at main, events or http level (or in another module's context):
 * inside haops's server block `nginx -t` refuses them, so validate does first. log_format here
 * is the break-out the first review found (an http-level format plus an access_log to any file).
 */
const NOT_IN_SERVER = new Set([
  'user',
  'worker_processes',
  'worker_rlimit_nofile',
  'worker_rlimit_core',
  'worker_priority',
  'worker_cpu_affinity',
  'worker_shutdown_timeout',
  'working_directory',
  'pid',
  'lock_file',
  'daemon',
  'master_process',
  'load_module',
  'env',
  'timer_resolution',
  'thread_pool',
  'pcre_jit',
  'ssl_engine',
  'debug_points',
  'events',
  'worker_connections',
  'use',
  'multi_accept',
  'accept_mutex',
  'http',
  'stream',
  'mail',
  'server',
  'upstream',
  'map',
  'geo',
  'geoip_country',
  'geoip_city',
  'geoip_org',
  'split_clients',
  'log_format',
  'proxy_cache_path',
  'fastcgi_cache_path',
  'uwsgi_cache_path',
  'scgi_cache_path',
  'limit_req_zone',
  'limit_conn_zone',
  'server_names_hash_max_size',
  'server_names_hash_bucket_size',
  'variables_hash_max_size',
  'variables_hash_bucket_size',
  'map_hash_max_size',
  'map_hash_bucket_size',
  'perl_modules',
  'perl_require',
  'perl_set',
  'charset_map',
  'js_path',
  'js_preload_object',
  'js_shared_dict_zone',
  'keyval_zone',
]);

/** Directives that write files where the inventory says: as the nginx master (root) or its workers. */
const WRITES_FILES = new Set([
  'client_body_temp_path',
  'proxy_temp_path',
  'fastcgi_temp_path',
  'uwsgi_temp_path',
  'scgi_temp_path',
  'proxy_store',
  'fastcgi_store',
  'uwsgi_store',
  'scgi_store',
]);

/** Where access_log/error_log may write: nginx's own log directory (root opens these files). */
const NGINX_LOG_DIR = '/var/log/nginx/';

function logTargetProblem(target: string): string | undefined {
  if (target.startsWith('syslog:') || target === 'stderr') return undefined;
  if (target.startsWith(NGINX_LOG_DIR) && /^[A-Za-z0-9_.\/-]+$/.test(target) && posix.normalize(target) === target) {
    if (!target.split('/').some((s) => s === '..' || s === '.')) return undefined;
  }
  return `writes to ${JSON.stringify(target)}: nginx's master runs as root and appends request lines to that file, whatever it is`;
}

/**
 * One `nginx.extra` entry, as nginx's own lexer and parser read it (core/nginx-conf.ts, a port of
 * ngx_conf_read_token): exactly one statement, a simple directive ending in `;` or one block whose
 * braces balance, so the entry begins and ends where the server block's own statements do and
 * cannot close it, open another, or reach http level. No comments (write them in YAML), no
 * control characters, no include (a file haops cannot see), no directive nginx refuses inside a
 * server block, and logs only under /var/log/nginx/.
 */
export function nginxExtraProblem(text: string): ExtraProblem | undefined {
  const fixOne = 'give each directive its own entry, like "client_max_body_size 10m;" or "location /x { return 204; }"';
  const at = (col: number) => `(at character ${col} of the entry)`;
  const ctl = /[\u0000-\u0008\u000a-\u001f\u007f]/.exec(text);
  if (ctl) return { problem: `holds a control character ${at(ctl.index + 1)}`, fix: `${fixOne}; write \\n for a newline inside quotes` };
  if (text.length > MAX_EXTRA_CHARS)
    return {
      problem: `is ${text.length} characters, more than the ${MAX_EXTRA_CHARS} haops takes`,
      fix: 'put a long configuration in a file of its own on the node',
    };
  const parsed = parseNginx(text);
  if (!parsed.ok) {
    const e = parsed.error;
    return { problem: `does not parse as nginx reads it: ${e.message} ${at(e.col)}`, fix: fixOne };
  }
  if (parsed.comments.length)
    return {
      problem: `holds a comment ${at(parsed.comments[0]!.col)}: nginx reads # at the start of a word as the rest of the line`,
      fix: 'write the comment in YAML, after the closing quote; a # inside a word or in quotes is fine',
    };
  if (parsed.statements.length === 0) return { problem: 'is empty', fix: 'remove the entry' };
  if (parsed.statements.length > 1)
    return { problem: `holds more than one directive ${at(parsed.statements[1]!.name.col)}: give each its own entry`, fix: fixOne };
  for (const { st } of walkNginx(parsed.statements)) {
    const name = st.name.value;
    const where = at(st.name.col);
    if (name === 'include')
      return {
        problem: `includes a file ${where}: haops cannot see what it holds (it could close the server block)`,
        fix: 'write the directives themselves as entries of extra:',
      };
    if (NOT_IN_SERVER.has(name))
      return {
        problem: `uses ${name} ${where}, which nginx takes only outside a server block (nginx -t refuses it here)`,
        fix: `put ${name} in /etc/nginx/nginx.conf yourself; extra: holds directives of haops's server block only`,
      };
    if (WRITES_FILES.has(name))
      return {
        problem: `uses ${name} ${where}, which writes files to a path of its own choosing on the node`,
        fix: 'leave temporary and store paths at their defaults (set them in nginx.conf if you must)',
      };
    if ((name === 'access_log' || name === 'error_log') && st.args.length > 0 && !(name === 'access_log' && st.args[0]!.value === 'off')) {
      const bad = logTargetProblem(st.args[0]!.value);
      if (bad)
        return {
          problem: `${name} ${bad} ${at(st.args[0]!.col)}`,
          fix: `write the log under ${NGINX_LOG_DIR}, like ${name} ${NGINX_LOG_DIR}api.${name === 'access_log' ? 'access' : 'error'}.log;`,
        };
    }
  }
  return undefined;
}

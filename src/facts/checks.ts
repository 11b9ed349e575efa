// What each node checks for itself, in the same script as the rest of its status (one round trip):
// its upstream servers as nginx reaches them, and the tracked check run the way keepalived runs it.
import type { CheckSpec } from '../inventory/schema.js';
import type { UpstreamServer } from '../model/derive.js';
import { shellQuote } from '../core/quote.js';
import { checkScriptOf } from '../core/os-hints.js';

export const UPSTREAM_MARK = '@@haops-upstreams@@';
export const CHECK_MARK = '@@haops-check@@';

export interface UpstreamResult {
  upstream: string;
  server: string;
  up: boolean;
  /** Why it is down, in words: "connection refused", "no answer within 2 s", "answered 503". */
  error?: string;
}

export interface CheckProof {
  name: string;
  /** The command tested: the node's keepalived.conf's when deployed, else the inventory's. */
  command: string;
  /** The path keepalived's search finds, and the file it really runs (symlinks followed). */
  path: string | null;
  realPath: string | null;
  /** Exit status when run that way; null when it could not run at all. */
  exit: number | null;
  ok: boolean | null;
  /** keepalived's last journal line about this check, when there is one. */
  log?: string;
}

/** curl's exit statuses a user can act on (curl(1) EXIT CODES). */
const CURL_EXIT: Record<number, string> = {
  6: 'cannot resolve the host',
  7: 'connection refused',
  28: 'no answer within 2 s',
  52: 'empty reply',
  56: 'connection reset',
};

/**
 * Per upstream server: an HTTP request from the node (where nginx sees the server), with curl;
 * without curl, a TCP connect with bash. One line per server: upstream, server, exit, HTTP status.
 */
export function upstreamScript(servers: readonly UpstreamServer[], path = '/'): string {
  const lines = [
    `echo ${UPSTREAM_MARK}`,
    'hu() { if command -v curl >/dev/null 2>&1; then s=$(curl -s -o /dev/null --connect-timeout 2 -m 2 -w "%{http_code}" "http://$2$3" 2>/dev/null); c=$?; elif command -v bash >/dev/null 2>&1; then timeout 2 bash -c "exec 3<>/dev/tcp/$4/$5" 2>/dev/null && c=0 || c=7; s=tcp; else c=x; s=-; fi; echo "upstream $1 $2 $c ${s:--}"; }',
  ];
  for (const s of servers) lines.push(`hu ${[s.upstream, s.server, path, s.host, String(s.port)].map(shellQuote).join(' ')}`);
  return lines.join('\n') + '\n';
}

export function parseUpstreams(text: string): UpstreamResult[] {
  const out: UpstreamResult[] = [];
  for (const line of text.split('\n')) {
    const m = /^upstream (\S+) (\S+) (\S+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, upstream, server, code, status] = m as unknown as [string, string, string, string, string];
    if (code === 'x') {
      out.push({ upstream, server, up: false, error: 'neither curl nor bash on the node to check it' });
      continue;
    }
    const exit = Number(code);
    if (exit !== 0)
      out.push({ upstream, server, up: false, error: CURL_EXIT[exit] ?? (status === 'tcp' ? 'cannot connect' : `curl exit ${exit}`) });
    else if (/^5\d\d$/.test(status)) out.push({ upstream, server, up: false, error: `answered ${status}` });
    else out.push({ upstream, server, up: true });
  }
  return out;
}

/** systemd's default PATH for services: what keepalived's path search sees when systemd started it. */
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where keepalived reads its configuration on every platform haops deploys to. */
export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

/**
 * Runs the tracked check as keepalived will: the command found by path search, symlinks followed
 * (`pidof` then runs as /sbin/killall5, which picks its mode from its name and fails), as
 * script_user when one is set. The command is the one in the node's keepalived.conf when there
 * is one (what keepalived really runs), else the inventory's (`conf` ''). Then keepalived's last
 * line on it.
 */
export function checkProofScript(
  check: Pick<CheckSpec, 'name' | 'script'>,
  scriptUser?: string,
  conf = KEEPALIVED_CONF,
  /** Read keepalived's last line on the check (the journal is the slow part: deploy's first look skips it). */
  journal = true,
): string {
  const script = checkScriptOf(check);
  const as = scriptUser ? `runuser -u ${shellQuote(scriptUser)} -- ` : '';
  const block = `^vrrp_script ${check.name.replaceAll('.', '\\.')} {`;
  const patterns = [`Script \`${check.name}\``, `VRRP_Script(${check.name})`, `script \`${check.name}\``];
  return (
    [
      `echo ${CHECK_MARK}`,
      // Inventory scripts are plain words separated by single spaces (schema): `set --` splits them back.
      // A deployed config without this vrrp_script (track_process) has no script to prove: say so.
      `( cs=; ${conf ? `if [ -f ${shellQuote(conf)} ]; then cs=$(sed -n ${shellQuote(`/${block}/,/}/s/^ *script "\\(.*\\)"$/\\1/p`)} ${shellQuote(conf)} | head -n 1); [ -n "$cs" ] || { echo "check ${check.name} none - -"; exit 0; }; fi; ` : ''}[ -n "$cs" ] || cs=${shellQuote(script)}; echo "checkcmd $cs"`,
      `  set -f; set -- $cs; c=$1; shift`,
      `  cp=$(case $c in /*) echo "$c";; *) PATH=${SERVICE_PATH} command -v "$c";; esac)`,
      `  if [ -z "$cp" ] || [ ! -e "$cp" ]; then echo "check ${check.name} notfound - -"; else cr=$(readlink -f "$cp"); ${as}"$cr" "$@" </dev/null >/dev/null 2>&1; echo "check ${check.name} $? $cp $cr"; fi )`,
      // keepalived 2.x: "Script `chk_nginx` now returning 1", "VRRP_Script(chk_nginx) failed (exited with status 1)".
      ...(journal
        ? [
            `(journalctl -u keepalived --no-pager -n 2000 -o short-iso 2>/dev/null || tail -n 2000 /var/log/messages /var/log/syslog 2>/dev/null) | grep -F ${patterns.map((p) => `-e ${shellQuote(p)}`).join(' ')} | tail -n 1 | sed 's/^/checklog /'`,
          ]
        : []),
    ].join('\n') + '\n'
  );
}

export function parseCheckProof(check: Pick<CheckSpec, 'name' | 'script'>, text: string): CheckProof {
  const proof: CheckProof = { name: check.name, command: checkScriptOf(check), path: null, realPath: null, exit: null, ok: null };
  for (const line of text.split('\n')) {
    const m = /^check (\S+) (\S+) (\S+) (\S+)$/.exec(line.trim());
    if (m && m[1] === check.name) {
      if (m[2] === 'notfound') {
        proof.ok = false;
        continue;
      }
      if (m[2] === 'none') continue;
      proof.exit = Number(m[2]);
      proof.ok = proof.exit === 0;
      proof.path = m[3]!;
      proof.realPath = m[4]!;
    }
    const l = /^checklog (.*)$/.exec(line);
    if (l) proof.log = l[1]!.trim();
    const c = /^checkcmd (.+)$/.exec(line);
    if (c) proof.command = c[1]!.trim();
  }
  return proof;
}

/** What is wrong with a check that fails while nginx runs, and how to fix it. */
export function checkProblem(p: CheckProof, host: string): string | null {
  if (p.ok !== false) return null;
  if (p.exit === null)
    return `check ${p.name} on ${host}: \`${p.command.split(' ')[0]}\` is not installed where keepalived looks for it (${SERVICE_PATH})`;
  const base = (s: string | null) => (s ?? '').split('/').pop();
  const renamed = p.path && p.realPath && base(p.path) !== base(p.realPath);
  const why = renamed
    ? `: ${p.path} is a link to ${p.realPath}, which keepalived runs under its own name (${base(p.realPath)}) — use \`killall -0 nginx\` (psmisc) or \`pgrep -x nginx\` instead`
    : '';
  return `check ${p.name} on ${host} fails while nginx runs (\`${p.command}\` run as keepalived runs it exits ${p.exit})${why}${p.log ? `; keepalived: ${p.log}` : ''}`;
}

/**
 * The effective priority keepalived should report when every check passes (base + positive
 * weight, clamped to 254; a negative weight only subtracts on failure; 255 is never changed).
 */
export function expectedPriority(base: number, weight: number): number {
  if (base >= 255) return 255;
  return Math.min(254, Math.max(1, base + Math.max(0, weight)));
}

/** Multi-call programs that pick their behaviour from the name they run under. */
const MULTI_CALL = /\/(killall5|busybox|toybox)$/;

/**
 * Deploy's judgement before keepalived.conf goes live: a problem (refuse, with the fix) or null.
 * `installing`: packages are still to be installed, so a missing command may yet arrive.
 */
export function proofRefusal(
  p: CheckProof,
  host: string,
  nginxRunning: boolean,
  installing: boolean,
): { message: string; hint: string } | null {
  const hint =
    'use a check that works when run as keepalived runs it, e.g. `check: { script: killall -0 nginx }` (psmisc) or `pgrep -x nginx`; test it with `haops status`';
  if (p.exit === null) return installing ? null : { message: checkProblem(p, host)!, hint };
  const base = (s: string | null) => (s ?? '').split('/').pop();
  const renamed = p.path && p.realPath && base(p.path) !== base(p.realPath);
  // keepalived's journal speaks of the check deployed now, not of the one about to be: left out.
  if (nginxRunning && p.ok === false) return { message: `refusing to deploy: ${checkProblem({ ...p, log: undefined }, host)}`, hint };
  if (!nginxRunning && renamed && MULTI_CALL.test(p.realPath!)) {
    return {
      message: `refusing to deploy check ${p.name} on ${host}: ${p.path} is a link to ${p.realPath}, which keepalived runs under its own name (${base(p.realPath)}), so \`${p.command}\` cannot pass`,
      hint,
    };
  }
  return null;
}

// What one keepalived release makes of a rendered keepalived.conf: the keywords its parser knows,
// by block (keepalived-keywords.ts, generated from the source at each tag), and the values it would
// silently change (truncate, round, clamp, drop). Pure lookups keyed by a version string.
import { KEYWORD_TAGS, KEYWORDS, type KeywordSource, type KeywordTable } from './keepalived-keywords.js';
import { compareVersions } from './keepalived-versions.js';

/** The oldest release haops renders for (CentOS 6's). */
export const OLDEST_KEEPALIVED = '1.2.13';

/**
 * The parser table for VERSION: its own tag, else the newest tag below it (a keyword the table
 * lacks but the release has is refused, never the reverse: keywords are not removed in this range).
 * Below the oldest tag: null.
 */
export function keywordTable(version: string): { tag: string; table: KeywordTable } | null {
  let best: string | null = null;
  for (const t of KEYWORD_TAGS) if (compareVersions(t, version) <= 0) best = t;
  return best ? { tag: best, table: KEYWORDS[best]! } : null;
}

/** Where VERSION's parser installs KEYWORD in BLOCK (`{` for the block itself), or null when it does not. */
export function keywordSource(version: string, block: string, keyword: string): (KeywordSource & { tag: string }) | null {
  const t = keywordTable(version);
  const src = t?.table[block]?.[keyword];
  return t && src ? { ...src, tag: t.tag } : null;
}

export const knows = (version: string, block: string, keyword: string): boolean => keywordSource(version, block, keyword) !== null;

/** One directive of a keepalived.conf: its block path (`vrrp_instance`, `vrrp_instance.authentication`) and words. */
export interface Directive {
  line: number;
  block: string;
  keyword: string;
  args: string[];
}

/** A conf's directives, blocks named by their root keyword; the insides of value blocks (virtual_ipaddress { ... }) are left out. */
export function directives(conf: string, version: string): Directive[] {
  const table = keywordTable(version)?.table ?? {};
  const out: Directive[] = [];
  const stack: (string | null)[] = []; // null: a value block
  conf.split('\n').forEach((raw, i) => {
    // Quoted strings first (a script may hold # or !), then comments.
    const quoted: string[] = [];
    const text = raw
      .replace(/"([^"]*)"/g, (_, s: string) => {
        quoted.push(s);
        return `\u0000${quoted.length - 1}`;
      })
      .replace(/[#!].*$/, '')
      .trim();
    if (!text) return;
    if (text === '}') {
      stack.pop();
      return;
    }
    const opens = text.endsWith('{');
    const words = text
      .replace(/\{$/, '')
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/\u0000(\d+)/g, (_, n: string) => quoted[Number(n)]!));
    const [keyword, ...args] = words as [string, ...string[]];
    const top = stack.at(-1);
    if (top === null) {
      if (opens) stack.push(null);
      return; // a value inside a value block
    }
    const block = stack.length === 0 ? '' : top!;
    out.push({ line: i + 1, block, keyword, args });
    if (!opens) return;
    if (stack.length === 0) stack.push(keyword);
    else stack.push(table[`${block}.${keyword}`] ? `${block}.${keyword}` : null);
  });
  return out;
}

export interface SyntaxProblem {
  line: number;
  /** The directive as the user knows it: `global_defs > vrrp_rt_priority`. */
  where: string;
  message: string;
  fix: string;
}

const V2_SPLITS_NOTIFY = '2.0.0';
const SCRIPT_DECIMALS = '2.3.2';
const SMTP_PORT = '1.2.21';
const SMTP_NAME = '1.2.20';

/**
 * What VERSION does not parse, or parses into something else, in CONF. Empty: every keyword is
 * installed in its block at that tag, and every value reaches keepalived as written.
 */
export function syntaxProblems(conf: string, version: string): SyntaxProblem[] {
  const t = keywordTable(version);
  if (!t)
    return [
      {
        line: 1,
        where: 'keepalived.conf',
        message: `keepalived ${version} is older than any release haops knows (${OLDEST_KEEPALIVED})`,
        fix: `install keepalived ${OLDEST_KEEPALIVED} or later`,
      },
    ];
  const on = `keepalived ${version}`;
  const before = (v: string) => compareVersions(version, v) < 0;
  const ds = directives(conf, version);
  const v3Global = ds.some((d) => d.block === 'global_defs' && d.keyword === 'vrrp_version' && d.args[0] === '3');
  const problems: SyntaxProblem[] = [];
  let v3Instance = false;
  for (const d of ds) {
    const where = d.block ? `${d.block.replace('.', ' > ')} > ${d.keyword}` : d.keyword;
    const add = (message: string, fix: string) => problems.push({ line: d.line, where, message, fix });
    const block = d.block || d.keyword;
    const key = d.block ? d.keyword : '{';
    if (!t.table[block]?.[key]) {
      add(
        `${on}'s parser (source at v${t.tag}) has no ${d.block ? `${d.keyword} in ${d.block}` : `${d.keyword} block`}: it would be ignored`,
        `render for the installed version (--keepalived-version ${version}), or upgrade keepalived`,
      );
      continue;
    }
    if (d.keyword === 'vrrp_instance') v3Instance = false;
    if (d.block === 'vrrp_instance' && d.keyword === 'version') v3Instance = d.args[0] === '3';
    const num = d.args[0] ?? '';
    const fraction = /^\d+\.\d*[1-9]/.test(num);
    if (d.block === 'vrrp_script' && (d.keyword === 'interval' || d.keyword === 'timeout') && fraction && before(SCRIPT_DECIMALS))
      add(
        `vrrp_script ${d.keyword} ${num}: ${on} reads whole seconds (${
          before('2.0.0') ? `1.x truncates it to ${Math.max(1, Math.trunc(Number(num)))} s` : '2.0–2.3.1 refuses it and keeps the default'
        })`,
        `write check.${d.keyword} as a whole number of seconds, or upgrade keepalived to ${SCRIPT_DECIMALS}+`,
      );
    if (d.block === 'vrrp_instance' && d.keyword === 'advert_int' && fraction && Number(num) >= 1 && !(v3Global || v3Instance))
      add(
        `advert_int ${num} under VRRPv2: adverts carry whole seconds, so ${on} ${before('1.3.0') ? 'truncates' : 'rounds'} it to ${
          before('1.3.0') ? Math.trunc(Number(num)) : Math.round(Number(num))
        } s`,
        'write advert_int as a whole number of seconds, or use failover.vrrp_version: 3 (10 ms steps)',
      );
    if (
      ((d.block === 'vrrp_instance' && d.keyword === 'garp_master_delay') ||
        (d.block === 'global_defs' && d.keyword === 'vrrp_garp_master_delay')) &&
      num === '0' &&
      before('2.0.0')
    )
      add(`${d.keyword} 0: ${on} raises it to 1 s`, `write garp_master_delay: 1 (what ${on} does anyway), or upgrade keepalived to 2.0.0+`);
    if (d.block === 'global_defs' && d.keyword === 'smtp_server') {
      if (d.args.length > 1 && before(SMTP_PORT))
        add(
          `smtp_server ${d.args.join(' ')}: ${on} reads only the host and always mails to port 25`,
          `write notify.email.smtp_server without a port (a local relay on port 25), or upgrade keepalived to ${SMTP_PORT}+`,
        );
      if (!/^[\d.]+$|:/.test(d.args[0] ?? '') && before(SMTP_NAME))
        add(
          `smtp_server ${d.args[0]}: ${on} takes an IP address only, not a host name`,
          `write notify.email.smtp_server as an IP address, or upgrade keepalived to ${SMTP_NAME}+`,
        );
    }
    if (d.block === 'vrrp_instance' && d.keyword === 'notify' && /\s/.test(num) && before(V2_SPLITS_NOTIFY))
      add(
        `notify "${num}": ${on} takes the whole string as the script's path (arguments are split from 2.0.0): it never runs`,
        'use notify_master/notify_backup/notify_fault scripts without arguments (haops renders these for 1.x)',
      );
  }
  return problems;
}

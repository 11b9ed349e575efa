// The notify script keepalived runs on every state change: the log line first (file, then syslog),
// then each channel (webhook, SMS, mail) as its own detached job, so neither keepalived nor one
// channel ever waits for another. Every channel's outcome goes to the log file. Pure.
import type { NodeModel } from '../model/derive.js';
import type { NotifySpec } from '../inventory/schema.js';
import { shellQuote } from '../core/quote.js';
import { maskUrl } from '../core/url-credentials.js';

/** The e-mail settings, with the SMTP port when the model gives one (keepalived: `smtp_server HOST [PORT]`). */
export type EmailSettings = NonNullable<NotifySpec['email']> & { port?: number };

export interface NotifyScriptOptions {
  /**
   * When the script itself mails. keepalived.conf carries `smtp_alert` whenever e-mail is set, so
   * keepalived already mails every state change through smtp_server: the script mailing too would
   * double every alert. 'test' (default): only for `haops notify-test`, which proves the SMTP path
   * keepalived relies on. 'always': on every change as well.
   */
  mail?: 'test' | 'always';
}

/** One background job of the script: what it logs as `channel=C target=T result=...`. */
export interface NotifyJob {
  channel: 'webhook' | 'sms' | 'email';
  /**
   * A single token: the URL, `TO,URL` / `TO,COMMAND` for SMS, `smtp://HOST:PORT` for mail; every
   * URL credential masked (this is what the node logs and what haops shows).
   */
  target: string;
}

/** Where the drill leaves its per-run token for the notify script (root-only /run, removed after the drill). */
export const NOTIFY_TOKEN_FILE = '/run/haops/notify.token';
/** The header (webhook, SMS gateway, mail) carrying the per-run token back to haops's collector. */
export const NOTIFY_TOKEN_HEADER = 'X-Haops-Token';

const DEFAULT_SMTP_PORT = 25;

/** `HOST:PORT` of the SMTP server mail goes to (the same one keepalived's smtp_alert uses). */
export function smtpEndpoint(email: EmailSettings): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(email.smtp_server);
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return { host: email.smtp_server, port: email.port ?? DEFAULT_SMTP_PORT };
}

/** The channel jobs one run of the script starts (in test mode, or for a real state change). */
export function notifyJobs(node: Pick<NodeModel, 'notify'>, opts: { test: boolean; mail?: 'test' | 'always' }): NotifyJob[] {
  const n = node.notify;
  const jobs: NotifyJob[] = n.webhooks.map((url) => ({ channel: 'webhook', target: maskUrl(url) }));
  if (n.sms) {
    for (const to of n.sms.to) {
      if (n.sms.url) jobs.push({ channel: 'sms', target: `${to},${maskUrl(n.sms.url)}` });
      if (n.sms.command) jobs.push({ channel: 'sms', target: `${to},${n.sms.command}` });
    }
  }
  if (n.email && (opts.test || opts.mail === 'always')) {
    const ep = smtpEndpoint(n.email);
    jobs.push({ channel: 'email', target: `smtp://${ep.host}:${ep.port}` });
  }
  return jobs;
}

const q = shellQuote;

// Every job is detached (stdin, stdout and stderr away from keepalived and from an SSH channel)
// and runs in the background: the script returns at once, a dead endpoint delays nothing else.
// The subshell matters: dash applies a function call's redirections in the parent only, so
// `f </dev/null >/dev/null 2>&1 &` leaves the job holding the caller's stdout (measured: a hung
// webhook held the script's pipes for 5 s); `( f ) </dev/null ... &` does not.
const detach = (call: string) => `( ${call} ) </dev/null >/dev/null 2>&1 &`;

export function renderNotifyScript(node: NodeModel, opts: NotifyScriptOptions = {}): string {
  return [
    ...preamble(node),
    ...hookJobs(node.notify),
    ...webhookJobs(node.notify),
    ...smsJobs(node.notify),
    ...emailJobs(node.notify, opts.mail ?? 'test'),
    'exit 0',
    '',
  ].join('\n');
}

/**
 * The user's own scripts (notify.hooks), detached like every channel, never in a notify-test:
 * `on: STATE` runs the command as keepalived's notify_STATE did; `on: any` appends TYPE NAME STATE PRIORITY.
 */
function hookJobs(n: NotifySpec): string[] {
  const hooks = n.hooks ?? [];
  if (!hooks.length) return [];
  const line = (h: (typeof hooks)[number]) => {
    const words = h.run.split(' ').map(q).join(' ');
    const call = detach(h.on === 'any' ? `${words} "$TYPE" "$NAME" "$STATE" "$PRIORITY"` : words);
    return h.on === 'any' ? `  ${call}` : `  [ "$STATE" = ${h.on.toUpperCase()} ] && ${call}`;
  };
  return [
    '# Your own notify scripts (notify.hooks), as keepalived ran them before haops.',
    'if [ -z "$TEST_ID" ]; then',
    ...hooks.map(line),
    'fi',
  ];
}

/** Arguments, the log line, and the helpers every channel uses. */
function preamble(node: NodeModel): string[] {
  const n = node.notify;
  return [
    '#!/bin/sh',
    `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.`,
    "# keepalived calls it as: notify_master|notify_backup|notify_fault (the write-up's hooks, logged),",
    '# or, as the generic notify ("notify", then TYPE NAME STATE PRIORITY): that call logs and fires every channel.',
    '# HAOPS_NOTIFY_TEST=1 (set by `haops notify-test`, with HAOPS_NOTIFY_TEST_ID) marks a synthetic call.',
    `# A per-run token (HAOPS_NOTIFY_TOKEN, or ${NOTIFY_TOKEN_FILE} during a drill) goes out as ${NOTIFY_TOKEN_HEADER}.`,
    '# Runs as root under enable_script_security: trusts no inherited PATH and writes only to $LOG.',
    '# Its URLs may hold credentials: this file is 0700, the log 0600, and the log shows them masked.',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'export PATH',
    'umask 077',
    `LOG=${q(n.log)}`,
    // An older log (umask 022) may be 0644: no other user reads what the channels answered.
    '[ -f "$LOG" ] && [ ! -L "$LOG" ] && chmod go-rwx "$LOG" 2>/dev/null',
    `HOST=${q(node.host)}`,
    `PAIR=${q(node.pair)}`,
    'now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }',
    'case "$1" in',
    '  notify_master|notify_backup|notify_fault)',
    '    echo "$(now) [$HOST] keepalived HA role state transition: $*" >> "$LOG"',
    '    exit 0 ;;',
    '  notify) shift ;;',
    'esac',
    'TYPE=$1 NAME=$2 STATE=$3 PRIORITY=$4',
    // The values end up in JSON, mail headers and log lines: keep them to plain tokens.
    'case $TYPE in INSTANCE|GROUP) ;; *) TYPE=INSTANCE ;; esac',
    "case $NAME in ''|*[!A-Za-z0-9_.:-]*) NAME=invalid ;; esac",
    "case $STATE in ''|*[!A-Z]*) STATE=UNKNOWN ;; esac",
    "case $PRIORITY in ''|*[!0-9]*) PRIORITY=0 ;; esac",
    "TEST_ID='' TAG='' JSON_TEST=''",
    'if [ -n "${HAOPS_NOTIFY_TEST:-}" ] && [ "$HAOPS_NOTIFY_TEST" != 0 ]; then',
    '  TEST_ID=${HAOPS_NOTIFY_TEST_ID:-1}',
    '  case $TEST_ID in *[!A-Za-z0-9_.-]*) TEST_ID=1 ;; esac',
    '  TAG=" test=$TEST_ID"',
    '  JSON_TEST=",\\"test\\":true,\\"test_id\\":\\"$TEST_ID\\""',
    'fi',
    'TOKEN=${HAOPS_NOTIFY_TOKEN:-}',
    `[ -z "$TOKEN" ] && [ -f ${NOTIFY_TOKEN_FILE} ] && read -r TOKEN < ${NOTIFY_TOKEN_FILE}`,
    'case $TOKEN in *[!A-Za-z0-9]*) TOKEN= ;; esac',
    'TIME=$(now)',
    'LINE="$TIME host=$HOST pair=$PAIR instance=$NAME state=$STATE priority=$PRIORITY$TAG"',
    '# The log line first, before any channel can be slow.',
    'if ! { echo "$LINE" >> "$LOG"; } 2>/dev/null; then',
    '  logger -t haops-notify "cannot append to $LOG (run the notify script as root)" </dev/null >/dev/null 2>&1 &',
    'fi',
    'logger -t haops-notify "$LINE" </dev/null >/dev/null 2>&1 &',
    '# outcome CHANNEL TARGET [ERROR]: one line per channel in the log file.',
    'outcome() {',
    '  if [ -z "$3" ]; then r=ok; else r="failed: $(printf %s "$3" | tr "\\n" " ")"; fi',
    '  echo "$(now) host=$HOST pair=$PAIR instance=$NAME state=$STATE$TAG channel=$1 target=$2 result=$r" >> "$LOG"',
    '}',
    'JSON="{\\"event\\":\\"vrrp_state\\",\\"host\\":\\"$HOST\\",\\"pair\\":\\"$PAIR\\",\\"type\\":\\"$TYPE\\",\\"instance\\":\\"$NAME\\",\\"state\\":\\"$STATE\\",\\"priority\\":$PRIORITY,\\"time\\":\\"$TIME\\"$JSON_TEST}"',
    '# post URL [curl args...]: two tries (connection refused included where the curl knows the option), 2 s each. The URL (it may',
    '# hold credentials) and the token go to curl on stdin (-K -), never on its command line, which',
    '# any local user can read in ps.',
    // --retry-connrefused came in curl 7.52 (CentOS 6 ships 7.19.7, CentOS 7 7.29.0): an older curl exits 2 on it.
    'post() {',
    '  u=$1; shift',
    // Asked in the (detached) channel, not before the script returns: keepalived waits for that.
    '  RETRY_REFUSED=; curl --retry-connrefused -V >/dev/null 2>&1 && RETRY_REFUSED=--retry-connrefused',
    // -g: a URL is sent as written, never expanded as a curl glob ({a,b} or [1-9]).
    `  err=$({ printf 'url = "%s"\n' "$u"; [ -z "$TOKEN" ] || printf 'header = "${NOTIFY_TOKEN_HEADER}: %s"\n' "$TOKEN"; } | curl -sS -g -f -o /dev/null --connect-timeout 2 -m 2 --retry 1 $RETRY_REFUSED --retry-delay 1 -K - "$@" 2>&1) && return 0`,
    '  rc=$?; ERR="curl exit $rc: $(printf %s "$err" | tail -n 1)"; return 1  # each try repeats the error',
    '}',
    '# webhook URL SHOWN: SHOWN is the URL with its credentials masked, as the log says it.',
    'webhook() {',
    '  if post "$1" -H "Content-Type: application/json" -d "$JSON"; then outcome webhook "$2"; else outcome webhook "$2" "$ERR"; fi',
    '}',
  ];
}

function webhookJobs(n: NotifySpec): string[] {
  return n.webhooks.map((url) => detach(`webhook ${q(url)} ${q(maskUrl(url))}`));
}

function smsJobs(n: NotifySpec): string[] {
  if (!n.sms || n.sms.to.length === 0) return [];
  // Braced: "{host}_{state}" must not become $HOST_ (a different, unset variable).
  const text = n.sms.template
    .replaceAll('{host}', '${HOST}')
    .replaceAll('{instance}', '${NAME}')
    .replaceAll('{state}', '${STATE}')
    .replaceAll('{priority}', '${PRIORITY}')
    .replaceAll('{pair}', '${PAIR}');
  const lines = [
    `SMS_TEXT="${text}"`,
    '[ -n "$TEST_ID" ] && SMS_TEXT="$SMS_TEXT [test $TEST_ID]"',
    '# sms_url TO URL SHOWN',
    'sms_url() {',
    '  if post "$2" --data-urlencode "to=$1" --data-urlencode "text=$SMS_TEXT"; then outcome sms "$1,$3"; else outcome sms "$1,$3" "$ERR"; fi',
    '}',
    'sms_command() {',
    '  T=; command -v timeout >/dev/null 2>&1 && T="timeout 30"',
    '  err=$($T "$2" "$1" "$SMS_TEXT" 2>&1 >/dev/null) && { outcome sms "$1,$2"; return; }',
    '  outcome sms "$1,$2" "exit $?: $err"',
    '}',
  ];
  for (const to of n.sms.to) {
    if (n.sms.url) lines.push(detach(`sms_url ${q(to)} ${q(n.sms.url)} ${q(maskUrl(n.sms.url))}`));
    if (n.sms.command) lines.push(detach(`sms_command ${q(to)} ${q(n.sms.command)}`));
  }
  return lines;
}

function emailJobs(n: NotifySpec, mailMode: 'test' | 'always'): string[] {
  if (!n.email) return [];
  const e = n.email;
  const ep = smtpEndpoint(e);
  return [
    `MAIL_FROM=${q(e.from)}`,
    `MAIL_TO=${q(e.to.join(', '))}`,
    `SMTP_URL=${q(`smtp://${ep.host}:${ep.port}`)}`,
    `SMTP_TIMEOUT=${e.smtp_connect_timeout}`,
    'SUBJECT="[haops] $HOST $NAME $STATE"',
    '[ -n "$TEST_ID" ] && SUBJECT="$SUBJECT (test $TEST_ID)"',
    `message() { printf "From: %s\\r\\nTo: %s\\r\\nSubject: %s\\r\\nDate: %s\\r\\nX-Mailer: haops\\r\\n" "$MAIL_FROM" "$MAIL_TO" "$SUBJECT" "$(date -R)"; [ -z "$TOKEN" ] || printf "${NOTIFY_TOKEN_HEADER}: %s\\r\\n" "$TOKEN"; printf "\\r\\n%s\\r\\n" "$LINE"; }`,
    "# Through smtp_server, as keepalived's smtp_alert does; else the node's own sendmail or mail, if present.",
    'send_mail() {',
    '  if curl -V 2>/dev/null | grep -qw smtp; then',
    `    err=$(message | curl -sS --connect-timeout "$SMTP_TIMEOUT" -m $((SMTP_TIMEOUT + 10)) --url "$SMTP_URL" --mail-from "$MAIL_FROM" ${e.to.map((t) => `--mail-rcpt ${q(t)}`).join(' ')} -T - 2>&1) && { outcome email "$SMTP_URL"; return; }`,
    '    outcome email "$SMTP_URL" "curl exit $?: $err"',
    '  elif command -v sendmail >/dev/null 2>&1; then',
    '    err=$(message | sendmail -t -f "$MAIL_FROM" 2>&1) && { outcome email sendmail; return; }',
    '    outcome email sendmail "sendmail exit $?: $err"',
    '  elif command -v mail >/dev/null 2>&1; then',
    `    err=$(echo "$LINE" | mail -s "$SUBJECT" ${e.to.map(q).join(' ')} 2>&1) && { outcome email mail; return; }`,
    '    outcome email mail "mail exit $?: $err"',
    '  else',
    '    outcome email none "no curl with SMTP, sendmail or mail on this node"',
    '  fi',
    '}',
    mailMode === 'always' ? detach('send_mail') : `[ -n "$TEST_ID" ] && ${detach('send_mail')}`,
  ];
}

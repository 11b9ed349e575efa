// The notify script deploy writes onto each node, and keepalived runs on every state change: the
// log line first (file, then syslog), then each channel (webhook, SMS, mail, the user's own hooks)
// as its own detached job, so neither keepalived nor one channel ever waits for another. Every
// channel's outcome goes to the log file. What varies per node is bound at the top (render/notify.ts).

import { nodeScript } from './script.js';

/** Where the drill leaves its per-run token for the notify script (root-only /run, removed after the drill). */
export const NOTIFY_TOKEN_FILE = '/run/haops/notify.token';
/** The header (webhook, SMS gateway, mail) carrying the per-run token back to haops's collector. */
export const NOTIFY_TOKEN_HEADER = 'X-Haops-Token';

// deploy reads the first three lines of a file for "Managed by haops" (facts' probe_owner).
const HEADER = `#!/bin/sh
# Managed by haops. Changes here are overwritten on the next deploy.
# Its URLs may hold credentials: this file is 0700, the log 0600, and the log shows them masked.`;

// Every job is detached (stdin, stdout and stderr away from keepalived and from an SSH channel)
// and runs in the background: the script returns at once, a dead endpoint delays nothing else.
// The subshell matters: dash applies a function call's redirections in the parent only, so
// `f </dev/null >/dev/null 2>&1 &` leaves the job holding the caller's stdout (measured: a hung
// webhook held the script's pipes for 5 s); `( f ) </dev/null ... &` does not.
//
// --retry-connrefused came in curl 7.52 (CentOS 6 ships 7.19.7, CentOS 7 7.29.0): an older curl
// exits 2 on it, so post asks curl in the (detached) channel, not before the script returns:
// keepalived waits for that. -g: a URL is sent as written, never expanded as a curl glob.
const TEXT = `# keepalived calls it as: notify_master|notify_backup|notify_fault (the write-up's hooks, logged),
# or, as the generic notify ("notify", then TYPE NAME STATE PRIORITY): that call logs and fires every channel.
# HAOPS_NOTIFY_TEST=1 (set by \`haops notify-test\`, with HAOPS_NOTIFY_TEST_ID) marks a synthetic call.
# A per-run token (HAOPS_NOTIFY_TOKEN, or ${NOTIFY_TOKEN_FILE} during a drill) goes out as ${NOTIFY_TOKEN_HEADER}.
# Runs as root under enable_script_security: trusts no inherited PATH and writes only to $LOG.
# The values above: WEBHOOKS one a line (URL, then the URL as the log shows it), HOOKS one a line
# (MASTER, BACKUP, FAULT, STOP or any, then the command's words), MAIL empty, test-only or always.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 077
# No value is a glob pattern (a URL may hold ? * [).
set -f
NL='
'
[ -f "$LOG" ] && [ ! -L "$LOG" ] && chmod go-rwx "$LOG" 2>/dev/null
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
case "$1" in
  notify_master|notify_backup|notify_fault)
    echo "$(now) [$HOST] keepalived HA role state transition: $*" >> "$LOG"
    exit 0 ;;
  notify) shift ;;
esac
TYPE=$1 NAME=$2 STATE=$3 PRIORITY=$4
# The values end up in JSON, mail headers and log lines: keep them to plain tokens.
case $TYPE in INSTANCE|GROUP) ;; *) TYPE=INSTANCE ;; esac
case $NAME in ''|*[!A-Za-z0-9_.:-]*) NAME=invalid ;; esac
case $STATE in ''|*[!A-Z]*) STATE=UNKNOWN ;; esac
case $PRIORITY in ''|*[!0-9]*) PRIORITY=0 ;; esac
TEST_ID='' TAG='' JSON_TEST=''
if [ -n "\${HAOPS_NOTIFY_TEST:-}" ] && [ "$HAOPS_NOTIFY_TEST" != 0 ]; then
  TEST_ID=\${HAOPS_NOTIFY_TEST_ID:-1}
  case $TEST_ID in *[!A-Za-z0-9_.-]*) TEST_ID=1 ;; esac
  TAG=" test=$TEST_ID"
  JSON_TEST=",\\"test\\":true,\\"test_id\\":\\"$TEST_ID\\""
fi
TOKEN=\${HAOPS_NOTIFY_TOKEN:-}
[ -z "$TOKEN" ] && [ -f ${NOTIFY_TOKEN_FILE} ] && read -r TOKEN < ${NOTIFY_TOKEN_FILE}
case $TOKEN in *[!A-Za-z0-9]*) TOKEN= ;; esac
TIME=$(now)
LINE="$TIME host=$HOST pair=$PAIR instance=$NAME state=$STATE priority=$PRIORITY$TAG"
# The log line first, before any channel can be slow.
if ! { echo "$LINE" >> "$LOG"; } 2>/dev/null; then
  logger -t haops-notify "cannot append to $LOG (run the notify script as root)" </dev/null >/dev/null 2>&1 &
fi
logger -t haops-notify "$LINE" </dev/null >/dev/null 2>&1 &
# detach COMMAND [ARG...]: one channel's job, away from keepalived's stdio, in the background.
detach() { ( "$@" ) </dev/null >/dev/null 2>&1 & }
# outcome CHANNEL TARGET [ERROR]: one line per channel in the log file.
outcome() {
  if [ -z "$3" ]; then r=ok; else r="failed: $(printf %s "$3" | tr "\\n" " ")"; fi
  echo "$(now) host=$HOST pair=$PAIR instance=$NAME state=$STATE$TAG channel=$1 target=$2 result=$r" >> "$LOG"
}
JSON="{\\"event\\":\\"vrrp_state\\",\\"host\\":\\"$HOST\\",\\"pair\\":\\"$PAIR\\",\\"type\\":\\"$TYPE\\",\\"instance\\":\\"$NAME\\",\\"state\\":\\"$STATE\\",\\"priority\\":$PRIORITY,\\"time\\":\\"$TIME\\"$JSON_TEST}"
# post URL [curl args...]: two tries (connection refused included where the curl knows the option), 2 s each. The URL (it may
# hold credentials) and the token go to curl on stdin (-K -), never on its command line, which
# any local user can read in ps.
# curl_config: what curl reads on stdin for post, the URL $u and the token.
curl_config() { printf 'url = "%s"\\n' "$u"; [ -z "$TOKEN" ] || printf 'header = "${NOTIFY_TOKEN_HEADER}: %s"\\n' "$TOKEN"; }
post() {
  u=$1; shift
  RETRY_REFUSED=; curl --retry-connrefused -V >/dev/null 2>&1 && RETRY_REFUSED=--retry-connrefused
  # shellcheck disable=SC2086 # RETRY_REFUSED is one option or none
  err=$(curl_config | curl -sS -g -f -o /dev/null --connect-timeout 2 -m 2 --retry 1 $RETRY_REFUSED --retry-delay 1 -K - "$@" 2>&1) && return 0
  rc=$?; ERR="curl exit $rc: $(printf %s "$err" | tail -n 1)"; return 1  # each try repeats the error
}
# webhook URL SHOWN: SHOWN is the URL with its credentials masked, as the log says it.
webhook() {
  if post "$1" -H "Content-Type: application/json" -d "$JSON"; then outcome webhook "$2"; else outcome webhook "$2" "$ERR"; fi
}

# Your own notify scripts (notify.hooks), as keepalived ran them before haops; never in a notify-test.
# on a state: the command as keepalived's notify_STATE ran it; any: with TYPE NAME STATE PRIORITY appended.
if [ -z "$TEST_ID" ]; then
  IFS=$NL
  for hook in $HOOKS; do
    IFS=' '
    # shellcheck disable=SC2086 # a hook line is its words
    set -- $hook
    on=$1; shift
    case $on in
      any) detach "$@" "$TYPE" "$NAME" "$STATE" "$PRIORITY" ;;
      "$STATE") detach "$@" ;;
    esac
  done
  unset IFS
fi

IFS=$NL
for hook in $WEBHOOKS; do
  IFS=' '
  # shellcheck disable=SC2086 # URL, then the URL as shown
  set -- $hook
  detach webhook "$1" "$2"
done
unset IFS

# sms_fill TEMPLATE: the SMS text, each {host} {instance} {state} {priority} {pair} filled in.
sms_fill() {
  rest=$1 SMS_TEXT=
  while :; do
    case $rest in *'{'*) ;; *) break ;; esac
    SMS_TEXT=$SMS_TEXT\${rest%%\\{*}
    rest=\${rest#*\\{}
    case $rest in
      'host}'*) SMS_TEXT=$SMS_TEXT$HOST; rest=\${rest#host\\}} ;;
      'instance}'*) SMS_TEXT=$SMS_TEXT$NAME; rest=\${rest#instance\\}} ;;
      'state}'*) SMS_TEXT=$SMS_TEXT$STATE; rest=\${rest#state\\}} ;;
      'priority}'*) SMS_TEXT=$SMS_TEXT$PRIORITY; rest=\${rest#priority\\}} ;;
      'pair}'*) SMS_TEXT=$SMS_TEXT$PAIR; rest=\${rest#pair\\}} ;;
      *) SMS_TEXT="$SMS_TEXT{" ;;
    esac
  done
  SMS_TEXT=$SMS_TEXT$rest
}
# sms_url TO URL SHOWN
sms_url() {
  if post "$2" --data-urlencode "to=$1" --data-urlencode "text=$SMS_TEXT"; then outcome sms "$1,$3"; else outcome sms "$1,$3" "$ERR"; fi
}
sms_command() {
  T=; command -v timeout >/dev/null 2>&1 && T="timeout 30"
  err=$($T "$2" "$1" "$SMS_TEXT" 2>&1 >/dev/null) && { outcome sms "$1,$2"; return; }
  outcome sms "$1,$2" "exit $?: $err"
}
if [ -n "$SMS_TO" ]; then
  sms_fill "$SMS_TEMPLATE"
  [ -n "$TEST_ID" ] && SMS_TEXT="$SMS_TEXT [test $TEST_ID]"
  for to in $SMS_TO; do
    [ -n "$SMS_URL" ] && detach sms_url "$to" "$SMS_URL" "$SMS_URL_SHOWN"
    [ -n "$SMS_COMMAND" ] && detach sms_command "$to" "$SMS_COMMAND"
  done
fi

MAIL_TO=
for to in $MAIL_RCPTS; do MAIL_TO="\${MAIL_TO:+$MAIL_TO, }$to"; done
SUBJECT="[haops] $HOST $NAME $STATE"
[ -n "$TEST_ID" ] && SUBJECT="$SUBJECT (test $TEST_ID)"
message() { printf "From: %s\\r\\nTo: %s\\r\\nSubject: %s\\r\\nDate: %s\\r\\nX-Mailer: haops\\r\\n" "$MAIL_FROM" "$MAIL_TO" "$SUBJECT" "$(date -R)"; [ -z "$TOKEN" ] || printf "${NOTIFY_TOKEN_HEADER}: %s\\r\\n" "$TOKEN"; printf "\\r\\n%s\\r\\n" "$LINE"; }
# Through smtp_server, as keepalived's smtp_alert does; else the node's own sendmail or mail, if present.
send_mail() {
  set --
  for to in $MAIL_RCPTS; do set -- "$@" --mail-rcpt "$to"; done
  if curl -V 2>/dev/null | grep -qw smtp; then
    err=$(message | curl -sS --connect-timeout "$SMTP_TIMEOUT" -m $((SMTP_TIMEOUT + 10)) --url "$SMTP_URL" --mail-from "$MAIL_FROM" "$@" -T - 2>&1) && { outcome email "$SMTP_URL"; return; }
    outcome email "$SMTP_URL" "curl exit $?: $err"
  elif command -v sendmail >/dev/null 2>&1; then
    err=$(message | sendmail -t -f "$MAIL_FROM" 2>&1) && { outcome email sendmail; return; }
    outcome email sendmail "sendmail exit $?: $err"
  elif command -v mail >/dev/null 2>&1; then
    # shellcheck disable=SC2086 # one word per recipient
    err=$(echo "$LINE" | mail -s "$SUBJECT" $MAIL_RCPTS 2>&1) && { outcome email mail; return; }
    outcome email mail "mail exit $?: $err"
  else
    outcome email none "no curl with SMTP, sendmail or mail on this node"
  fi
}
# keepalived mails every change itself (smtp_alert): the script mails for a notify-test, or always when asked.
case $MAIL in
  always) detach send_mail ;;
  test-only) [ -n "$TEST_ID" ] && detach send_mail ;;
esac
exit 0
`;

/** The notify script: the values of one node (render/notify.ts maps the model to them). */
export const NOTIFY = nodeScript(
  'notify',
  {
    HOST: 'lb1',
    PAIR: 'web',
    LOG: '/var/log/keepalived.notify.log',
    WEBHOOKS:
      'https://hooks.example.com/a?token=abcd1234 https://hooks.example.com/a?token=********\nhttp://10.0.0.9:8080/b?x=1&y=2 http://10.0.0.9:8080/b?x=1&y=2',
    HOOKS: 'MASTER /etc/keepalived/to_master.sh up\nany /etc/keepalived/any.sh',
    SMS_TO: ['+8613800000000', '+8613900000000'],
    SMS_URL: 'https://sms.example.com/send?key=abcd1234',
    SMS_URL_SHOWN: 'https://sms.example.com/send?key=********',
    SMS_COMMAND: '/usr/local/bin/send-sms',
    SMS_TEMPLATE: '[haops] {host} {instance} is now {state} (priority {priority})',
    MAIL: 'test-only',
    MAIL_FROM: 'ha@example.com',
    MAIL_RCPTS: ['ops@example.com', 'oncall@example.com'],
    SMTP_URL: 'smtp://10.0.0.5:2525',
    SMTP_TIMEOUT: 30,
  },
  TEXT,
  HEADER,
);

// keepalived before 2.0.0 cannot pass arguments to a notify script: each instance and state gets
// this wrapper, which calls the notify script as 2.x's two hooks do: HOOK (the write-up's log
// line), then `notify INSTANCE NAME STATE PRIORITY` (log line and every channel).
const WRAPPER_TEXT = `"$SCRIPT" "$HOOK"
exec "$SCRIPT" notify INSTANCE "$INSTANCE" "$STATE" "$PRIORITY"
`;

/** The per-state wrapper of keepalived 1.x: 1.x passes it no arguments, so the priority is the configured one. */
export const NOTIFY_WRAPPER = nodeScript(
  'notify wrapper (keepalived 1.x)',
  { SCRIPT: '/usr/local/bin/keepalived_notify.sh', HOOK: 'notify_master', INSTANCE: 'VI_1', STATE: 'MASTER', PRIORITY: 200 },
  WRAPPER_TEXT,
  `#!/bin/sh
# Managed by haops. Changes here are overwritten on the next deploy.
# keepalived 1.x runs this on one state of one instance: its generic notify cannot pass arguments.`,
);

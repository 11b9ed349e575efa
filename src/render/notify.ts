// The notify script keepalived runs on every state change: a log line (file and syslog), then
// webhooks, SMS and mail in the background so keepalived is never held up. Pure.
import type { NodeModel } from '../model/derive.js';
import { shellQuote } from '../ssh/quote.js';

export function renderNotifyScript(node: NodeModel): string {
  const n = node.notify;
  const q = shellQuote;
  const lines: string[] = [
    '#!/bin/sh',
    `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.`,
    '# keepalived calls it as: notify_master|notify_backup|notify_fault (the write-up\'s hooks, logged),',
    '# or, as the generic notify ("notify", then TYPE NAME STATE PRIORITY): that call logs and fires every channel.',
    `LOG=${q(n.log)}`,
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
    'TIME=$(now)',
    'LINE="$TIME host=$HOST pair=$PAIR instance=$NAME state=$STATE priority=$PRIORITY"',
    'echo "$LINE" >> "$LOG"',
    'logger -t haops-notify "$LINE" 2>/dev/null || true',
    'fail() { echo "$(now) [$HOST] notify channel failed: $*" >> "$LOG"; }',
    'JSON="{\\"event\\":\\"vrrp_state\\",\\"host\\":\\"$HOST\\",\\"pair\\":\\"$PAIR\\",\\"instance\\":\\"$NAME\\",\\"state\\":\\"$STATE\\",\\"priority\\":\\"$PRIORITY\\",\\"time\\":\\"$TIME\\"}"',
  ];
  // Each channel runs detached with its own short timeout: a dead webhook delays nothing else.
  for (const url of n.webhooks) {
    lines.push(
      `( curl -fsS -m 2 --retry 1 --retry-delay 0 -H 'Content-Type: application/json' -d "$JSON" ${q(url)} >/dev/null 2>&1 || fail webhook ${q(url)} ) </dev/null >/dev/null 2>&1 &`,
    );
  }
  if (n.sms) {
    const text = n.sms.template.replaceAll('{host}', '$HOST').replaceAll('{instance}', '$NAME').replaceAll('{state}', '$STATE').replaceAll('{priority}', '$PRIORITY').replaceAll('{pair}', '$PAIR');
    lines.push(`SMS_TEXT="${text}"`);
    for (const to of n.sms.to) {
      if (n.sms.url) lines.push(`( curl -fsS -m 2 --retry 1 --data-urlencode to=${q(to)} --data-urlencode "text=$SMS_TEXT" ${q(n.sms.url)} >/dev/null 2>&1 || fail sms ${q(to)} ) </dev/null >/dev/null 2>&1 &`);
      if (n.sms.command) lines.push(`( ${q(n.sms.command)} ${q(to)} "$SMS_TEXT" >/dev/null 2>&1 || fail sms-command ${q(to)} ) </dev/null >/dev/null 2>&1 &`);
    }
  }
  if (n.email) {
    const to = n.email.to.map(q).join(' ');
    lines.push(
      'if command -v mail >/dev/null 2>&1; then',
      `  ( echo "$LINE" | mail -s "[haops] $HOST $NAME $STATE" ${to} >/dev/null 2>&1 || fail mail ) </dev/null >/dev/null 2>&1 &`,
      'fi',
    );
  }
  lines.push('exit 0', '');
  return lines.join('\n');
}

// The tracked check run on the node as keepalived runs it: the command found by keepalived's path
// search, symlinks followed, as script_user when one is set; then keepalived's last log line on it.
// One line `check NAME EXIT PATH REALPATH` (or `none`, `notfound`), `checkcmd`, `checklog`; and its parser.
import { nodeScript } from './script.js';

export const CHECK_MARK = '@@haops-check@@';

/** systemd's default PATH for services: what keepalived's path search sees when systemd started it. */
export const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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

const TEXT = `echo '${CHECK_MARK}'
prove() {
  cs=
  # The deployed config's command for this vrrp_script; a config without it (track_process) has none to prove.
  if [ -n "$CONF" ] && [ -f "$CONF" ]; then
    cs=$(sed -n "/^vrrp_script $NAME_RE {/,/}/s/^ *script \\"\\(.*\\)\\"$/\\1/p" "$CONF" | head -n 1)
    [ -n "$cs" ] || { echo "check $NAME none - -"; return 0; }
  fi
  [ -n "$cs" ] || cs=$SCRIPT
  echo "checkcmd $cs"
  # Inventory scripts are plain words separated by single spaces (schema): \`set --\` splits them back.
  set -f; set -- $cs; set +f; c=$1; shift
  case $c in /*) cp=$c ;; *) cp=$(PATH=${SERVICE_PATH} command -v "$c") ;; esac
  if [ -z "$cp" ] || [ ! -e "$cp" ]; then echo "check $NAME notfound - -"; return 0; fi
  # pidof run through its link is /sbin/killall5, which picks its mode from its name: the real file runs.
  cr=$(readlink -f "$cp")
  if [ -n "$AS_USER" ]; then runuser -u "$AS_USER" -- "$cr" "$@"; else "$cr" "$@"; fi </dev/null >/dev/null 2>&1
  echo "check $NAME $? $cp $cr"
}
prove
# keepalived 2.x: "Script \`chk_nginx\` now returning 1", "VRRP_Script(chk_nginx) failed (exited with status 1)".
if [ -n "$JOURNAL" ]; then
  (journalctl -u keepalived --no-pager -n 2000 -o short-iso 2>/dev/null || tail -n 2000 /var/log/messages /var/log/syslog 2>/dev/null) |
    grep -F -e "Script \\\`$NAME\\\`" -e "VRRP_Script($NAME)" -e "script \\\`$NAME\\\`" | tail -n 1 | sed 's/^/checklog /'
fi
`;

export const CHECK_PROOF = nodeScript(
  'check proof',
  {
    NAME: 'chk_nginx',
    /** NAME as a sed pattern (dots escaped). */
    NAME_RE: 'chk_nginx',
    /** The inventory's command: tested when CONF is '' or absent. */
    SCRIPT: 'killall -0 nginx',
    /** The deployed keepalived.conf whose command is tested ('' : the inventory's). */
    CONF: '/etc/keepalived/keepalived.conf',
    AS_USER: 'keepalived_script',
    /** Read keepalived's last line on the check (the journal is the slow part). */
    JOURNAL: true,
  },
  TEXT,
);

export function checkProofValues(name: string, script: string, scriptUser: string | undefined, conf: string, journal: boolean) {
  return { NAME: name, NAME_RE: name.replaceAll('.', '\\.'), SCRIPT: script, CONF: conf, AS_USER: scriptUser ?? '', JOURNAL: journal };
}

/** `command`: what was asked when the output does not say (the inventory's command). */
export function parseCheckProof(name: string, command: string, text: string): CheckProof {
  const proof: CheckProof = { name, command, path: null, realPath: null, exit: null, ok: null };
  for (const line of text.split('\n')) {
    const m = /^check (\S+) (\S+) (\S+) (\S+)$/.exec(line.trim());
    if (m && m[1] === name) {
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

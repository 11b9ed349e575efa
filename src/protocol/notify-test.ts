// `haops notify-test` on a node: run the notify script once as keepalived would (its per-state
// wrapper on keepalived 1.x nodes), marked as a test, then wait for its channels' outcome lines in
// its log; `@@rc`, `@@log` and `@@tail` sections, and their parser.
import { nodeScript } from './script.js';

const TEXT = `# The run's token comes on stdin, not on a command line ps shows.
TOKEN=; IFS= read -r TOKEN || true
if [ ! -x "$SCRIPT" ]; then echo "@@noscript"; exit 0; fi
# keepalived 1.x runs the per-state wrapper deploy installed there: so does the test.
if [ -x "$WRAPPER" ]; then echo "@@via $WRAPPER"; set -- "$WRAPPER"; else set -- "$SCRIPT" notify INSTANCE "$INSTANCE" MASTER 0; fi
t0=$(date +%s%N 2>/dev/null)
HAOPS_NOTIFY_TEST=1 HAOPS_NOTIFY_TEST_ID="$TEST_ID" HAOPS_NOTIFY_TOKEN="$TOKEN" "$@" </dev/null >/dev/null 2>&1; rc=$?
t1=$(date +%s%N 2>/dev/null)
case "$t0$t1" in *[!0-9]*|"") ms=- ;; *) ms=$(( (t1 - t0) / 1000000 )) ;; esac
echo "@@rc $rc $ms"
i=0
while [ $i -lt "$TRIES" ]; do
  n=$(grep -F "test=$TEST_ID" "$LOG" 2>/dev/null | grep -c " channel=")
  [ "\${n:-0}" -ge "$EXPECTED" ] && break
  sleep 0.2; i=$((i + 1))
done
echo "@@log"
grep -F "test=$TEST_ID" "$LOG" 2>/dev/null | tail -n 100
echo "@@tail"
tail -n 5 "$LOG" 2>/dev/null
echo "@@end"
`;

export const NOTIFY_TEST = nodeScript(
  'notify test',
  {
    SCRIPT: '/usr/local/bin/keepalived_notify.sh',
    LOG: '/var/log/keepalived.notify.log',
    /** keepalived 1.x's per-state wrapper for MASTER (run instead of the script when it is there). */
    WRAPPER: '/etc/keepalived/haops-notify/VI_1.master',
    INSTANCE: 'VI_1',
    TEST_ID: 't1',
    /** Outcome lines to wait for (one per channel), and how many 0.2 s naps at most. */
    EXPECTED: 3,
    TRIES: 15,
  },
  TEXT,
);

export interface ParsedOutput {
  noScript: boolean;
  /** The per-state wrapper run instead of the script (keepalived 1.x nodes). */
  via?: string;
  exitCode: number | null;
  scriptMs: number | null;
  lines: string[];
  tail: string[];
}

export function parseTestOutput(stdout: string): ParsedOutput {
  const out: ParsedOutput = { noScript: false, exitCode: null, scriptMs: null, lines: [], tail: [] };
  let section: 'lines' | 'tail' | null = null;
  for (const line of stdout.split('\n')) {
    if (line === '@@noscript') out.noScript = true;
    else if (line.startsWith('@@via ')) out.via = line.slice(6);
    else if (line.startsWith('@@rc ')) {
      const [, rc, ms] = line.split(' ');
      out.exitCode = Number(rc);
      out.scriptMs = ms && /^\d+$/.test(ms) ? Number(ms) : null;
    } else if (line === '@@log') section = 'lines';
    else if (line === '@@tail') section = 'tail';
    else if (line === '@@end') section = null;
    else if (section && line !== '') out[section].push(line);
  }
  return out;
}

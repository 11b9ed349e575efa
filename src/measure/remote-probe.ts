// The drill's HTTP probe run on the inventory's probe host: a shell loop there starts one curl
// every interval (in the background, so a hung request does not delay the next) and streams one
// line per request over a single SSH channel; each mark is put on this machine's clock.
import { urlHost } from '../core/ipv6.js';
import { shellQuote } from '../core/quote.js';
import type { HealthModel } from '../model/derive.js';
import { NODE_RE, probeFailure, type ProbeFailure } from '../runner/client-probe.js';
import type { Host, StreamHandle } from '../ssh/host.js';
import { ProbeMarks } from './http-probe.js';
import type { ProbeMark } from './trace.js';

/**
 * The loop: bash's $EPOCHREALTIME stamps a request without a fork (date elsewhere); one curl per
 * request, its verbose output read by the shell's own pattern matching. It ends when the channel
 * closes (its next write fails), or after `maxSeconds` worth of requests if the close never reaches it.
 */
export function probeLoopScript(vip: string, health: HealthModel, intervalMs: number, timeoutMs: number, maxSeconds: number): string {
  const tls = health.tls;
  const url = shellQuote(
    tls ? `https://${tls.servername}:${tls.port}${health.path}` : `http://${urlHost(vip)}:${health.port}${health.path}`,
  );
  // A TLS site: the site's name resolved to the VIP (SNI and Host as a client sends them), verified
  // against the inventory's CA, written to a file there (a CA is no secret) and removed at the end.
  const tlsSetup = tls
    ? [
        `r=${shellQuote(`${tls.servername}:${tls.port}:${vip}`)}`,
        ...(tls.ca ? ['c=$(mktemp) || exit 1', `trap 'rm -f "$c"' EXIT`, `cat > "$c" <<'HAOPS_CA'`, tls.ca.trim(), 'HAOPS_CA'] : []),
      ]
    : [];
  // --resolve: curl 7.21.3 and later (not CentOS 6's 7.19.7).
  // A plain site of nginx.sites: asked by its name (Host) at the VIP.
  const curlTls = tls ? ` --resolve "$r"${tls.ca ? ' --cacert "$c"' : ''}` : health.host ? ` -H ${shellQuote(`Host: ${health.host}`)}` : '';
  const t = (timeoutMs / 1000).toFixed(3);
  const max = Math.ceil((maxSeconds * 1000) / intervalMs);
  return [
    'LC_ALL=C; export LC_ALL; unset http_proxy HTTP_PROXY all_proxy ALL_PROXY',
    "command -v curl >/dev/null 2>&1 || { echo 'nocurl'; exit 0; }",
    `u=${url}; i=0`,
    ...tlsSetup,
    // bash waits on a FIFO nobody writes (read -t, a builtin): no sleep process per request.
    `if [ -n "$BASH_VERSION" ] && f=$(mktemp -u) && mkfifo "$f" 2>/dev/null && exec 9<>"$f"; then rm -f "$f"; nap() { read -r -t ${(intervalMs / 1000).toFixed(3)} -u 9 _; }; else nap() { sleep ${(intervalMs / 1000).toFixed(3)}; }; fi`,
    'echo ready',
    `while [ $i -lt ${max} ]; do`,
    '  i=$((i+1))',
    '  (',
    // -v tells refused from unroutable in the same request (curl 7.88 says only "Couldn't connect"); all in the shell, no extra process.
    `    o=$(curl -q -g -sv -o /dev/null -m ${t} -A haops-drill${curlTls} -w '\\nhaops-w %{http_code} %{time_total}\\n' "$u" 2>&1); rc=$?`,
    // Stamped when curl is done: on a busy host curl may start well after the loop forked it,
    // so its start is this stamp less its own time_total.
    '    e=${EPOCHREALTIME:-$(date +%s.%N)}',
    '    n=-',
    '    case $o in *[Xx]-[Hh]aops-[Nn]ode:*) n=${o#*[Xx]-[Hh]aops-[Nn]ode: }; n=${n%%[!A-Za-z0-9_.-]*} ;; esac',
    // -w @... would read a file: the mark starts with a word.
    '    case $o in *haops-w\\ *) r=${o##*haops-w }; r=${r%%[!0-9. ]*} ;; *) r="000 0" ;; esac',
    '    w=',
    "    case $o in *onnection\\ refused*) w='connection refused' ;; *o\\ route\\ to\\ host*) w='no route to host' ;; *is\\ unreachable*) w=unreachable ;; esac",
    '    echo "m $e $rc ${n:--} $r $w"',
    '  ) &',
    // The loop's own heartbeat: once haops closes the channel (sshd ignores its KILL signal request,
    // OpenSSH 9.2 on the lab) this write fails and the loop ends; without it the loop, which wrote
    // nothing itself, forked curl for maxSeconds more, every round adding one (lab: load over 500).
    '  echo . || exit 0',
    '  nap',
    'done',
  ].join('\n');
}

/** One streamed line: a mark with its end and duration on the probe host's clock (seconds); null for anything else. */
export function parseProbeLine(
  line: string,
  vip: string,
  health: HealthModel,
): (Omit<ProbeMark, 'sentAt' | 'at'> & { endS: number; tookS: number }) | null {
  const m = /^m (\d+[.,]\d+) (\d+) (\S+) (\d{3}) ([\d.,]+) ?(.*)$/.exec(line.trim());
  if (!m) return null;
  const endS = Number(m[1]!.replace(',', '.'));
  const rc = Number(m[2]);
  const node = NODE_RE.test(m[3]!) ? m[3]! : null;
  const status = Number(m[4]);
  const tookS = Number(m[5]!.replace(',', '.'));
  const why = m[6]!.toLowerCase();
  if (rc === 0 && status > 0) {
    const ok = status >= health.min && status <= health.max;
    return { vip, ok, node, status, endS, tookS, ...(ok ? {} : { failure: probeFailure(null, status) ?? 'other' }) };
  }
  return { vip, ok: false, node, endS, tookS, failure: curlFailure(rc, why) };
}

function curlFailure(rc: number, why: string): ProbeFailure {
  if (rc === 28) return 'timeout';
  if (rc === 52 || rc === 56) return 'reset';
  if (rc === 7) return why.includes('refused') ? 'refused' : why ? 'unreachable' : 'other';
  return 'other';
}

export class RemoteHttpProbe extends ProbeMarks {
  private handle: StreamHandle | null = null;
  /** Set when the probe host cannot run the loop (no curl). */
  problem: string | null = null;

  constructor(
    private readonly host: Host,
    private readonly vip: string,
    private readonly health: HealthModel,
    /** The probe host's clock minus ours, in ms (the drill measures it as for the nodes). */
    private readonly offsetMs: number,
    private readonly intervalMs = 20,
    private readonly timeoutMs = 400,
    private readonly maxSeconds = 600,
  ) {
    super();
  }

  async start(): Promise<void> {
    let ready: () => void = () => {};
    const started = new Promise<void>((r) => (ready = r));
    this.handle = await this.host.stream(
      probeLoopScript(this.vip, this.health, this.intervalMs, this.timeoutMs, this.maxSeconds),
      (line) => {
        if (line === 'ready') return ready();
        if (line === 'nocurl') {
          this.problem = `probe host ${this.host.name} has no curl: the 20 ms HTTP probe (drill, switchover) needs it there (install curl)`;
          return ready();
        }
        const p = parseProbeLine(line, this.vip, this.health);
        if (!p) return;
        const { endS, tookS, ...mark } = p;
        const at = Math.round(endS * 1000 - this.offsetMs);
        this.samples.push({ ...mark, sentAt: at - Math.round(tookS * 1000), at });
      },
      { root: false },
    );
    // The loop says it runs (or cannot) before any fault is put in place.
    await Promise.race([started, this.handle.done.then(() => undefined)]);
  }

  stop(): void {
    this.handle?.stop();
    this.handle = null;
  }
}

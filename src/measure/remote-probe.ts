// The drill's HTTP probe run on the inventory's probe host: a shell loop there starts one curl
// every interval (in the background, so a hung request does not delay the next) and streams one
// line per request over a single SSH channel; each mark is put on this machine's clock.
import { PROBE_LOOP } from '../protocol/probe-loop.js';
import { bind } from '../protocol/script.js';
import type { HealthModel } from '../model/derive.js';
import { NODE_RE, probeFailure, type ProbeFailure } from '../runner/client-probe.js';
import type { Host, StreamHandle } from '../ssh/host.js';
import { ProbeMarks } from './http-probe.js';
import type { ProbeMark } from './trace.js';

/** The loop (protocol/probe-loop.ts) for one VIP and the site's health path. */
export function probeLoopScript(vip: string, health: HealthModel, intervalMs: number, timeoutMs: number, maxSeconds: number): string {
  const tls = health.tls;
  return bind(PROBE_LOOP, {
    VIP: vip,
    PORT: tls ? tls.port : health.port,
    HEALTH_PATH: health.path,
    SERVERNAME: tls?.servername ?? '',
    CA: tls?.ca?.trim() ?? '',
    HOST: !tls && health.host ? health.host : '',
    INTERVAL: (intervalMs / 1000).toFixed(3),
    TIMEOUT: (timeoutMs / 1000).toFixed(3),
    MAX: Math.ceil((maxSeconds * 1000) / intervalMs),
  });
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

// HTTP through a VIP while it moves: a NEW connection every 20 ms, from this machine (plus a
// kept-alive load, N connections each sending its next request as soon as the last is answered;
// its errors are failed requests too) or from the inventory's probe host (the drill's streamed
// curl loop; no kept-alive load there: not measured, null).
import { getOn, type ProbeTls } from '../runner/client-target.js';
import { clockFrom } from '../measure/clock.js';
import { RemoteHttpProbe } from '../measure/remote-probe.js';
import type { ProbeMark } from '../measure/trace.js';
import { probeFailure } from '../runner/client-probe.js';
import type { Host } from '../ssh/host.js';
import { bind } from '../protocol/script.js';
import { NODE_CLOCK, parseNodeClock } from '../protocol/watch.js';
import { KeptAliveLoad, type KeptAliveFigures } from './kept-alive.js';

export interface ProbeSample {
  sentAt: number;
  /** When it ended (answer, error or the 2 s limit). */
  at: number;
  ok: boolean;
  node: string | null;
  error?: string;
}

export interface ProbeFigures {
  requests: number;
  failedRequests: number;
  /** Slowest successful request, seconds. */
  worstLatencySeconds: number | null;
  /** When that request was sent, seconds after `from`: places a slow one in the round. */
  worstAtSeconds: number | null;
  /** null: not measured (a probe host's curl loop opens a new connection per request only). */
  resetsOnReusedConnections: number | null;
  /** The kept-alive load (its errors are in failedRequests too); null: not measured (probe host). */
  keptAlive: KeptAliveFigures | null;
  /** The first few failures, for the report: when (s after `from`) and why. */
  failures: { atSeconds: number; error: string }[];
}

export class SwitchoverProbe implements RoundProbe {
  private samples: ProbeSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly load: KeptAliveLoad | null;

  constructor(
    private readonly vip: string,
    private readonly port: number,
    /** Kept-alive connections beside the new-connection probe (--connections; 0: none). */
    connections = KEPT_ALIVE_CONNECTIONS,
    private readonly intervalMs = 20,
    /** A request without an answer in this long has failed (the 2 s). */
    private readonly timeoutMs = 2000,
    /** The site's TLS: new and kept-alive connections speak HTTPS on its port. */
    private readonly tls?: ProbeTls,
  ) {
    this.load = connections > 0 ? new KeptAliveLoad(vip, port, connections, '/haops-health', 5, timeoutMs, tls) : null;
  }

  start(): void {
    this.timer = setInterval(() => this.fresh(), this.intervalMs);
    this.load?.start();
  }

  /** Stops sending and waits for the requests still out (at most the timeout). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + this.timeoutMs + 500;
    await Promise.all([
      (async () => {
        while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      })(),
      this.load?.stop(),
    ]);
  }

  private request(done: (ok: boolean, node: string | null, error?: string) => void): void {
    this.inFlight++;
    let finished = false;
    const end = (ok: boolean, node: string | null, error?: string) => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      clearTimeout(limit);
      done(ok, node, error);
    };
    const req = getOn(
      this.vip,
      { port: this.port, tls: this.tls },
      { path: '/haops-health', agent: false, headers: { connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          end(
            res.statusCode === 200,
            res.statusCode === 200 ? body.trim() : null,
            res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`,
          ),
        );
        res.on('error', (e) => end(false, null, (e as NodeJS.ErrnoException).code ?? e.message));
      },
    );
    // The whole request, connect included, must finish in timeoutMs (a lost SYN retried after 1 s still counts if it makes it).
    const limit = setTimeout(() => {
      end(false, null, `no answer in ${this.timeoutMs / 1000} s`);
      req.destroy();
    }, this.timeoutMs);
    req.on('error', (e) => end(false, null, (e as NodeJS.ErrnoException).code ?? e.message));
  }

  private fresh(): void {
    const sentAt = Date.now();
    this.request((ok, node, error) => this.samples.push({ sentAt, at: Date.now(), ok, node, ...(error ? { error } : {}) }));
  }

  /** Every new-connection request, for the HTML report (the drill's marks). */
  marks(): ProbeMark[] {
    return this.samples.map((x) => {
      const status = x.error && /^HTTP \d+$/.test(x.error) ? Number(x.error.slice(5)) : x.ok ? 200 : undefined;
      const failure = x.ok
        ? undefined
        : (probeFailure(
            x.error?.startsWith('no answer')
              ? { code: 'ETIMEDOUT' }
              : x.error && !x.error.startsWith('HTTP')
                ? { code: x.error, message: x.error }
                : null,
            status,
          ) ?? 'other');
      return {
        vip: this.vip,
        sentAt: x.sentAt,
        at: x.at,
        ok: x.ok,
        node: x.node,
        ...(status ? { status } : {}),
        ...(failure ? { failure } : {}),
      };
    });
  }

  /** True once a request sent after t answered from `node`. */
  answeredBy(node: string, t: number): boolean {
    return this.samples.some((s) => s.sentAt >= t && s.ok && s.node === node);
  }

  /** When the first answer from `node` to a request sent after t arrived, or null. */
  firstAnswerAt(node: string, t: number): number | null {
    const s = this.samples.filter((x) => x.sentAt >= t && x.ok && x.node === node).sort((a, b) => a.at - b.at)[0];
    return s ? s.at : null;
  }

  figures(from: number, to: number = Infinity): ProbeFigures {
    return figuresOf(this.samples, from, to, this.load?.figures(from, to) ?? null);
  }
}

/** What a round reads from its probe, wherever the requests are sent from. */
export interface RoundProbe {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  marks(): ProbeMark[];
  answeredBy(node: string, t: number): boolean;
  firstAnswerAt(node: string, t: number): number | null;
  figures(from: number, to?: number): ProbeFigures;
}

/** The default kept-alive connections of a switchover's probe (--connections). */
export const KEPT_ALIVE_CONNECTIONS = 4;

/** The new-connection samples' figures, with the kept-alive load's errors counted as failed requests. */
function figuresOf(samples: ProbeSample[], from: number, to: number, kept: KeptAliveFigures | null): ProbeFigures {
  const window = samples.filter((s) => s.sentAt >= from && s.sentAt <= to).sort((a, b) => a.sentAt - b.sentAt);
  const failed = window.filter((s) => !s.ok);
  const good = window.filter((s) => s.ok);
  const worst = good.reduce<ProbeSample | null>((w, s) => (!w || s.at - s.sentAt > w.at - w.sentAt ? s : w), null);
  return {
    requests: window.length + (kept?.requests ?? 0),
    failedRequests: failed.length + (kept?.failedRequests ?? 0),
    worstLatencySeconds: worst ? (worst.at - worst.sentAt) / 1000 : null,
    worstAtSeconds: worst ? (worst.sentAt - from) / 1000 : null,
    resetsOnReusedConnections: kept ? kept.resets : null,
    keptAlive: kept,
    failures: [
      ...failed.slice(0, 5).map((s) => ({ atSeconds: (s.sentAt - from) / 1000, error: s.error ?? 'failed' })),
      ...(kept?.failures ?? []),
    ].slice(0, 8),
  };
}

/** A probe host's clock minus ours (ms), from the best of three `date` round trips; null if unreadable. */
export async function probeHostOffset(host: Host): Promise<{ offset: number | null; why: string }> {
  const samples = [];
  // What the last failed look said, for the refusal: a clock that cannot be read is a probe host that cannot be trusted.
  let why = '';
  for (let i = 0; i < 3; i++) {
    const sentAt = Date.now();
    const r = await host.exec(bind(NODE_CLOCK, {}), { root: false, timeoutMs: 10_000 }).catch((e: Error) => {
      why = e.message;
      return null;
    });
    const nodeMs = (r && r.code === 0 && parseNodeClock(r.stdout)) || NaN;
    if (r && Number.isNaN(nodeMs)) why = `exit ${r.code}, printed ${JSON.stringify((r.stdout + r.stderr).trim().slice(0, 120))}`;
    samples.push({ sentAt, receivedAt: Date.now(), nodeMs });
  }
  return { offset: clockFrom(samples)?.offsetMs ?? null, why };
}

/**
 * The same new-connection probe sent from the probe host: the drill's loop (one curl every
 * interval, streamed back, marks on this machine's clock) asking nginx's /haops-health with the
 * same 2 s limit. Kept-alive resets are not measured there: null, not 0.
 */
export class RemoteSwitchoverProbe implements RoundProbe {
  private readonly loop: RemoteHttpProbe;

  constructor(
    host: Host,
    vip: string,
    port: number,
    offsetMs: number,
    intervalMs = 20,
    private readonly timeoutMs = 2000,
    /** The site's TLS: the probe host's curl asks HTTPS with the site's name. */
    tls?: ProbeTls,
  ) {
    this.loop = new RemoteHttpProbe(
      host,
      vip,
      { path: '/haops-health', port, min: 200, max: 200, ...(tls ? { tls } : {}) },
      offsetMs,
      intervalMs,
      timeoutMs,
    );
  }

  /** Why the loop cannot run there (no curl), once started. */
  get problem(): string | null {
    return this.loop.problem;
  }

  start(): Promise<void> {
    return this.loop.start();
  }

  async stop(): Promise<void> {
    this.loop.stop();
  }

  marks(): ProbeMark[] {
    return this.loop.marks();
  }

  private samples(): ProbeSample[] {
    return this.loop.marks().map((m) => ({
      sentAt: m.sentAt,
      at: m.at,
      ok: m.ok,
      node: m.node,
      ...(m.ok
        ? {}
        : {
            error:
              m.failure === 'timeout' ? `no answer in ${this.timeoutMs / 1000} s` : m.status ? `HTTP ${m.status}` : (m.failure ?? 'failed'),
          }),
    }));
  }

  answeredBy(node: string, t: number): boolean {
    return this.loop.marks().some((s) => s.sentAt >= t && s.ok && s.node === node);
  }

  firstAnswerAt(node: string, t: number): number | null {
    const s = this.loop
      .marks()
      .filter((x) => x.sentAt >= t && x.ok && x.node === node)
      .sort((a, b) => a.at - b.at)[0];
    return s ? s.at : null;
  }

  figures(from: number, to: number = Infinity): ProbeFigures {
    return figuresOf(this.samples(), from, to, null);
  }
}

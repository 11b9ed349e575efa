// HTTP through the VIP every few ms (the drill: 20) from this machine, on the user's path
// (health_path): which node answered (X-Haops-Node), which requests failed and how (refused,
// reset, timeout, 5xx).
import { getOn } from '../runner/client-target.js';
import { pollFor } from '../core/poll.js';
import type { HealthModel } from '../model/derive.js';
import { NODE_HEADER, NODE_RE, probeFailure } from '../runner/client-probe.js';
import type { ProbeMark } from './trace.js';

/** The drill's view of a probe, wherever its requests are sent from: marks on this machine's clock. */
export abstract class ProbeMarks {
  protected samples: ProbeMark[] = [];

  abstract start(): void | Promise<void>;
  abstract stop(): void;

  /** Every request so far, in the order they were sent. */
  marks(): ProbeMark[] {
    return [...this.samples].sort((a, b) => a.sentAt - b.sentAt);
  }

  /** Time of the first answer by `node` sent after t0, waiting up to timeoutMs for it. */
  async firstSuccessAfter(t0: number, node: string, timeoutMs: number): Promise<number | null> {
    // In send order: answers may arrive out of order (a remote probe's requests overlap).
    const s = await pollFor(() => this.marks().find((x) => x.sentAt >= t0 && x.ok && x.node === node), {
      until: t0 + timeoutMs,
      everyMs: 50,
    });
    return s?.at ?? null;
  }

  /** Requests sent after t0 that failed, up to the first success after them. */
  failuresSince(t0: number): number {
    const after = this.samples.filter((s) => s.sentAt >= t0).sort((a, b) => a.sentAt - b.sentAt);
    const lastFail = after.map((s) => s.ok).lastIndexOf(false);
    return after.slice(0, lastFail + 1).filter((s) => !s.ok).length;
  }
}

export class HttpProbe extends ProbeMarks {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly vip: string,
    private readonly health: HealthModel,
    private readonly intervalMs = 100,
    private readonly timeoutMs = 400,
  ) {
    super();
  }

  start(): void {
    this.timer = setInterval(() => this.once(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private once(): void {
    const sentAt = Date.now();
    const { vip, health } = this;
    let settled = false;
    const done = (m: Omit<ProbeMark, 'vip' | 'sentAt' | 'at'>) => {
      if (settled) return;
      settled = true;
      this.samples.push({ vip, sentAt, at: Date.now(), ...m });
    };
    const req = getOn(vip, health, { path: health.path, agent: false, timeout: this.timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      const h = res.headers[NODE_HEADER];
      const node = typeof h === 'string' && NODE_RE.test(h) ? h : null;
      res.resume();
      const ok = status >= health.min && status <= health.max;
      res.on('end', () => done({ ok, node, status, ...(ok ? {} : { failure: probeFailure(null, status) ?? 'other' }) }));
      res.on('error', (e) => done({ ok: false, node, status, failure: probeFailure(e as NodeJS.ErrnoException) ?? 'other' }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, node: null, failure: probeFailure(e) ?? 'other' }));
  }
}

// HTTP through the VIP every few ms (the drill: 20) from this machine: which node answered, and which failed.
import { pollFor } from '../core/poll.js';
import http from 'node:http';

interface Sample {
  sentAt: number;
  at: number;
  ok: boolean;
  node: string | null;
}

export class HttpProbe {
  private samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly vip: string,
    private readonly port: number,
    private readonly intervalMs = 100,
    private readonly timeoutMs = 400,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.once(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private once(): void {
    const sentAt = Date.now();
    const done = (ok: boolean, node: string | null) => this.samples.push({ sentAt, at: Date.now(), ok, node });
    const req = http.get({ host: this.vip, port: this.port, path: '/haops-health', agent: false, timeout: this.timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(res.statusCode === 200, res.statusCode === 200 ? body.trim() : null));
      res.on('error', () => done(false, null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false, null));
  }

  /** Time of the first answer by `node` sent after t0, waiting up to timeoutMs for it. */
  async firstSuccessAfter(t0: number, node: string, timeoutMs: number): Promise<number | null> {
    const s = await pollFor(() => this.samples.find((x) => x.sentAt >= t0 && x.ok && x.node === node), {
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

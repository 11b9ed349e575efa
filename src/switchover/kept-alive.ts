// A kept-alive load through a VIP, the way browsers, API clients and proxies send: N connections,
// each sending its next request as soon as the last one is answered, reusing the connection
// until the server says `Connection: close`. Any error (a reset, a close racing a request, no
// answer in the limit, a non-2xx) is a failed request: what a real client would have seen.
import type http from 'node:http';
import { getOn, keptAliveAgent, type ProbeTls } from '../runner/client-target.js';

export interface KeptAliveSample {
  sentAt: number;
  at: number;
  ok: boolean;
  /** The request went on a connection that had already carried one. */
  reused: boolean;
  error?: string;
}

export interface KeptAliveFigures {
  connections: number;
  requests: number;
  failedRequests: number;
  /** Failures on a reused connection that were resets or closes racing the request. */
  resets: number;
  /** Connections opened after the first N: each a clean `Connection: close` the client followed (or a reconnect after an error). */
  reconnects: number;
  failures: { atSeconds: number; error: string }[];
}

const RESET = /ECONNRESET|EPIPE|socket hang up/;

export class KeptAliveLoad {
  private samples: KeptAliveSample[] = [];
  private agents: http.Agent[] = [];
  private running = false;
  private inFlight = 0;
  private opened = 0;

  constructor(
    private readonly vip: string,
    private readonly port: number,
    readonly connections = 4,
    private readonly path = '/haops-health',
    /** Pause between a connection's answer and its next request (keeps two shared cores usable). */
    private readonly gapMs = 5,
    private readonly timeoutMs = 2000,
    /** The site's TLS: the load speaks HTTPS on its port. */
    private readonly tls?: ProbeTls,
  ) {}

  start(): void {
    this.running = true;
    for (let i = 0; i < this.connections; i++) {
      const agent = keptAliveAgent(this.tls);
      this.agents.push(agent);
      this.next(agent);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    const deadline = Date.now() + this.timeoutMs + 500;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const a of this.agents) a.destroy();
    this.agents = [];
  }

  private next(agent: http.Agent): void {
    if (!this.running) return;
    const sentAt = Date.now();
    this.inFlight++;
    let finished = false;
    let reused = false;
    const end = (ok: boolean, error?: string) => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      clearTimeout(limit);
      this.samples.push({ sentAt, at: Date.now(), ok, reused, ...(error ? { error } : {}) });
      setTimeout(() => this.next(agent), ok ? this.gapMs : 50);
    };
    const req = getOn(this.vip, { port: this.port, tls: this.tls }, { path: this.path, agent }, (res) => {
      res.resume();
      res.on('end', () =>
        end(res.statusCode !== undefined && res.statusCode < 300, res.statusCode! < 300 ? undefined : `HTTP ${res.statusCode}`),
      );
      res.on('error', (e) => end(false, (e as NodeJS.ErrnoException).code ?? e.message));
    });
    req.on('socket', () => {
      reused = req.reusedSocket;
      if (!reused) this.opened++;
    });
    const limit = setTimeout(() => {
      end(false, `no answer in ${this.timeoutMs / 1000} s`);
      req.destroy();
    }, this.timeoutMs);
    req.on('error', (e) => end(false, (e as NodeJS.ErrnoException).code ?? e.message));
  }

  figures(from: number, to: number = Infinity): KeptAliveFigures {
    const w = this.samples.filter((s) => s.sentAt >= from && s.sentAt <= to).sort((a, b) => a.sentAt - b.sentAt);
    const failed = w.filter((s) => !s.ok);
    return {
      connections: this.connections,
      requests: w.length,
      failedRequests: failed.length,
      resets: failed.filter((s) => s.reused && RESET.test(s.error ?? '')).length,
      reconnects: Math.max(0, this.opened - this.connections),
      failures: failed.slice(0, 5).map((s) => ({ atSeconds: (s.sentAt - from) / 1000, error: `kept-alive: ${s.error ?? 'failed'}` })),
    };
  }
}

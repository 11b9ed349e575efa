// The switchover probe against a real HTTP server on this machine: what counts as a failed
// request (refused, reset, no answer in the limit), who answered, and the worst latency; sent from
// here, and from a simulated probe host (a local shell running the drill's curl loop).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeHostOffset, RemoteSwitchoverProbe, SwitchoverProbe } from '../../src/switchover/probe.js';
import { simulatedProbeHost } from '../sim/probe-host.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers) s.closeAllConnections(), s.close();
  servers = [];
});

function serve(name: string, port = 0, delayMs = 0): Promise<number> {
  const s = http.createServer((req, res) =>
    setTimeout(() => {
      // nginx's site names the node in a header too: the probe host's curl loop reads that.
      res.setHeader('X-Haops-Node', name);
      res.statusCode = req.url === '/haops-health' ? 200 : 404;
      res.end(`${name}\n`);
    }, delayMs),
  );
  servers.push(s);
  return new Promise((r) => s.listen(port, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

describe('switchover probe (local HTTP server)', () => {
  it('counts refused connections while nobody listens, then sees the new answerer', async () => {
    const port = await serve('old');
    const probe = new SwitchoverProbe('127.0.0.1', port, 0, 20, 2000);
    probe.start();
    await sleep(200);
    const t0 = Date.now();
    servers[0]!.closeAllConnections();
    servers[0]!.close();
    await sleep(200);
    await serve('new', port);
    await sleep(200);
    await probe.stop();
    const f = probe.figures(t0);
    expect(f.failedRequests).toBeGreaterThan(3);
    // Refused while nobody listens; a request in flight when the server closed may be reset instead.
    expect(f.failures.some((x) => x.error === 'ECONNREFUSED')).toBe(true);
    expect(f.failures.every((x) => x.error === 'ECONNREFUSED' || x.error === 'ECONNRESET')).toBe(true);
    expect(probe.firstAnswerAt('new', t0)).not.toBeNull();
    expect(probe.answeredBy('old', t0 + 150)).toBe(false);
    expect(f.worstLatencySeconds).toBeLessThan(0.5);
  });

  it('an answer slower than the limit is a failure, not a slow success', async () => {
    const port = await serve('slow', 0, 400);
    const probe = new SwitchoverProbe('127.0.0.1', port, 0, 100, 300);
    const t0 = Date.now();
    probe.start();
    await sleep(350);
    await probe.stop();
    const f = probe.figures(t0);
    expect(f.requests).toBeGreaterThan(0);
    expect(f.failedRequests).toBe(f.requests);
    expect(f.failures[0]!.error).toBe('no answer in 0.3 s');
    expect(f.worstLatencySeconds).toBeNull();
  });
});

describe('kept-alive load (local HTTP server)', () => {
  // A server that, once told to, answers every request with Connection: close (as nginx does while
  // the drain's closing flag is up), or cuts its kept-alive connections (as a reload does).
  function keptServer(): Promise<{ port: number; closing: () => void; cut: () => void; answered: () => number }> {
    let closing = false;
    let answered = 0;
    const s = http.createServer((_req, res) => {
      answered++;
      res.setHeader('X-Haops-Node', 'n1');
      if (closing) res.setHeader('Connection', 'close');
      res.end('n1\n');
    });
    s.keepAliveTimeout = 60_000;
    servers.push(s);
    return new Promise((r) =>
      s.listen(0, '127.0.0.1', () =>
        r({
          port: (s.address() as AddressInfo).port,
          closing: () => (closing = true),
          cut: () => s.closeAllConnections(),
          answered: () => answered,
        }),
      ),
    );
  }

  it('Connection: close on every answer: the clients reconnect and no request fails', async () => {
    const srv = await keptServer();
    const probe = new SwitchoverProbe('127.0.0.1', srv.port, 4, 1000, 2000);
    const t0 = Date.now();
    probe.start();
    await sleep(300);
    srv.closing();
    await sleep(300);
    await probe.stop();
    const f = probe.figures(t0);
    expect(f.keptAlive!.connections).toBe(4);
    expect(f.keptAlive!.requests).toBeGreaterThan(40);
    expect(f.keptAlive!.reconnects).toBeGreaterThan(10);
    expect(f.failedRequests).toBe(0);
  });

  it('kept-alive connections cut under the clients are failed requests of the switchover, not a side count', async () => {
    const srv = await keptServer();
    const probe = new SwitchoverProbe('127.0.0.1', srv.port, 4, 1000, 2000);
    const t0 = Date.now();
    probe.start();
    // Cut only once the clients are talking (a loaded machine may take longer than 200 ms to start them).
    for (let i = 0; i < 100 && srv.answered() < 20; i++) await sleep(20);
    for (let i = 0; i < 10; i++, await sleep(20)) srv.cut();
    await sleep(200);
    await probe.stop();
    const f = probe.figures(t0);
    expect(f.keptAlive!.failedRequests).toBeGreaterThan(0);
    expect(f.failedRequests).toBe(f.keptAlive!.failedRequests);
    expect(f.failures.some((x) => x.error.startsWith('kept-alive: '))).toBe(true);
  });
});

describe('switchover probe from a simulated probe host (local shell, real curl)', () => {
  it('sees the refused gap and the new answerer on this machine’s clock; kept-alive resets are not measured (null)', async () => {
    const port = await serve('old');
    const host = simulatedProbeHost('bash', 'node3');
    const { offset } = await probeHostOffset(host);
    // The same machine's clock: the offset is only the round trip's noise.
    expect(Math.abs(offset!)).toBeLessThan(100);
    const probe = new RemoteSwitchoverProbe(host, '127.0.0.1', port, offset!, 20, 2000);
    const before = Date.now();
    await probe.start();
    await sleep(500);
    expect(probe.answeredBy('old', before)).toBe(true);
    const t0 = Date.now();
    servers[0]!.closeAllConnections();
    servers[0]!.close();
    await sleep(400);
    await serve('new', port);
    await sleep(600);
    await probe.stop();
    const f = probe.figures(t0);
    expect(f.failedRequests).toBeGreaterThan(0);
    expect(f.failures[0]!.error).toBe('refused');
    expect(f.resetsOnReusedConnections).toBeNull();
    const first = probe.firstAnswerAt('new', t0);
    expect(first).not.toBeNull();
    // Marks are on this machine's clock: the new answer came after the gap began, and before now.
    expect(first!).toBeGreaterThan(t0 + 300);
    expect(first!).toBeLessThanOrEqual(Date.now());
    expect(probe.answeredBy('old', t0 + 200)).toBe(false);
    expect(probe.marks().every((m) => m.at >= m.sentAt)).toBe(true);
  });
});

// The drill's probe loop as a probe host runs it: real curl in a local shell standing in for the
// probe host (bash, and dash without $EPOCHREALTIME), streamed line by line, marks on our clock.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProbeLine, RemoteHttpProbe } from '../../src/measure/remote-probe.js';
import type { Host } from '../../src/ssh/host.js';
import { simulatedProbeHost } from '../sim/probe-host.js';

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('X-Haops-Node', 'a2');
    res.statusCode = req.url === '/broken' ? 503 : 200;
    res.end('ok\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
const health = (path = '/', p = port) => ({ path, port: p, min: 200, max: 399 });

describe.each(['bash', 'sh'])('drill probe loop on a simulated probe host (%s)', (shell) => {
  it('streams one mark per request, every ~20 ms, naming the node, on this machine’s clock', async () => {
    const probe = new RemoteHttpProbe(simulatedProbeHost(shell), '127.0.0.1', health(), 0, 20);
    const t0 = Date.now();
    await probe.start();
    await new Promise((r) => setTimeout(r, 1000));
    probe.stop();
    const marks = probe.marks();
    // A loaded 2-core machine forks slower than 20 ms at times: at least a third of the nominal rate.
    expect(marks.length).toBeGreaterThan(15);
    expect(marks.every((m) => m.ok && m.node === 'a2' && m.status === 200)).toBe(true);
    expect(marks[0]!.sentAt).toBeGreaterThanOrEqual(t0 - 50);
    expect(marks.at(-1)!.at).toBeLessThanOrEqual(Date.now() + 50);
    expect(await probe.firstSuccessAfter(t0, 'a2', 100)).not.toBeNull();
  });

  it('ends by itself once the channel closes, when the SSH server ignores the KILL signal (as OpenSSH 9.2 does)', async () => {
    // The simulated host's stop closes our end of the pipe and sends no signal: all sshd does.
    let exited: Promise<number | null> = Promise.resolve(null);
    let pid = 0;
    const host: Host = {
      ...simulatedProbeHost(shell),
      async stream(command, onLine) {
        const child = spawn(shell, ['-c', command], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
        pid = child.pid!;
        exited = new Promise((r) => child.on('exit', (code) => r(code)));
        child.stdout.on('data', (d: Buffer) => {
          for (const l of d.toString().split('\n')) if (l) onLine(l, Date.now());
        });
        return {
          stop: () => child.stdout.destroy(),
          done: exited.then((code) => ({ command, code: code ?? -1, stdout: '', stderr: '', durationMs: 0 })),
        };
      },
    };
    const probe = new RemoteHttpProbe(host, '127.0.0.1', health(), 0, 20, 400, 60);
    await probe.start();
    await new Promise((r) => setTimeout(r, 300));
    probe.stop();
    const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    if (!gone) process.kill(-pid, 'SIGKILL');
    // Left running, the loop would fork a curl every 20 ms for the 60 s it was given.
    expect(gone).toBe(true);
  });

  it("a closed port: every mark refused (curl's verbose lines, read by the shell, give the kind)", async () => {
    const probe = new RemoteHttpProbe(simulatedProbeHost(shell), '127.0.0.1', health('/', 1), 0, 50);
    await probe.start();
    await new Promise((r) => setTimeout(r, 500));
    probe.stop();
    const marks = probe.marks();
    expect(marks.length).toBeGreaterThan(2);
    expect(marks.every((m) => !m.ok && m.failure === 'refused')).toBe(true);
  });
});

describe('drill probe lines', () => {
  const h = health('/');
  it('reads ok, 5xx, timeout, reset and unroutable lines; a stray line is no mark', () => {
    expect(parseProbeLine('m 1764100000.123456 0 node1 200 0.001234 ', '10.0.0.1', h)).toMatchObject({
      ok: true,
      node: 'node1',
      status: 200,
      endS: 1764100000.123456,
      tookS: 0.001234,
    });
    expect(parseProbeLine('m 1764100000,5 0 node2 502 0,002', '10.0.0.1', h)).toMatchObject({ ok: false, failure: '5xx', status: 502 });
    expect(parseProbeLine('m 1764100000.5 28 - 000 0.400', '10.0.0.1', h)).toMatchObject({ ok: false, failure: 'timeout', node: null });
    expect(parseProbeLine('m 1764100000.5 56 - 000 0.010', '10.0.0.1', h)).toMatchObject({ failure: 'reset' });
    expect(parseProbeLine('m 1764100000.5 7 - 000 0.001 No route to host', '10.0.0.1', h)).toMatchObject({ failure: 'unreachable' });
    expect(parseProbeLine('m 1764100000.5 7 - 000 0.001 Connection refused', '10.0.0.1', h)).toMatchObject({ failure: 'refused' });
    expect(parseProbeLine('bash: warning: something', '10.0.0.1', h)).toBeNull();
    expect(parseProbeLine('m 1764100000.5 0 $(reboot) 200 0.001', '10.0.0.1', h)).toMatchObject({ ok: true, node: null });
  });

  it('a probe host without curl: the probe says so and starts no loop', async () => {
    const host = simulatedProbeHost('sh');
    const stream = host.stream.bind(host);
    host.stream = (cmd, onLine, opts) => stream(`PATH=/nonexistent; ${cmd}`, onLine, opts);
    const probe = new RemoteHttpProbe(host, '127.0.0.1', h, 0, 20);
    await probe.start();
    probe.stop();
    expect(probe.problem).toBe('probe host probe1 has no curl: the 20 ms HTTP probe (drill, switchover) needs it there (install curl)');
  });
});

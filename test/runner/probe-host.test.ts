// The user's path asked from a probe host: the script it runs (real curl and wget, in a local
// shell standing in for the probe host) and what status and deploy make of its answer.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairModel } from '../../src/model/derive.js';
import { askClients, parseRemoteProbe, remoteProbeScript } from '../../src/runner/client-probe.js';
import type { Host } from '../../src/ssh/host.js';
import { formatStatus, judgePair, pairStatus } from '../../src/status/status.js';
import { webPair } from '../fixtures/web-pair.js';
import { withFakeCurl } from '../protocol/fake-curl.js';

const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();

/** A directory holding only the tools the probe script may use, and `extra`: a probe host's PATH. */
function toolbox(extra: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'haops-probe-path-'));
  for (const t of ['grep', 'head', 'sed', ...extra]) symlinkSync(which(t), join(dir, t));
  return dir;
}

/** A simulated probe host: runs each command in a local sh with the given PATH. */
function simulatedProbeHost(name: string, path: string): Host & { commands: string[] } {
  const commands: string[] = [];
  return {
    name,
    commands,
    get roundTrips() {
      return commands.length;
    },
    exec(command, opts) {
      commands.push(command);
      if (opts?.root !== false) throw new Error('the probe host is asked without sudo');
      return new Promise((resolve) => {
        const started = Date.now();
        execFile('/bin/sh', ['-c', command], { env: { PATH: path } }, (err, stdout, stderr) =>
          resolve({ command, code: err ? Number(err.code ?? 1) : 0, stdout, stderr, durationMs: Date.now() - started }),
        );
      });
    },
    stream() {
      throw new Error('not used');
    },
    async close() {},
  };
}

let server: http.Server;
let port = 0;
let closedPort = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/hang') return; // accepts, never answers
    res.setHeader('X-Haops-Node', 'a1');
    res.statusCode = req.url === '/broken' ? 502 : 200;
    res.end('body that must not reach the output\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const health = (path = '/', p = port) => ({ path, port: p, min: 200, max: 399 });
/** The web pair with its VIP on this machine's loopback and a probe host named probe1. */
const pairAt = (h: ReturnType<typeof health>): PairModel => {
  const base = webPair();
  const i = base.instances[0]!;
  return {
    ...base,
    health: h,
    probeFrom: { kind: 'host', host: 'probe1' },
    instances: [
      { ...i, vip: '127.0.0.1', vips: [{ address: '127.0.0.1', prefix: 32, written: '127.0.0.1' }], spec: { ...i.spec, vip: '127.0.0.1' } },
    ],
  };
};

describe.each([
  ['curl', toolbox(['curl'])],
  ['wget', toolbox(['wget'])],
])('simulated probe host with only %s', (tool, path) => {
  const host = simulatedProbeHost('probe1', path);
  const ask = (h: ReturnType<typeof health>, opts = {}) => askClients(pairAt(h), async () => host, opts);

  it('answers 200, names the node from the header, says where it was asked from; one round trip, without sudo', async () => {
    const before = host.roundTrips;
    const view = await ask(health());
    expect(host.roundTrips - before).toBe(1);
    expect(view).toMatchObject({ from: 'probe1', probes: { '127.0.0.1': { ok: true, status: 200, node: 'a1', from: 'probe1' } } });
    expect(JSON.stringify(view)).not.toMatch(/body that must not/);
  });

  it('a 502 is a 5xx failure with the node that sent it', async () => {
    const view = await ask(health('/broken'));
    expect(view!.probes['127.0.0.1']).toMatchObject({ ok: false, status: 502, node: 'a1', failure: '5xx' });
  });

  it('a closed port is refused; with retry a failure is asked once more, in a second round trip', async () => {
    const before = host.roundTrips;
    const view = await ask(health('/', closedPort), { retry: true });
    expect(view!.probes['127.0.0.1']).toMatchObject({ ok: false, failure: 'refused', error: 'connection refused' });
    expect(host.roundTrips - before).toBe(2);
  });

  it(`no answer within the timeout is a timeout (${tool})`, async () => {
    const view = await ask(health('/hang'), { timeoutMs: 1000 });
    expect(view!.probes['127.0.0.1']).toMatchObject({ ok: false, failure: 'timeout' });
  }, 10_000);
});

describe('probe host trouble (simulated probe host)', () => {
  it('without curl and wget: a warning that says to install curl, no verdict from it', async () => {
    const host = simulatedProbeHost('probe1', toolbox([]));
    const view = await askClients(pairAt(health()), async () => host);
    expect(view).toEqual({
      from: 'probe1',
      probes: {},
      warning:
        "probe host probe1 has neither curl nor wget: the user's path was not asked (install curl there); the nodes' own answer decides",
    });
  });

  it('unreachable over SSH: a warning naming it; status then judges by the nodes and says so', async () => {
    const view = await askClients(pairAt(health()), async () => {
      throw new Error('probe1: connection refused (port 22)');
    });
    expect(view!.warning).toMatch(/^cannot reach probe host probe1 \(probe1: connection refused \(port 22\)\)/);
    const st = await pairStatus(pairAt(health()), async (name) => {
      throw new Error(`${name}: connection refused (port 22)`);
    });
    expect(formatStatus([st])).toMatch(
      /^pair web: UNHEALTHY\n {2}clients' path NOT asked: probe host probe1 could not \(see the warning\); the nodes answer for it\n/,
    );
    expect(st.warnings).toContain(view!.warning);
  });

  it('status names the probe host when clients cannot reach the VIP from it while nginx answers on the node', () => {
    const { probes } = parseRemoteProbe(
      '@@haops-client 10.9.0.100\n| * connect to 10.9.0.100 port 80 failed: Connection refused\n| curl: (7) Failed to connect\nrc 7\ntool curl\n',
      webPair().health,
      'probe1',
    );
    const pair = webPair();
    const node = (host: string, addrs: string[]) => ({
      host,
      reachable: true,
      keepalived: true,
      nginx: true,
      addresses: addrs,
      instances: {},
      http: { '10.9.0.100': 'a1' },
    });
    const judged = judgePair(pair, [node('a1', ['10.9.0.11', '10.9.0.100']), node('a2', ['10.9.0.12'])], probes);
    expect(judged.ok).toBe(false);
    expect(judged.instances[0]!.problem).toBe(
      'nginx answers through 10.9.0.100 on the node (a1), but clients cannot reach http://10.9.0.100:80/ from probe host probe1 (connection refused): firewall?',
    );
  });

  it('the script asks each VIP once, the health path as written (quotes, ? and & included)', () => {
    const health = { path: "/h?a=1&b='x'", port: 8080, min: 200, max: 399 };
    const { stdout, calls } = withFakeCurl(remoteProbeScript(['10.9.0.100', '10.9.0.101'], health));
    expect(calls.map((c) => c.at(-1))).toEqual(["http://10.9.0.100:8080/h?a=1&b='x'", "http://10.9.0.101:8080/h?a=1&b='x'"]);
    expect(Object.keys(parseRemoteProbe(stdout, health, 'probe1').probes)).toEqual(['10.9.0.100', '10.9.0.101']);
  });
});

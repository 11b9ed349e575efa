import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVip, clientProblem } from '../../src/runner/client-probe.js';
import { checkProblem, checkProofScript, expectedPriority, parseCheckProof } from '../../src/facts/check-proof.js';
import { bind } from '../../src/protocol/script.js';
import { parseUpstreams, UPSTREAMS, upstreamValues } from '../../src/protocol/upstreams.js';

const upstreamScript = (servers: Parameters<typeof upstreamValues>[0], path?: string) => bind(UPSTREAMS, upstreamValues(servers, path));

// These run the node-side script fragments with this machine's own sh, curl and pidof: real
// programs, local addresses instead of a node's upstream servers.
const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
// Async where the HTTP server in this process must answer meanwhile.
const shAsync = async (script: string) => (await promisify(execFile)('sh', ['-c', script], { encoding: 'utf8', timeout: 20_000 })).stdout;

let server: http.Server;
let port = 0;
let closedPort = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/broken') res.writeHead(503).end('down');
    else res.writeHead(200, { 'X-Haops-Node': 'a1' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});
afterAll(() => server.close());

describe('upstream servers, checked from the node (local sh and curl)', () => {
  it('says which servers answer and why the others do not', async () => {
    const servers = [
      { upstream: 'be', server: `127.0.0.1:${port}`, host: '127.0.0.1', port },
      { upstream: 'be', server: `127.0.0.1:${closedPort}`, host: '127.0.0.1', port: closedPort },
    ];
    expect(parseUpstreams(await shAsync(upstreamScript(servers)))).toEqual([
      { upstream: 'be', server: `127.0.0.1:${port}`, up: true },
      { upstream: 'be', server: `127.0.0.1:${closedPort}`, up: false, error: 'connection refused' },
    ]);
    expect(parseUpstreams(await shAsync(upstreamScript(servers.slice(0, 1), '/broken')))).toEqual([
      { upstream: 'be', server: `127.0.0.1:${port}`, up: false, error: 'answered 503' },
    ]);
  });

  it('servers that answer are asked by one curl (one process per node, not one per server); one that does not is asked again alone', async () => {
    // A curl that counts its runs, then is the real one.
    const dir = mkdtempSync(join(tmpdir(), 'haops-curl-count-'));
    const real = execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'curl'), `#!/bin/sh\necho run >> ${dir}/runs\nexec ${real} "$@"\n`, { mode: 0o755 });
    const counted = async (script: string) => {
      rmSync(join(dir, 'runs'), { force: true });
      const out = (await promisify(execFile)('sh', ['-c', `PATH=${dir}:$PATH; ${script}`], { encoding: 'utf8', timeout: 20_000 })).stdout;
      return { results: parseUpstreams(out), runs: readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').length };
    };
    const up = () => ({ upstream: 'be', server: `127.0.0.1:${port}`, host: '127.0.0.1', port });
    const three = [up(), up(), up()];
    expect(await counted(upstreamScript(three))).toEqual({
      results: three.map(({ upstream, server }) => ({ upstream, server, up: true })),
      runs: 1,
    });
    const withDown = [up(), { upstream: 'be', server: `127.0.0.1:${closedPort}`, host: '127.0.0.1', port: closedPort }, up()];
    expect(await counted(upstreamScript(withDown))).toEqual({
      results: [
        { upstream: 'be', server: `127.0.0.1:${port}`, up: true },
        { upstream: 'be', server: `127.0.0.1:${closedPort}`, up: false, error: 'connection refused' },
        { upstream: 'be', server: `127.0.0.1:${port}`, up: true },
      ],
      runs: 2,
    });
  });
});

// A process of our own with a known name to look for.
let sleeper: ChildProcess;
beforeAll(() => {
  sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
});
afterAll(() => sleeper.kill());

const pidofIsKillall5 = existsSync('/usr/bin/pidof') && realpathSync('/usr/bin/pidof').endsWith('/killall5');

describe('the tracked check, run the way keepalived runs it (local programs)', () => {
  it.skipIf(!pidofIsKillall5)('`pidof` fails through its killall5 link while the process runs, and the problem says so', () => {
    expect(sh('pidof sleep >/dev/null; echo $?').trim()).toBe('0');
    const check = { name: 'chk_nginx', script: 'pidof sleep' };
    const proof = parseCheckProof(check, sh(checkProofScript(check)));
    expect(proof).toMatchObject({
      ok: false,
      exit: 1,
      path: expect.stringMatching(/\/pidof$/),
      realPath: expect.stringMatching(/\/killall5$/),
    });
    expect(checkProblem(proof, 'a1')).toMatch(
      /check chk_nginx on a1 fails while nginx runs .*pidof is a link to .*killall5.*use `killall -0 nginx`/,
    );
  });

  it.skipIf(!pidofIsKillall5)("tests the command in the node's keepalived.conf (what keepalived runs), not the inventory's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-conf-'));
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(
      conf,
      'vrrp_script chk_other {\n    script "true"\n}\nvrrp_script chk_nginx {\n    script "pidof sleep"\n    interval 1\n}\n',
    );
    const check = { name: 'chk_nginx', script: 'pgrep -x sleep' };
    expect(parseCheckProof(check, sh(checkProofScript(check, undefined, conf)))).toMatchObject({
      command: 'pidof sleep',
      ok: false,
      exit: 1,
    });
    expect(parseCheckProof(check, sh(checkProofScript(check, undefined, join(dir, 'none.conf'))))).toMatchObject({
      command: 'pgrep -x sleep',
      ok: true,
    });
  });

  it('passes a check that works, and names a command that is not installed', () => {
    const ok = { name: 'chk_nginx', script: 'pgrep -x sleep' };
    expect(parseCheckProof(ok, sh(checkProofScript(ok)))).toMatchObject({ ok: true, exit: 0 });
    const missing = { name: 'chk_x', script: 'no-such-check-cmd nginx' };
    const p = parseCheckProof(missing, sh(checkProofScript(missing)));
    expect(p.ok).toBe(false);
    expect(checkProblem(p, 'a2')).toMatch(/`no-such-check-cmd` is not installed/);
  });

  it("reads keepalived's last line about the script", () => {
    const p = parseCheckProof(
      { name: 'chk_nginx', script: 'pidof nginx' },
      'check chk_nginx 1 /usr/bin/pidof /usr/sbin/killall5\nchecklog 2026-11-25T18:00:01+0000 a1 Keepalived_vrrp[77]: Script `chk_nginx` now returning 1\n',
    );
    expect(checkProblem(p, 'a1')).toContain(
      'keepalived: 2026-11-25T18:00:01+0000 a1 Keepalived_vrrp[77]: Script `chk_nginx` now returning 1',
    );
  });

  it('expects base + a positive weight, clamped to 254; a negative weight leaves the base', () => {
    expect([
      expectedPriority(200, 2),
      expectedPriority(253, 2),
      expectedPriority(200, -2),
      expectedPriority(150, 0),
      expectedPriority(255, 5),
    ]).toEqual([202, 254, 200, 150, 255]);
  });
});

describe('HTTP through the VIP from this machine (local HTTP server)', () => {
  const health = (path = '/') => ({ path, port, min: 200, max: 399 });
  it('says which node answered, and what a client sees when it fails', async () => {
    expect(await probeVip('127.0.0.1', health())).toMatchObject({ ok: true, status: 200, node: 'a1' });
    const bad = await probeVip('127.0.0.1', health('/broken'));
    expect(bad).toMatchObject({ ok: false, status: 503, failure: '5xx' });
    expect(clientProblem('127.0.0.1', health('/broken'), bad, 'a1')).toBe(`http://127.0.0.1:${port}/broken answered 503, expected 200-399`);
    const refused = await probeVip('127.0.0.1', { ...health(), port: closedPort });
    expect(refused).toMatchObject({ ok: false, failure: 'refused' });
    expect(clientProblem('127.0.0.1', { ...health(), port: closedPort }, refused, 'a1')).toMatch(
      /nginx answers through 127\.0\.0\.1 on the node \(a1\), but clients cannot reach .* \(connection refused\): firewall\?/,
    );
  });
});

describe('a deployed config without the script (track_process)', () => {
  it('has nothing to prove: the proof says neither pass nor fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-conf-'));
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'vrrp_track_process nginx {\n    process nginx\n    weight 0\n}\n');
    const check = { name: 'chk_nginx', script: 'no-such-check-cmd nginx' };
    expect(parseCheckProof(check, sh(checkProofScript(check, undefined, conf)))).toMatchObject({ ok: null, exit: null });
    // No config given (deploy): the inventory's command is proved.
    expect(parseCheckProof(check, sh(checkProofScript(check, undefined, ''))).ok).toBe(false);
  });
});

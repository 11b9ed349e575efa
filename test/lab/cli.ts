// The haops command line as a user runs it (a child process of bin/haops.js, which the global
// setup has built from the current sources), for the lab tests; optionally sends SIGINT once
// stderr shows a given line.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import { KEY, KNOWN } from './net.js';

/** The command users run; its dist/ is built by the global setup (test/global-setup.ts). */
export const HAOPS_BIN = 'bin/haops.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** haops processes still running: a file that ends (a test timed out) takes them with it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/**
 * Runs haops and collects its output. A run that outlives `killAfterMs` (default 240 s) gets
 * SIGINT (its own undo), then SIGKILL 15 s later, and resolves with what it printed so far and a
 * line saying so: the test then fails with haops's own words instead of a bare timeout, and no
 * orphan keeps holding the lab's notification ports for the files after it.
 */
export function haops(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; signalAfter?: { text: RegExp; delayMs: number }; killAfterMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HAOPS_BIN, ...args], { env: opts.env ?? process.env });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const limit = opts.killAfterMs ?? 240_000;
    const watchdog = setTimeout(() => {
      stderr += `\n[test] haops ${args[0]} still running after ${limit / 1000} s: SIGINT, then SIGKILL\n`;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, limit);
    watchdog.unref();
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.signalAfter && !signalled && opts.signalAfter.text.test(stderr)) {
        signalled = true;
        setTimeout(() => child.kill('SIGINT'), opts.signalAfter.delayMs);
      }
    });
    child.on('close', (code) => {
      clearTimeout(watchdog);
      running.delete(child);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export const json = (r: { stdout: string }) => JSON.parse(r.stdout);

/**
 * A switchover report is clean: no failed request in any round, and every move handed off (the
 * node taking the VIPs sent on the packets of connections opened on the old holder). Before the
 * handoff one move in 40-60 lost one request: a connection whose handshake reached the old holder
 * and whose request, after the gratuitous ARP, the new one, which reset it (docs/switchover-captures.md
 * §1); with it, 0 in 45 rounds (90 moves) on the lab, 15 of them at load 8-9.
 */
export function switchoverClean(report: { ok: boolean; handoff?: { on: boolean }[] }): boolean {
  return report.ok && (report.handoff ?? []).length > 0 && report.handoff!.every((h) => h.on);
}

/** One command as root on a lab node over OpenSSH (the lab key, strict known_hosts): its stdout. */
export async function onLabNode(address: string, command: string): Promise<string> {
  const opts = ['-i', KEY, '-o', `UserKnownHostsFile=${KNOWN}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  return (await promisify(execFile)('ssh', [...opts, `root@${address}`, command])).stdout;
}

/** One HTTP/1.1 request on a kept-alive socket: the body of the answer, or the socket's error
 * (no answer in 5 s is one too: a request the network lost). */
export function askOn(sock: Socket, close = false): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => done(() => reject(new Error('no answer in 5 s'))), 5000);
    const done = (f: () => void) => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('error', onError);
      sock.off('close', onClose);
      f();
    };
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
      if (end >= 0 && got.length >= end + 4 + length) done(() => resolve(text.slice(end + 4, end + 4 + length).trim()));
    };
    const onError = (e: Error) => done(() => reject(e));
    const onClose = () => done(() => reject(new Error('connection closed')));
    sock.on('data', onData);
    sock.on('error', onError);
    sock.on('close', onClose);
    sock.write(`GET /haops-health HTTP/1.1\r\nHost: haops-test\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);
  });
}

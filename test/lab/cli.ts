// The haops command line as a user runs it (a child process of bin/haops.js, which the global
// setup has built from the current sources), for the lab tests; optionally sends SIGINT once
// stderr shows a given line.
import { spawn } from 'node:child_process';

/** The command users run; its dist/ is built by the global setup (test/global-setup.ts). */
export const HAOPS_BIN = 'bin/haops.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function haops(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; signalAfter?: { text: RegExp; delayMs: number } } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HAOPS_BIN, ...args], { env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.signalAfter && !signalled && opts.signalAfter.text.test(stderr)) {
        signalled = true;
        setTimeout(() => child.kill('SIGINT'), opts.signalAfter.delayMs);
      }
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export const json = (r: { stdout: string }) => JSON.parse(r.stdout);

/**
 * A switchover report is clean, or its only failure is one reset of a connection in flight while
 * the VIP moves, the kind no L2 move can avoid: its handshake reached the old holder and its
 * request, after the gratuitous ARP, the new one, which resets it (docs/switchover-captures.md §1;
 * about one move in 40–60; CI once saw one 0.65 s after the drain). Anything else (a timeout, a
 * refusal, two failures in a move) still fails the test.
 */
export function switchoverClean(report: { ok: boolean; problems: string[]; rounds: { failedRequests: number }[] }): boolean {
  if (report.ok) return true;
  const garpReset = /^(round \d+: )?\S+: 1 failed requests \(\d+\.\d+ s [^;]*(ECONNRESET|socket hang up|reset)[^;]*\)$/;
  return report.problems.length > 0 && report.problems.every((p) => garpReset.test(p)) && report.rounds.every((r) => r.failedRequests <= 1);
}

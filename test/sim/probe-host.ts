// A simulated probe host: a local shell stands in for the host the inventory names in
// `probe: { from: HOST }` (real curl and sh/bash here, no SSH); commands run without sudo.
import { execFile, spawn } from 'node:child_process';
import type { ExecResult, Host } from '../../src/ssh/host.js';

export function simulatedProbeHost(shell: string, name = 'probe1'): Host {
  return {
    name,
    roundTrips: 0,
    exec(command, opts) {
      if (opts?.root !== false) throw new Error('the probe host is asked without sudo');
      return new Promise((resolve) =>
        execFile(shell, ['-c', command], (e, stdout, stderr) =>
          resolve({ command, code: e ? Number(e.code ?? 1) : 0, stdout, stderr, durationMs: 0 }),
        ),
      );
    },
    async stream(command, onLine, opts) {
      if (opts?.root !== false) throw new Error('the probe host is asked without sudo');
      const child = spawn(shell, ['-c', command], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
      let rest = '';
      child.stdout.on('data', (d: Buffer) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop()!;
        for (const l of lines) onLine(l, Date.now());
      });
      const done = new Promise<ExecResult>((r) =>
        child.on('close', (code) => r({ command, code: code ?? -1, stdout: '', stderr: '', durationMs: 0 })),
      );
      return {
        stop: () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {}
        },
        done,
      };
    },
    async close() {},
  };
}

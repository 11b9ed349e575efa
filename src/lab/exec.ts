// Runs host commands for the lab: one helper that throws LabError with the command's stderr
// attached, and one that reports success as a boolean for probes and best-effort cleanup.
import { execFile } from 'node:child_process';
import { LabError } from './errors.js';

export interface RunOptions {
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const line = `${cmd} ${args.join(' ')}`;
        const why = stderr.trim().split('\n').pop() || err.message;
        reject(new LabError(`\`${line.slice(0, 200)}\` failed: ${why}`, `${stdout}\n${stderr}`));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function succeeds(cmd: string, args: string[], opts: RunOptions = {}): Promise<boolean> {
  try {
    await run(cmd, args, opts);
    return true;
  } catch {
    return false;
  }
}

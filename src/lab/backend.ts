// The lab's backends: a namespace each on the bridge, running a one-line node HTTP server on
// port 8080 that answers `backend NAME`, so a request through nginx shows which path it took.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { logFile, netnsOf, pidFile } from './paths.js';

export const BACKEND_PORT = 8080;
const SERVER = `require('node:http').createServer((q, s) => s.end(process.argv[1] + '\\n')).listen(${BACKEND_PORT})`;

export async function startBackend(name: string): Promise<void> {
  const out = openSync(logFile(name), 'w');
  const child = spawn('ip', ['netns', 'exec', netnsOf(name), process.execPath, '-e', SERVER, `backend ${name}`], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  closeSync(out);
  await writeFile(pidFile(name), `${child.pid}\n`);
}

// The lab's backends: a namespace each on the bridge, running a one-line node HTTP server on
// port 8080 that answers `backend NAME`, so a request through nginx shows which path it took.
// `/slow/S` is a download that lasts S seconds (1 KiB every 100 ms, then `backend NAME`): a long
// request for a drain's hold to outlast.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { logFile, netnsOf, pidFile } from './paths.js';

export const BACKEND_PORT = 8080;
const SERVER = [
  "require('node:http').createServer((q, s) => {",
  '  const m = /^\\/slow\\/(\\d{1,3})$/.exec(q.url);',
  "  if (!m) return s.end(process.argv[1] + '\\n');",
  '  let n = Number(m[1]) * 10;',
  "  const t = setInterval(() => { s.write('x'.repeat(1023) + '\\n'); if (--n <= 0) { clearInterval(t); s.end(process.argv[1] + '\\n'); } }, 100);",
  "  s.on('close', () => clearInterval(t));",
  `}).listen(${BACKEND_PORT})`,
].join('\n');

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

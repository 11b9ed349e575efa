// Reachability probes from the host: does sshd answer with its banner, does a backend answer HTTP.
import { connect } from 'node:net';
import { request } from 'node:http';

/** True when something on address:22 sends an SSH banner within the timeout. */
export function sshAnswers(address: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: 22, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('data', (d) => done(d.toString().startsWith('SSH-')));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** The body a backend answers with, or undefined when it does not answer. */
export function httpBody(address: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path: '/', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}

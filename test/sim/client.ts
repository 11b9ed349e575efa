// A minimal ssh2 client implementing Host (exec only) for simulated hosts: strict host key,
// so the simulated connection is checked the way a real one is.

import ssh2 from 'ssh2';
import type { ExecOptions, ExecResult, Host, StreamHandle } from '../../src/ssh/host.js';
import type { SimHost } from './server.js';

const { Client, utils } = ssh2;

export async function simHostClient(sim: SimHost, name = `sim-${sim.os}`): Promise<Host> {
  const conn = new Client();
  const expected = (utils.parseKey(sim.hostKey) as ssh2.ParsedKey).getPublicSSH();
  await new Promise<void>((resolve, reject) => {
    // No Nagle (as the simulated server): small writes otherwise wait for a delayed ACK, ~40 ms a round trip.
    conn.once('ready', () => (conn.setNoDelay(true), resolve())).once('error', reject);
    conn.connect({
      host: '127.0.0.1',
      port: sim.port,
      username: 'root',
      password: 'sim',
      hostVerifier: (key: Buffer) => key.equals(expected),
    });
  });
  conn.on('error', () => {});
  let roundTrips = 0;

  return {
    name,
    get roundTrips() {
      return roundTrips;
    },
    exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
      roundTrips++;
      const started = Date.now();
      return new Promise((resolve, reject) => {
        conn.exec(command, (err, channel) => {
          if (err) return reject(err);
          let stdout = '';
          let stderr = '';
          let code = 0;
          channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
          channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
          channel.on('exit', (c: number | null) => (code = c ?? 255));
          channel.on('close', () => resolve({ command, code, stdout, stderr, durationMs: Date.now() - started }));
          channel.end(opts.stdin);
        });
      });
    },
    stream(): Promise<StreamHandle> {
      return Promise.reject(new Error('stream is not supported by the simulated client'));
    },
    close: async () => void conn.end(),
  };
}

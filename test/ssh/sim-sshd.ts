// A simulated sshd for tests: ssh2's own Server on 127.0.0.1, running each exec through a real
// local `sh -c` (with a fake `sudo` on PATH), recording commands and stdin; it can also act as a
// bastion (direct-tcpip forwarding) or misbehave on cue.

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Algorithms, Connection, ParsedKey, ServerChannel } from 'ssh2';

export interface ExecRecord {
  user: string;
  command: string;
  stdin: string;
}

export interface SimSshdOptions {
  /** Private host keys (OpenSSH/PEM text); default one new ed25519 key. */
  hostKeys?: string[];
  algorithms?: Algorithms;
  /** Public keys (OpenSSH one-line format) accepted for any user. */
  authorizedKeys: string[];
  /** Extra environment for the commands (e.g. SIM_SUDO, SIM_SUDO_PASSWORD for the fake sudo). */
  env?: Record<string, string>;
  /** Accept direct-tcpip and forward it: act as a bastion. */
  forwarding?: boolean;
  /** Takes over an exec when it returns true (the channel is the server's). */
  onExec?: (command: string, channel: ServerChannel, connection: Connection) => boolean;
}

export interface SimSshd {
  port: number;
  /** Public host key blobs, in the order of hostKeys. */
  hostKeys: Buffer[];
  execs: ExecRecord[];
  /** Users that authenticated, one per connection. */
  logins: string[];
  /** Each direct-tcpip forward asked of this server, as host:port. */
  forwards: string[];
  /** The key exchange agreed on, per connection. */
  kex: string[];
  close(): Promise<void>;
}

// sudo 1.8 as seen without a tty (docs/el-transcripts.md §0.6): prompt on stderr without newline,
// password read from stdin, "Sorry, try again." and 3 attempts; requiretty refuses first.
const FAKE_SUDO = `#!/bin/sh
prompt='[sudo] password: '; nonint=0
while [ $# -gt 0 ]; do
  case "$1" in
    -S) shift ;;
    -n) nonint=1; shift ;;
    -p) prompt=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
case "$SIM_SUDO" in
  requiretty) echo 'sudo: sorry, you must have a tty to run sudo' >&2; exit 1 ;;
  nopasswd) exec "$@" ;;
esac
if [ $nonint = 1 ]; then echo 'sudo: a password is required' >&2; exit 1; fi
tries=0
while [ $tries -lt 3 ]; do
  printf '%s' "$prompt" >&2
  IFS= read -r pw || { echo 'sudo: no password was provided' >&2; exit 1; }
  if [ "$pw" = "$SIM_SUDO_PASSWORD" ]; then exec "$@"; fi
  echo 'Sorry, try again.' >&2
  tries=$((tries + 1))
done
echo "sudo: $tries incorrect password attempts" >&2
exit 1
`;

let fakeBin: string | undefined;
function fakeSudoDir(): string {
  if (!fakeBin) {
    fakeBin = mkdtempSync(join(tmpdir(), 'haops-fake-bin-'));
    writeFileSync(join(fakeBin, 'sudo'), FAKE_SUDO);
    chmodSync(join(fakeBin, 'sudo'), 0o755);
  }
  return fakeBin;
}

export function newKey(type: 'ed25519' | 'rsa' = 'ed25519', passphrase?: string): { private: string; public: string } {
  const opts = passphrase ? { passphrase, cipher: 'aes256-ctr', rounds: 4 } : type === 'rsa' ? { bits: 2048 } : {};
  // ssh2's generator drops leading zero bytes of an ed25519 key now and then (about 1 in 250),
  // and its own parser then rejects the key: draw again.
  for (;;) {
    const key = ssh2.utils.generateKeyPairSync(type, opts as never);
    if (!(ssh2.utils.parseKey(key.public) instanceof Error)) return key;
  }
}

/** A throwaway home directory with ~/.ssh/id_ed25519 (or the key given). */
export function makeHome(key = newKey()): { home: string; sshDir: string; publicKey: string } {
  const home = mkdtempSync(join(tmpdir(), 'haops-home-'));
  const sshDir = join(home, '.ssh');
  mkdirSync(sshDir, { mode: 0o700 });
  writeFileSync(join(sshDir, 'id_ed25519'), key.private, { mode: 0o600 });
  return { home, sshDir, publicKey: key.public };
}

export async function startSimSshd(opts: SimSshdOptions): Promise<SimSshd> {
  const hostKeys = opts.hostKeys ?? [newKey().private];
  const allowed = opts.authorizedKeys.map((k) => ssh2.utils.parseKey(k)).filter((k): k is ParsedKey => !(k instanceof Error));
  const sockets = new Set<Connection>();
  const sim: Omit<SimSshd, 'port' | 'close'> = {
    hostKeys: hostKeys.map((k) => {
      const parsed = ssh2.utils.parseKey(k);
      if (parsed instanceof Error) throw parsed;
      return parsed.getPublicSSH();
    }),
    execs: [],
    logins: [],
    forwards: [],
    kex: [],
  };

  const server = new ssh2.Server({ hostKeys, ...(opts.algorithms && { algorithms: opts.algorithms }) }, (conn) => {
    sockets.add(conn);
    let user = '';
    conn.on('error', () => undefined);
    // No Nagle: an exec's reply is several small writes that otherwise wait for a delayed ACK.
    (conn as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true); // in ssh2, not in its types
    conn.on('handshake', (negotiated) => sim.kex.push(negotiated.kex));
    conn.on('close', () => sockets.delete(conn));
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const key = allowed.find((k) => k.getPublicSSH().equals(ctx.key.data));
      if (!key) return ctx.reject(['publickey']);
      if (ctx.signature && key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      user = ctx.username;
      if (ctx.signature) sim.logins.push(user);
      ctx.accept();
    });
    conn.on('tcpip', (accept, reject, info) => {
      if (!opts.forwarding) return reject();
      sim.forwards.push(`${info.destIP}:${info.destPort}`);
      const upstream = tcpConnect(info.destPort, info.destIP);
      const channel = accept();
      upstream.on('error', () => channel.close());
      channel.pipe(upstream).pipe(channel);
    });
    conn.on('session', (acceptSession) => {
      const session = acceptSession();
      let kill: ((signal: string) => void) | undefined;
      session.on('signal', (accept, _reject, info) => {
        accept?.();
        kill?.(`SIG${info.name}`);
      });
      session.on('exec', (accept, _reject, info) => {
        const channel = accept();
        const record: ExecRecord = { user, command: info.command, stdin: '' };
        sim.execs.push(record);
        channel.on('data', (d: Buffer) => (record.stdin += d.toString('utf8')));
        if (opts.onExec?.(info.command, channel, conn)) return;
        const child = spawn('sh', ['-c', info.command], {
          env: { ...process.env, ...opts.env, PATH: `${fakeSudoDir()}:${process.env.PATH}` },
        });
        kill = (signal) => child.kill(signal as NodeJS.Signals);
        channel.pipe(child.stdin);
        child.stdin.on('error', () => undefined);
        child.stdout.pipe(channel, { end: false });
        child.stderr.pipe(channel.stderr, { end: false });
        channel.on('close', () => child.kill('SIGKILL'));
        child.on('close', (code, signal) => {
          if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
          else channel.exit(code ?? 0);
          channel.end();
        });
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    ...sim,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets) c.end();
        server.close(() => resolve());
      }),
  };
}

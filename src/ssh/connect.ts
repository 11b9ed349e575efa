// connect(): one SSH connection per host for the whole run (through a jump host if configured),
// with fail-closed host keys, agent and key-file auth, and old-server algorithms; returns a Host.

import pLimit from 'p-limit';
import ssh2 from 'ssh2';
import type { Algorithms, Client, ClientChannel } from 'ssh2';
import { authenticator, type Authenticator } from './auth.js';
import { runOnChannel, show, type ChannelRun } from './channel.js';
import { trace } from './trace.js';
import { HostError, type ExecOptions, type ExecResult, type Host, type StreamHandle } from './host.js';
import { hopNames, loadKnownHosts, verifyHostKey } from './host-keys.js';
import { knownKeyTypes } from './known-hosts.js';
import { resolveTarget, type ResolvedHop, type SshTarget } from './ssh-config.js';
import { sudoWrap } from './sudo.js';

export type { SshTarget } from './ssh-config.js';

export interface ConnectOptions {
  /** Default ~/.ssh/config; a missing file is fine. */
  sshConfigPath?: string;
  /** Record unknown host keys instead of refusing them (never a changed one). */
  acceptNew?: boolean;
  /** Default 10000. */
  connectTimeoutMs?: number;
  /** Default 120000, for exec calls that give no timeoutMs. */
  commandTimeoutMs?: number;
  /** Default 5000. */
  keepaliveIntervalMs?: number;
  /** Asked when a key is encrypted and HAOPS_SSH_PASSPHRASE is unset. */
  passphrase?: () => Promise<string>;
  /** Asked for a sudo password when the target says `prompt` and gives none (a terminal prompt). */
  sudoPassword?: (host: string, user: string) => Promise<string>;
  /** For tests; default process.env. */
  env?: NodeJS.ProcessEnv;
}

// CentOS 6 (OpenSSH 5.3) has no kex that ssh2 offers by default; appended, so that modern
// servers still agree on a modern one.
const LEGACY_KEX = ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1'];
const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
// Below OpenSSH's default MaxSessions (10): ssh2 itself sets no limit.
const MAX_CHANNELS = 8;

export async function connect(target: SshTarget, opts: ConnectOptions = {}): Promise<Host> {
  const env = opts.env ?? process.env;
  const hop = await resolveTarget(target, opts.sshConfigPath, env).catch((e: Error) => {
    throw new HostError(target.name, `${target.name}: ${e.message}`, 'check the inventory entry and ~/.ssh/config');
  });
  const label = describe(target.name, hop);
  let sudoPassword = target.sudo?.password ?? (target.sudo?.passwordEnv ? env[target.sudo.passwordEnv] : undefined);
  if (hop.user !== 'root' && sudoPassword === undefined && target.sudo?.prompt && opts.sudoPassword)
    sudoPassword = await opts.sudoPassword(target.name, hop.user);
  if (hop.user !== 'root' && target.sudo?.passwordEnv && sudoPassword === undefined) {
    throw new HostError(
      target.name,
      `${label}: the sudo password variable ${target.sudo.passwordEnv} is not set`,
      `export ${target.sudo.passwordEnv} before running haops`,
    );
  }
  const chain = await dial(hop, { ...opts, env, run: opts }, target.name, label);
  return new SshHost(target.name, label, hop.user, chain, opts.commandTimeoutMs ?? 120_000, sudoPassword);
}

/** The options of one connect(); `run` is the caller's object, which spans the run. */
type DialOptions = ConnectOptions & { env: NodeJS.ProcessEnv; run: ConnectOptions };

/** Connects to the hop (through its jump hosts first); returns the clients, bastions first. */
async function dial(hop: ResolvedHop, opts: DialOptions, host: string, label: string): Promise<Client[]> {
  const bastions = hop.jump ? await dial(hop.jump, opts, host, `${label} via jump host ${describe(hop.jump.alias, hop.jump)}`) : [];
  try {
    const sock = bastions.length > 0 ? await forward(bastions[bastions.length - 1], hop, host, label) : undefined;
    return [...bastions, await handshake(hop, sock, opts, host, label)];
  } catch (e) {
    for (const b of bastions.reverse()) b.end();
    throw e;
  }
}

function forward(bastion: Client, hop: ResolvedHop, host: string, label: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    bastion.forwardOut('127.0.0.1', 0, hop.hostname, hop.port, (err, stream) => {
      if (!err) return resolve(stream);
      reject(
        new HostError(
          host,
          `${label}: the jump host could not reach ${hop.hostname}:${hop.port} (${err.message})`,
          'check the address, and that the jump host allows TCP forwarding (AllowTcpForwarding)',
        ),
      );
    });
  });
}

async function handshake(
  hop: ResolvedHop,
  sock: ClientChannel | undefined,
  opts: DialOptions,
  host: string,
  label: string,
): Promise<Client> {
  const knownHosts = await loadKnownHosts(hop).catch((e: Error) => {
    throw new HostError(host, `${label}: cannot read known hosts (${e.message})`, 'fix the file permissions');
  });
  const auth = authenticator(hop.user, hop.identityFiles, opts);
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let refusal: HostError | undefined;
    let ready = false;
    // Always listening: an unhandled 'error' would end the process (ssh2 #969).
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (ready) return;
      ready = true;
      client.end();
      reject(refusal ?? connectError(err, hop, auth, timeoutMs, host, label));
    });
    client.on('close', () => {
      if (ready) return;
      ready = true;
      reject(refusal ?? new HostError(host, `${label}: the server closed the connection during the handshake`));
    });
    client.once('ready', () => {
      ready = true;
      // No Nagle: a command's request is several small SSH packets (open, exec, data, EOF); with
      // Nagle each waits for the server's delayed ACK, about 40 ms per round trip.
      client.setNoDelay(true);
      resolve(client);
    });
    client.connect({
      host: hop.hostname,
      port: hop.port,
      username: hop.user,
      ...(sock && { sock }),
      readyTimeout: timeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 5_000,
      authHandler: auth.handler,
      algorithms: algorithms(knownKeyTypes(knownHosts, hopNames(hop))),
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        verifyHostKey(hop, knownHosts, key, opts.acceptNew ?? false, host, label).then(
          () => verify(true),
          (e: unknown) => {
            refusal = e instanceof HostError ? e : new HostError(host, `${label}: ${(e as Error).message}`);
            verify(false);
          },
        );
      },
    });
  });
}

/** Legacy kex appended; host key types already recorded for the host asked for first, as OpenSSH does. */
function algorithms(knownTypes: string[]): Algorithms {
  const preferred = knownTypes.flatMap((t) => HOST_KEY_ALGORITHMS[t] ?? []);
  return {
    kex: { append: LEGACY_KEX },
    serverHostKey: { remove: preferred, prepend: preferred, append: ['ssh-rsa'] },
  } as Algorithms;
}

function connectError(
  err: Error & { level?: string; code?: string },
  hop: ResolvedHop,
  auth: Authenticator,
  timeoutMs: number,
  host: string,
  label: string,
): HostError {
  if (auth.stopped) return new HostError(host, `${label}: ${auth.stopped.message}`, auth.stopped.hint);
  if (err.level === 'client-authentication') {
    const tried = auth.tried.length > 0 ? auth.tried.join(', ') : 'nothing: no SSH_AUTH_SOCK and no key files';
    return new HostError(
      host,
      `${label}: authentication failed for user ${hop.user} (tried ${tried})`,
      `check the user name, and that one of these keys is in ~${hop.user}/.ssh/authorized_keys on the host`,
    );
  }
  if (err.level === 'client-timeout') {
    return new HostError(
      host,
      `${label}: no SSH handshake within ${timeoutMs / 1000}s`,
      'check the address, the port and any firewall in between',
    );
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return new HostError(host, `${label}: connection refused on port ${hop.port}`, 'is sshd running, and on that port?');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HostError(host, `${label}: cannot resolve ${hop.hostname}`, 'check the address, or HostName in ~/.ssh/config');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new HostError(host, `${label}: ${hop.hostname} unreachable (${err.code})`, 'check the network path to the host');
  }
  if (err.level === 'handshake' || /KEY_EXCHANGE_FAILED|no matching/i.test(err.message)) {
    return new HostError(
      host,
      `${label}: SSH handshake failed (${err.message})`,
      'the server and haops share no key exchange, cipher or host key algorithm',
    );
  }
  return new HostError(host, `${label}: ${err.message}`);
}

/** `name (address)`, with the port when it is not 22; the address alone when it is the name. */
function describe(name: string, hop: ResolvedHop): string {
  const address = hop.port === 22 ? hop.hostname : `${hop.hostname}:${hop.port}`;
  return name === address ? name : `${name} (${address})`;
}

class SshHost implements Host {
  private calls = 0;
  private gone?: string;
  private closing = false;
  private lastError?: Error;
  private readonly running = new Set<ChannelRun>();
  private readonly slots = pLimit(MAX_CHANNELS);
  private readonly client: Client;
  private readonly closed: Promise<void>[];

  constructor(
    readonly name: string,
    private readonly label: string,
    private readonly user: string,
    private readonly chain: Client[],
    private readonly commandTimeoutMs: number,
    private readonly sudoPassword: string | undefined,
  ) {
    this.client = chain[chain.length - 1];
    this.closed = chain.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    this.client.on('error', (e: Error) => (this.lastError = e));
    this.client.on('close', () => this.lost());
    for (const bastion of chain.slice(0, -1)) {
      bastion.on('error', (e: Error) => (this.lastError ??= e));
      bastion.on('close', () => this.client.end());
    }
  }

  get roundTrips(): number {
    return this.calls;
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const run = await this.start(command, opts, opts.timeoutMs ?? this.commandTimeoutMs);
    return run.done;
  }

  async stream(command: string, onLine: (line: string, receivedAt: number) => void, opts: ExecOptions = {}): Promise<StreamHandle> {
    const run = await this.start(command, opts, opts.timeoutMs, onLine);
    return { stop: run.stop, done: run.done };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const client of [...this.chain].reverse()) client.end();
    await Promise.all(this.closed);
  }

  private async start(
    command: string,
    opts: ExecOptions,
    timeoutMs: number | undefined,
    onLine?: (line: string, receivedAt: number) => void,
  ): Promise<ChannelRun> {
    this.calls += 1;
    const release = await this.acquire();
    const asRoot = this.user !== 'root' && opts.root !== false;
    const wrap = asRoot ? sudoWrap(command, this.sudoPassword !== undefined) : undefined;
    let channel: ClientChannel;
    try {
      channel = await this.openChannel(wrap?.command ?? command);
    } catch (e) {
      release();
      throw e instanceof HostError ? e : this.error(`could not start ${show(command)}: ${(e as Error).message}`);
    }
    const started = Date.now();
    trace({ kind: 'start', host: this.name, command, root: asRoot || this.user === 'root', at: new Date(started) });
    const run = runOnChannel(
      channel,
      {
        command,
        ...(opts.stdin !== undefined && { stdin: opts.stdin }),
        ...(wrap && { sudo: { wrap, password: this.sudoPassword, user: this.user } }),
        ...(timeoutMs !== undefined && { timeoutMs }),
        ...(onLine && { onLine }),
      },
      (message, hint) => this.error(message, hint),
    );
    this.running.add(run);
    const finished = (): void => {
      this.running.delete(run);
      release();
    };
    run.done.then(finished, finished);
    run.done.then(
      (r) => trace({ kind: 'end', host: this.name, command, code: r.code, durationMs: r.durationMs, at: new Date() }),
      () => trace({ kind: 'end', host: this.name, command, code: null, durationMs: Date.now() - started, at: new Date() }),
    );
    return run;
  }

  /** A channel slot on this connection (sshd caps sessions per connection); call the result to free it. */
  private acquire(): Promise<() => void> {
    // p-limit holds a slot while the promise it ran is pending: the slot lives until release().
    return new Promise((granted) => void this.slots(() => new Promise<void>((release) => granted(() => release()))));
  }

  private openChannel(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(this.error(`${this.gone}; cannot run ${show(command)}`));
      this.client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
    });
  }

  private lost(): void {
    this.gone = this.closing ? 'connection closed' : `connection lost${this.lastError ? ` (${this.lastError.message})` : ''}`;
    for (const run of this.running) run.abort(this.gone);
    for (const bastion of this.chain.slice(0, -1)) bastion.end();
  }

  private error(message: string, hint?: string): HostError {
    return new HostError(this.name, `${this.label}: ${message}`, hint);
  }
}

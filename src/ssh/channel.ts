// One remote command on one SSH channel: feeds stdin (after sudo's password, if sudo asks),
// collects stdout/stderr, splits lines for streams, and turns the end into a result or an error.

import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { ExecResult } from './host.js';
import { SudoStderr, type SudoCommand } from './sudo.js';

export interface ChannelSpec {
  /** The command as the caller wrote it: what results and messages show. */
  command: string;
  stdin?: string | Buffer;
  /** Set when the channel runs `sudo.wrap.command`. */
  sudo?: { wrap: SudoCommand; password?: string; user: string };
  timeoutMs?: number;
  onLine?: (line: string, receivedAt: number) => void;
}

export interface ChannelRun {
  /** Ends the remote command: a KILL signal where the server honours it, then close. */
  stop(): void;
  /** Fails the run from outside (the connection is gone). */
  abort(reason: string): void;
  done: Promise<ExecResult>;
}

/** Builds the HostError for this host from a message (without the host label) and a hint. */
export type Failure = (message: string, hint?: string) => Error;

export function runOnChannel(channel: ClientChannel, spec: ChannelSpec, fail: Failure): ChannelRun {
  const started = Date.now();
  const output = new Output(spec.onLine);
  let code: number | undefined;
  let stopped = false;
  const sudo = spec.sudo && new SudoStderr(spec.sudo.wrap);

  const stop = (): void => {
    stopped = true;
    try {
      channel.signal('KILL');
    } catch {
      // the channel may already be closing; close() below is what matters
    }
    channel.close();
  };
  const sendStdin = (): void => {
    if (spec.stdin !== undefined) channel.write(spec.stdin);
    channel.end();
  };
  const { done, settle } = settleOnce(spec.timeoutMs, () => {
    stop();
    return fail(
      `timed out after ${seconds(spec.timeoutMs!)}: ${show(spec.command)}`,
      'the command was killed; raise the timeout if it is just slow, or find out why it hangs',
    );
  });

  channel.on('data', (chunk: Buffer) => output.stdout(chunk));
  channel.stderr.on('data', (chunk: Buffer) => {
    const text = output.decodeStderr(chunk);
    if (!sudo || sudo.started) output.stderr += text;
    else answerSudo(channel, sudo, text, spec.sudo!.password, output, sendStdin);
  });
  channel.on('exit', (exitCode: number | null, signal?: string) => {
    code = exitCode ?? signalCode(signal);
  });
  channel.on('close', () => {
    output.flush();
    if (sudo && !sudo.started && !stopped) {
      const why = sudo.failure(spec.sudo!.user);
      settle({ error: fail(`${why.message} (running ${show(spec.command)})`, why.hint) });
      return;
    }
    settle({
      result: { command: spec.command, code: code ?? -1, stdout: output.out, stderr: output.stderr, durationMs: Date.now() - started },
    });
  });

  if (!sudo) sendStdin();
  return { stop, abort: (reason) => settle({ error: fail(`${reason} while running ${show(spec.command)}`) }), done };
}

/** What a command printed, decoded as UTF-8 across chunk borders; stdout also cut into lines for streams. */
class Output {
  out = '';
  stderr = '';
  private partialLine = '';
  private readonly outText = new StringDecoder('utf8');
  private readonly errText = new StringDecoder('utf8');

  constructor(private readonly onLine?: (line: string, receivedAt: number) => void) {}

  stdout(chunk: Buffer): void {
    const text = this.outText.write(chunk);
    this.out += text;
    if (!this.onLine) return;
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop()!;
    for (const line of lines) this.onLine(line, Date.now());
  }

  decodeStderr(chunk: Buffer): string {
    return this.errText.write(chunk);
  }

  /** The last line of a stream that ended without a newline. */
  flush(): void {
    if (this.onLine && this.partialLine !== '') this.onLine(this.partialLine, Date.now());
  }
}

/** sudo's stderr before the command starts: the password once when asked, EOF when asked again. */
function answerSudo(
  channel: ClientChannel,
  sudo: SudoStderr,
  text: string,
  password: string | undefined,
  output: Output,
  sendStdin: () => void,
): void {
  for (const event of sudo.feed(text)) {
    if (event === 'ready') {
      output.stderr = sudo.commandStderr;
      sendStdin();
    } else if (sudo.promptCount === 1 && password !== undefined) {
      channel.write(`${password}\n`);
    } else {
      // asked again: the password was wrong; EOF makes sudo give up instead of waiting
      channel.end();
    }
  }
}

type Outcome = { result: ExecResult } | { error: Error };

/** A result settled once: by the command's end, an abort, or the timeout (which builds its own error). */
function settleOnce(timeoutMs: number | undefined, onTimeout: () => Error): { done: Promise<ExecResult>; settle: (o: Outcome) => void } {
  let settle!: (o: Outcome) => void;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    settle = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.result);
    };
  });
  if (timeoutMs !== undefined) timer = setTimeout(() => settle({ error: onTimeout() }), timeoutMs);
  return { done, settle };
}

/** A command as messages show it: its first line, cut short. */
export function show(command: string): string {
  const first = command.split('\n')[0];
  const more = first !== command || first.length > 120;
  return `\`${first.slice(0, 120)}${more ? ' …' : ''}\``;
}

function signalCode(signal: string | undefined): number {
  const n = signal ? constants.signals[`SIG${signal}` as keyof typeof constants.signals] : undefined;
  return n === undefined ? -1 : 128 + n;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

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
  const outText = new StringDecoder('utf8');
  const errText = new StringDecoder('utf8');
  let stdout = '';
  let stderr = '';
  let partialLine = '';
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

  let settle!: (outcome: { result: ExecResult } | { error: Error }) => void;
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
  const timer =
    spec.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          stop();
          settle({
            error: fail(
              `timed out after ${seconds(spec.timeoutMs!)}: ${show(spec.command)}`,
              'the command was killed; raise the timeout if it is just slow, or find out why it hangs',
            ),
          });
        }, spec.timeoutMs);

  channel.on('data', (chunk: Buffer) => {
    const text = outText.write(chunk);
    stdout += text;
    if (spec.onLine) {
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop()!;
      for (const line of lines) spec.onLine(line, Date.now());
    }
  });

  channel.stderr.on('data', (chunk: Buffer) => {
    const text = errText.write(chunk);
    if (!sudo || sudo.started) {
      stderr += text;
      return;
    }
    for (const event of sudo.feed(text)) {
      if (event === 'ready') {
        stderr = sudo.commandStderr;
        sendStdin();
      } else if (sudo.promptCount === 1 && spec.sudo!.password !== undefined) {
        channel.write(`${spec.sudo!.password}\n`);
      } else {
        // asked again: the password was wrong; EOF makes sudo give up instead of waiting
        channel.end();
      }
    }
  });

  channel.on('exit', (exitCode: number | null, signal?: string) => {
    code = exitCode ?? signalCode(signal);
  });

  channel.on('close', () => {
    if (spec.onLine && partialLine !== '') spec.onLine(partialLine, Date.now());
    if (sudo && !sudo.started && !stopped) {
      const why = sudo.failure(spec.sudo!.user);
      settle({ error: fail(`${why.message} (running ${show(spec.command)})`, why.hint) });
      return;
    }
    settle({
      result: { command: spec.command, code: code ?? -1, stdout, stderr, durationMs: Date.now() - started },
    });
  });

  if (!sudo) sendStdin();

  return {
    stop,
    abort: (reason) => settle({ error: fail(`${reason} while running ${show(spec.command)}`) }),
    done,
  };
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

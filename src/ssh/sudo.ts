// Running a command as root through sudo without a tty: the password travels only on stdin,
// and only when sudo asks for it; sudo's own failures become messages a user can act on.

import { randomBytes } from 'node:crypto';
import { shellQuote } from '../core/quote.js';

export interface SudoCommand {
  /** The command line to exec: carries no secret. */
  command: string;
  prompt: string;
  /** Printed to stderr by the wrapped shell once sudo has let it run. */
  ready: string;
}

export interface SudoFailure {
  message: string;
  hint: string;
}

/**
 * Wraps `command` for sudo: `-S` with a random prompt when a password is configured,
 * `-n` (fail rather than ask) when not. The shell announces itself on stderr before running
 * the command, so the caller knows when sudo has finished reading stdin.
 */
export function sudoWrap(command: string, withPassword: boolean): SudoCommand {
  const tag = randomBytes(8).toString('hex');
  const prompt = `haops-sudo-${tag}:`;
  const ready = `haops-ready-${tag}`;
  const flags = withPassword ? `-S -p ${shellQuote(prompt)}` : '-n';
  const script = `echo ${ready} >&2\n${command}`;
  return { command: `sudo ${flags} -- sh -c ${shellQuote(script)}`, prompt, ready };
}

export type SudoEvent = 'prompt' | 'ready';

/** Watches the stderr of a wrapped command until the command itself starts. */
export class SudoStderr {
  private seen = '';
  private prompts = 0;
  private readyAt = -1;

  constructor(private readonly sudo: SudoCommand) {}

  get started(): boolean {
    return this.readyAt >= 0;
  }

  /** How many times sudo has asked for the password (a second ask means the first was wrong). */
  get promptCount(): number {
    return this.prompts;
  }

  /** Text after the ready marker: the first stderr of the command itself. */
  get commandStderr(): string {
    return this.started ? this.seen.slice(this.readyAt) : '';
  }

  /** Feeds stderr that arrived before the command started; returns what sudo did meanwhile. */
  feed(text: string): SudoEvent[] {
    this.seen += text;
    const events: SudoEvent[] = [];
    const prompts = this.seen.split(this.sudo.prompt).length - 1;
    for (; this.prompts < prompts; this.prompts++) events.push('prompt');
    const ready = this.seen.indexOf(`${this.sudo.ready}\n`);
    if (ready >= 0) {
      this.readyAt = ready + this.sudo.ready.length + 1;
      events.push('ready');
    }
    return events;
  }

  /** Why sudo did not run the command, judged from what it printed. */
  failure(user: string): SudoFailure {
    const said = this.seen.replaceAll(this.sudo.prompt, '').trim();
    if (said.includes('must have a tty')) {
      return {
        message: 'sudo requires a tty (requiretty in /etc/sudoers)',
        // haops asks for no pty on purpose: a pty would merge stderr into stdout and mangle stdin (echo, CR/LF).
        hint: `as root, run "visudo -f /etc/sudoers.d/${user}" and add the line "Defaults:${user} !requiretty" (or log in as root)`,
      };
    }
    if (said.includes('Sorry, try again') || said.includes('incorrect password attempt') || this.prompts > 1) {
      return { message: 'sudo password rejected', hint: 'check the sudo password in the inventory (sudo.passwordEnv)' };
    }
    if (said.includes('a password is required') || said.includes('no tty present')) {
      return {
        message: `sudo wants a password for ${user} and none is configured`,
        hint: 'set sudo.passwordEnv in the inventory, or give the user NOPASSWD in sudoers',
      };
    }
    if (said.includes('not in the sudoers file') || said.includes('not allowed to')) {
      return { message: `${user} may not run commands as root with sudo`, hint: 'grant the user sudo rights, or log in as root' };
    }
    return {
      message: `sudo did not run the command${said ? `: ${said.split('\n').pop()}` : ''}`,
      hint: 'check that sudo is installed and the user may use it',
    };
  }
}

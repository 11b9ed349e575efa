// Waiting, in one place: every "try, wait a little, try again until a deadline" of haops.
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export interface PollOptions {
  /** Epoch ms after which no new attempt starts. */
  until: number;
  /** Pause between attempts. */
  everyMs: number;
}

/**
 * Runs `attempt` until `done(value)` or the deadline, pausing `everyMs` between attempts; returns
 * the last value. At least one attempt runs, even past the deadline. A throwing attempt counts as
 * `undefined` (a node that does not answer yet is a normal state while waiting).
 */
export async function poll<T>(
  attempt: () => T | Promise<T>,
  done: (value: T | undefined) => boolean,
  opts: PollOptions,
): Promise<T | undefined> {
  for (;;) {
    let value: T | undefined;
    try {
      value = await attempt();
    } catch {
      value = undefined;
    }
    if (done(value) || Date.now() > opts.until) return value;
    await sleep(opts.everyMs);
  }
}

/** Polls until `attempt` yields a value other than undefined/null; null when the deadline passed. */
export async function pollFor<T>(
  attempt: () => T | null | undefined | Promise<T | null | undefined>,
  opts: PollOptions,
): Promise<T | null> {
  return (await poll(attempt, (v) => v !== undefined && v !== null, opts)) ?? null;
}

// Flags every command that talks to nodes takes, declared once.
import { type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';

export function nodeOptions(c: Command): Command {
  return c
    .option('--accept-new', 'record unknown host keys in known_hosts (a changed key is always refused)')
    .option('--ssh-config <file>', 'ssh config file (default ~/.ssh/config)')
    .option('--connect-timeout <seconds>', 'SSH connect timeout', '10');
}

export interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
  /** The unit, for the message: "seconds", "minutes". */
  unit: string;
}

/**
 * A numeric flag, range-checked: NaN, Infinity, 1e309 and values past what a timer can hold are a
 * usage error (exit 2) naming the flag and its range, never a spin or a silent default.
 */
export function numberFlag(flag: string, raw: string | undefined, fallback: number, range: NumberRange): number {
  if (raw === undefined) return fallback;
  const n = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n)))
    throw new UsageError(
      `${flag} ${raw}: expected ${range.integer ? 'a whole number of ' : ''}${range.unit} from ${range.min} to ${range.max}`,
      `for example ${flag} ${fallback}`,
    );
  return n;
}

/**
 * A file a command writes after its run (--prom, --report): checked before the run, so a
 * ten-minute drill does not end in "cannot write". The write itself can still fail; then the
 * command prints its output first and fails after (exit 2).
 */
export function checkOutputFile(flag: string, file: string | undefined): void {
  if (file === undefined) return;
  const fix = `give a file in a directory that exists and that you may write, like ${flag} ./out`;
  if (file.trim() === '') throw new UsageError(`${flag} is empty`, fix);
  const path = resolve(file);
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st && !st.isFile()) throw new UsageError(`${flag} ${file}: that is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, fix);
  let dir: Stats;
  try {
    dir = statSync(dirname(path));
  } catch (e) {
    throw new UsageError(`${flag} ${file}: its directory cannot be used (${(e as NodeJS.ErrnoException).code})`, fix);
  }
  if (!dir.isDirectory()) throw new UsageError(`${flag} ${file}: ${dirname(path)} is not a directory`, fix);
}

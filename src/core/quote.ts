// Shell quoting for remote commands: the one place where a value becomes a shell word.

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes `s` as one POSIX shell word: left bare when it is plainly safe, else single-quoted. */
export function shellQuote(s: string): string {
  if (s.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (SAFE_WORD.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

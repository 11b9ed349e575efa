import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/core/quote.js';

describe('shellQuote', () => {
  it('leaves plain words bare and single-quotes the rest', () => {
    expect(shellQuote('/etc/keepalived/keepalived.conf')).toBe('/etc/keepalived/keepalived.conf');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('round-trips awkward strings through a real sh', () => {
    for (const s of ["it's", '$(reboot)', '`x` "y" \\z', 'a\nb', '*', '-n', ' lead', 'ü €']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' })).toBe(s);
    }
  });

  it('refuses a NUL byte, which no shell word can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

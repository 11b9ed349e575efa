import { describe, expect, it } from 'vitest';
import { SudoStderr, sudoWrap } from '../../src/ssh/sudo.js';

describe('sudoWrap', () => {
  it('asks with a random prompt when there is a password, and carries no secret', () => {
    const a = sudoWrap("echo 'hi'", true);
    const b = sudoWrap("echo 'hi'", true);
    expect(a.prompt).not.toBe(b.prompt);
    expect(a.command).toBe(`sudo -S -p ${a.prompt} -- sh -c 'echo ${a.ready} >&2\necho '\\''hi'\\'''`);
  });

  it('uses -n (never ask) without a password', () => {
    expect(sudoWrap('id', false).command).toMatch(/^sudo -n -- sh -c /);
  });
});

describe('SudoStderr', () => {
  const wrap = sudoWrap('id', true);

  it('reports prompts and the start of the command, even split across chunks', () => {
    const w = new SudoStderr(wrap);
    expect(w.feed(wrap.prompt.slice(0, 5))).toEqual([]);
    expect(w.feed(wrap.prompt.slice(5))).toEqual(['prompt']);
    expect(w.feed(`${wrap.ready.slice(0, 4)}`)).toEqual([]);
    expect(w.feed(`${wrap.ready.slice(4)}\nwarning: x\n`)).toEqual(['ready']);
    expect(w.started).toBe(true);
    expect(w.commandStderr).toBe('warning: x\n');
  });

  it('counts a second prompt as a rejected password', () => {
    const w = new SudoStderr(wrap);
    w.feed(`${wrap.prompt}\nSorry, try again.\n${wrap.prompt}`);
    expect(w.promptCount).toBe(2);
    expect(w.failure('deploy').message).toBe('sudo password rejected');
  });

  it('names the sudo refusals a user can fix', () => {
    const said = (text: string) => {
      const w = new SudoStderr(wrap);
      w.feed(text);
      return w.failure('deploy');
    };
    expect(said('sudo: sorry, you must have a tty to run sudo\n').hint).toContain('Defaults:deploy !requiretty');
    expect(said(`${wrap.prompt}\nsudo: 3 incorrect password attempts\n`).message).toBe('sudo password rejected');
    expect(said('sudo: a password is required\n').message).toContain('none is configured');
    expect(said('deploy is not in the sudoers file.  This incident will be reported.\n').message).toContain('may not run commands as root');
    expect(said('sh: sudo: not found\n').message).toBe('sudo did not run the command: sh: sudo: not found');
  });
});

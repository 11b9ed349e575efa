import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bind, nodeScript } from '../../src/protocol/script.js';

const greet = nodeScript(
  'greet',
  { WHO: 'world', TIMES: 2, LOUD: false, VIPS: ['198.18.0.100/24'] },
  'echo "$WHO $TIMES ${LOUD:-quiet}"; for v in $VIPS; do echo "$v"; done',
  '# haops greet v1',
);
const sh = (text: string) => execFileSync('sh', ['-c', text], { encoding: 'utf8' });

describe('node scripts take their values as quoted variables', () => {
  it('a hostile value stays one value: no command in it runs', () => {
    const text = bind(greet, { WHO: "x'; touch /tmp/pwned; echo '$(id)", TIMES: 1, LOUD: true, VIPS: [] });
    expect(sh(text)).toBe("x'; touch /tmp/pwned; echo '$(id) 1 1\n");
  });
  it('the header comes first (the simulated hosts read it), lists are iterated word by word', () => {
    const text = bind(greet, { WHO: 'a', TIMES: 3, LOUD: false, VIPS: ['198.18.0.100/24', '2001:2::100/64'] });
    expect(text.split('\n')[0]).toBe('# haops greet v1');
    expect(sh(text)).toBe('a 3 quiet\n198.18.0.100/24\n2001:2::100/64\n');
  });
  it('refuses a list item that is not one plain word, and a missing value', () => {
    expect(() => bind(greet, { WHO: 'a', TIMES: 1, LOUD: false, VIPS: ['a b'] })).toThrow(/VIPS item "a b" is not one plain word/);
    expect(() => bind(greet, { WHO: 'a', TIMES: 1, LOUD: false } as never)).toThrow(/no value for VIPS/);
    expect(() => nodeScript('bad', { lower: 1 }, 'true')).toThrow(/lower is not an UPPER_CASE/);
  });
});

// `haops --version` prints the version in package.json and exits 0.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

describe('haops --version', () => {
  it('prints the package version and exits 0', async () => {
    const lines: string[] = [];
    const code = await main(
      ['node', 'haops', '--version'],
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    expect(code).toBe(0);
    expect(lines).toEqual([JSON.parse(readFileSync('package.json', 'utf8')).version]);
  });
});

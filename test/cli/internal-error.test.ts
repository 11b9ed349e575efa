// An error that is none of haops's own is a bug: exit 3 with the stack, never 1 (a failed node).
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/cli/offline.js', async (orig) => ({
  ...(await orig<typeof import('../../src/cli/offline.js')>()),
  validateCommand: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'pairs')");
  },
}));

const { main } = await import('../../src/cli/main.js');

describe('an internal error (a fake bug injected into validate)', () => {
  it('exits 3, says it is a bug and shows the stack', async () => {
    const err: string[] = [];
    const code = await main(
      ['node', 'haops', 'validate', 'inventory/seed.yaml'],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(3);
    expect(err.join('\n')).toMatch(/internal error \(a bug/);
    expect(err.join('\n')).toMatch(/TypeError: Cannot read properties/);
    expect(err.join('\n')).toMatch(/\n\s+at /);
  });

  it('with --json, stdout still parses: ok false, exitCode 3', async () => {
    const out: string[] = [];
    const code = await main(
      ['node', 'haops', 'validate', 'inventory/seed.yaml', '--json'],
      (s) => out.push(s),
      () => {},
    );
    expect(code).toBe(3);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ ok: false, exitCode: 3 });
  });
});

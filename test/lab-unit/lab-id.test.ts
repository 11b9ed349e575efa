// HAOPS_LAB_ID picks a lab of one's own; a value that names none must not fall back to the default lab.
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { labIdProblem } from '../../src/lab/paths.js';

describe('HAOPS_LAB_ID', () => {
  it('takes 1 to 9, or nothing (the default lab)', () => {
    for (const v of [undefined, '', '1', '9']) expect(labIdProblem(v)).toBeNull();
  });

  it('refuses 10, 0 and words, naming the value and what to use', () => {
    for (const v of ['10', '0', '12', 'x']) expect(labIdProblem(v)).toMatch(new RegExp(`HAOPS_LAB_ID=${v} is not a lab id: use 1 to 9`));
  });

  it('`haops lab status` with HAOPS_LAB_ID=12 exits 2 instead of reading the default lab (read-only here: `lab down` refuses the same way, it used to stop the default lab)', async () => {
    const saved = process.env.HAOPS_LAB_ID;
    process.env.HAOPS_LAB_ID = '12';
    const said = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await main(['node', 'haops', 'lab', 'status']);
      expect(said.mock.calls.map((c) => String(c[0]))).toEqual([
        'haops lab: HAOPS_LAB_ID=12 is not a lab id: use 1 to 9 (a lab of its own), or unset it for the default lab',
      ]);
      expect(process.exitCode).toBe(2);
    } finally {
      said.mockRestore();
      process.exitCode = 0;
      if (saved === undefined) delete process.env.HAOPS_LAB_ID;
      else process.env.HAOPS_LAB_ID = saved;
    }
  });
});

// docs/architecture.md draws the rooms and their ranks; .dependency-cruiser.cjs enforces them.
// The page must say what the check enforces: the same folders on the same ranks, every src/ folder placed.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const { LAYERS } = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as { LAYERS: [string, number][] };

/** The rank table of the page: `| rank | folders | what |`, folders in backticks. */
function pageRanks(text: string): [string, number][] {
  const rows = text.split('\n').filter((l) => /^\| \d+ \|/.test(l));
  return rows.flatMap((l) => {
    const [, rank, folders] = l.split('|').map((c) => c.trim());
    return [...folders!.matchAll(/`([^`]+)`/g)].map((m) => [m[1]!.replace(/\/$/, ''), Number(rank)] as [string, number]);
  });
}

describe('the architecture page', () => {
  const page = pageRanks(readFileSync('docs/architecture.md', 'utf8'));

  it('places every folder on the rank the import check enforces, and no other', () => {
    const sort = (xs: [string, number][]) => [...xs].sort((a, b) => a[0].localeCompare(b[0]));
    expect(sort(page)).toEqual(sort(LAYERS));
  });

  it('the import check ranks every folder under src/', () => {
    const folders = readdirSync('src', { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `src/${d.name}`);
    expect(folders.filter((f) => !LAYERS.some(([l]) => l === f))).toEqual([]);
  });

  it('reads a table the way it is written (a wrong rank would show)', () => {
    expect(pageRanks('| 3 | `src/nodes`, `src/render` | x |\n| 9 | `src/cli` | y |')).toEqual([
      ['src/nodes', 3],
      ['src/render', 3],
      ['src/cli', 9],
    ]);
  });
});

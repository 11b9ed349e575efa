import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneLayers } from '../../src/lab/layer.js';

describe('lab layers', () => {
  it('a rebuilt layer removes the same kind’s older layers, but not one a running lab mounts, nor other kinds', async () => {
    const root = await mkdtemp(join(tmpdir(), 'haops-layers-'));
    for (const d of ['sysv-aaaaaaaaaaaa', 'sysv-bbbbbbbbbbbb', 'sysv-cccccccccccc', 'sudo-aaaaaaaaaaaa', '.build-sysv-1'])
      await mkdir(join(root, d));
    const mounts = join(root, 'mounts');
    await writeFile(
      mounts,
      `overlay /var/lib/haops/lab/node1/root overlay rw,lowerdir=${root}/sysv-bbbbbbbbbbbb:/var/cache/haops/lab/base,upperdir=/x 0 0\n`,
    );
    const lines: string[] = [];
    const removed = await pruneLayers('sysv', join(root, 'sysv-cccccccccccc'), (s) => lines.push(s), root, mounts);
    expect(removed).toEqual([join(root, 'sysv-aaaaaaaaaaaa')]);
    expect((await readdir(root)).sort()).toEqual([
      '.build-sysv-1',
      'mounts',
      'sudo-aaaaaaaaaaaa',
      'sysv-bbbbbbbbbbbb',
      'sysv-cccccccccccc',
    ]);
    expect(lines.join('\n')).toContain('removed 1 older sysv layer');
  });
});

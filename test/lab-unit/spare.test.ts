// The spare lab id a lab test file boots its own lab on: the first candidate no lab uses.
import { describe, expect, it } from 'vitest';
import { STATE_DIR } from '../../src/lab/paths.js';
import { firstFree, spareCandidates, stateDirOf } from '../lab/spare.js';

const none = { netns: [], links: [], hasState: () => false };

describe('spare lab id', () => {
  it('tries 9 down to 1, never the lab id in use by this run', () => {
    expect(spareCandidates({}, '4')).toEqual(['9', '8', '7', '6', '5', '3', '2', '1']);
  });
  it('HAOPS_LAB_SPARE_IDS narrows the candidates (bad ids dropped)', () => {
    expect(spareCandidates({ HAOPS_LAB_SPARE_IDS: '9, 0,x,4' }, '4')).toEqual(['9']);
  });
  it('skips an id with state, with a network namespace, or with its host link', () => {
    expect(firstFree(['9', '8', '7', '6'], { netns: ['haops9-node1'], links: ['haopsl8'], hasState: (id) => id === '7' })).toBe('6');
    expect(firstFree(['9'], { ...none, netns: ['haops9-sw'] })).toBeUndefined();
    expect(firstFree(['9'], none)).toBe('9');
  });
  it("its state directory is the lab's own (src/lab/paths.ts)", () => {
    expect(stateDirOf(process.env.HAOPS_LAB_ID && /^[1-9]$/.test(process.env.HAOPS_LAB_ID) ? process.env.HAOPS_LAB_ID : '')).toBe(
      STATE_DIR,
    );
  });
});

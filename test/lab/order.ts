// The order of the lab test files, for vitest.config.ts (which loads it: keep it free of test code).
import { basename } from 'node:path';

/**
 * Lab files in the order they run: the ones on the default two-node lab first (lab.test on the
 * fresh nodes, then pair.test's first deploy installs everything once for the rest), then each
 * other shape, each booted once. A file not listed runs after these.
 */
export const LAB_FILE_ORDER = [
  'lab.test.ts',
  'pair.test.ts',
  'switchover.test.ts',
  'keepalive.test.ts',
  'truth.test.ts',
  'profile-fast.test.ts',
  'fleet.test.ts',
  'probe-host.test.ts',
  'kinds.test.ts',
  'firewalld.test.ts',
  'fleet40.test.ts',
];

/** Where a lab file runs in the lab project (unlisted files last, in their given order). */
export function labFileRank(path: string): number {
  const i = LAB_FILE_ORDER.indexOf(basename(path));
  return i < 0 ? LAB_FILE_ORDER.length : i;
}

// The order of the lab test files, for vitest.config.ts (which loads it: keep it free of test code),
// and the lab shape each needs (test/lab/spare-setup.ts reads it before the file loads).
import { basename } from 'node:path';
import type { NodeKind } from '../../src/lab/kinds.js';

export interface LabShape {
  nodes: number;
  /** One kind per pair, repeating (as `lab up --kinds`); default systemd. */
  kinds?: NodeKind[];
}

/** The lab each file runs on; a file's useLab(shape) must say the same (it checks). */
export const LAB_FILE_SHAPES: Record<string, LabShape> = {
  'lab.test.ts': { nodes: 2 },
  'pair.test.ts': { nodes: 2 },
  'switchover.test.ts': { nodes: 2 },
  'keepalive.test.ts': { nodes: 2 },
  'tls.test.ts': { nodes: 2 },
  'vips.test.ts': { nodes: 2 },
  'sites.test.ts': { nodes: 2 },
  'import.test.ts': { nodes: 2 },
  'nginx-grammar.test.ts': { nodes: 2 },
  'truth.test.ts': { nodes: 2 },
  'profile-fast.test.ts': { nodes: 2 },
  'ipv6.test.ts': { nodes: 2 },
  'fleet.test.ts': { nodes: 4 },
  'probe-host.test.ts': { nodes: 4 },
  'kinds.test.ts': { nodes: 6, kinds: ['sysv', 'legacy-ssh', 'sudo'] },
  'firewalld.test.ts': { nodes: 2, kinds: ['firewalld'] },
};

/**
 * Lab files in the order vitest's two lab workers pick them up: the default lane's (lab.test on the
 * fresh nodes, then pair.test's first deploy installs everything once for the rest) and the shapes
 * lane's interleaved, so that each worker mostly finds a file of the lane that is free
 * (test/lab/lanes.ts makes one wait when it does not). A file not listed runs after these.
 */
export const LAB_FILE_ORDER = [
  'lab.test.ts',
  'fleet.test.ts',
  'pair.test.ts',
  'probe-host.test.ts',
  'kinds.test.ts',
  'switchover.test.ts',
  'firewalld.test.ts',
  'import.test.ts',
  'keepalive.test.ts',
  'tls.test.ts',
  'vips.test.ts',
  'sites.test.ts',
  'nginx-grammar.test.ts',
  'truth.test.ts',
  'profile-fast.test.ts',
  'ipv6.test.ts',
  'fleet40.test.ts',
];

/**
 * Files of the `shapes` lane (test/lab/lanes.ts): each boots a lab of its own shape on a spare id
 * while the default lane runs the two-node files on the default lab, side by side.
 */
// import.test builds its own hand-made pair, so it takes fresh nodes of its own here too.
export const LAB_SHAPES_FILES = [
  'fleet.test.ts',
  'probe-host.test.ts',
  'kinds.test.ts',
  'firewalld.test.ts',
  'import.test.ts',
  'fleet40.test.ts',
];

/** Where a lab file runs in the lab project (unlisted files last, in their given order). */
export function labFileRank(path: string): number {
  const i = LAB_FILE_ORDER.indexOf(basename(path));
  return i < 0 ? LAB_FILE_ORDER.length : i;
}

// The lab a lab test file needs (node count and kinds). Files that want the same lab run one
// after another on it (test/lab/order.ts), so it is booted and deployed once; a file that wants
// another shape boots it with `haops lab up`, but only on a lab this test run booted itself: a
// lab someone else started is never taken down (such a file is skipped and says why).
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, inject } from 'vitest';
import type { NodeKind } from '../../src/lab/kinds.js';
import { type LabInfo, planLab } from '../../src/lab/plan.js';
import { STATE_FILE } from '../../src/lab/paths.js';
import { labWanted } from '../global-setup.js';
import { haops } from './cli.js';

export interface LabShape {
  nodes: number;
  /** One kind per pair, repeating (as `lab up --kinds`); default systemd. */
  kinds?: NodeKind[];
}

function currentLab(): LabInfo | undefined {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabInfo) : undefined;
}

function matches(info: LabInfo | undefined, shape: LabShape): boolean {
  if (!info) return false;
  const want = planLab(shape.nodes, info.subnet, shape.kinds).nodes;
  return (
    info.nodes.length === want.length && info.nodes.every((n, i) => n.name === want[i]!.name && (n.kind ?? 'systemd') === want[i]!.kind)
  );
}

/**
 * For `describe.skipIf(...)`: why the file cannot run on this machine's lab, or undefined when it
 * can (the lab has the shape, or this run booted the lab and may reshape it).
 */
export function labSkipReason(shape: LabShape): string | undefined {
  if (!labWanted()) return 'no lab (needs root on Linux; HAOPS_LAB=0 skips it)';
  if (matches(currentLab(), shape) || inject('labOwned')) return undefined;
  const reason = `the lab that was already up is not ${describeShape(shape)}, and a test run never takes down a lab it did not start: run \`haops lab down\` (or pick a free HAOPS_LAB_ID) to test this file`;
  console.error(`lab: skipping: ${reason}`);
  return reason;
}

/** In the file's describe: before its tests, the lab has this shape (booted now only if it has not). */
export function useLab(shape: LabShape): void {
  beforeAll(async () => {
    if (matches(currentLab(), shape)) return;
    const args = ['lab', 'up', '--nodes', String(shape.nodes), ...(shape.kinds ? ['--kinds', shape.kinds.join(',')] : [])];
    const r = await haops(args);
    if (r.code !== 0) throw new Error(`haops ${args.join(' ')} failed: ${r.stderr}`);
  }, 600_000);
}

function describeShape(shape: LabShape): string {
  return `${shape.nodes} nodes${shape.kinds ? ` of kinds ${shape.kinds.join(',')}` : ''}`;
}

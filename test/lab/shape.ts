// The lab a lab test file needs (node count and kinds). Files that want the same lab run one
// after another on it (test/lab/order.ts), so it is booted and deployed once; a file that wants
// another shape reshapes it with `haops lab up` when this test run booted it. A lab someone else
// started is never reshaped nor taken down: such a file gets its own lab on a spare lab id
// (test/lab/spare-setup.ts), booted here and taken down after the file.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { beforeAll, expect, inject } from 'vitest';
import { type LabInfo, planLab } from '../../src/lab/plan.js';
import { STATE_FILE } from '../../src/lab/paths.js';
import { labWanted } from '../global-setup.js';
import { haops } from './cli.js';
import { LAB_FILE_SHAPES, type LabShape } from './order.js';

export type { LabShape };

export function currentLab(): LabInfo | undefined {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabInfo) : undefined;
}

export function matches(info: LabInfo | undefined, shape: LabShape): boolean {
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
  const file = basename(expect.getState().testPath ?? '');
  if (JSON.stringify(LAB_FILE_SHAPES[file]) !== JSON.stringify(shape))
    throw new Error(
      `${file}: its lab shape ${describeShape(shape)} is not the one in LAB_FILE_SHAPES (test/lab/order.ts): register it there`,
    );
  if (matches(currentLab(), shape) || inject('labOwned') || process.env.HAOPS_LAB_SPARE) return undefined;
  const reason = `the lab that was already up is not ${describeShape(shape)}, and no spare lab id was free for this file (${process.env.HAOPS_LAB_SPARE_IDS ? `HAOPS_LAB_SPARE_IDS=${process.env.HAOPS_LAB_SPARE_IDS}` : 'ids 1-9'} all in use)`;
  console.error(`lab: skipping: ${reason}`);
  return reason;
}

/** In the file's describe: before its tests, the lab has this shape (booted now only if it has not). */
export function useLab(shape: LabShape): void {
  beforeAll(async () => {
    if (matches(currentLab(), shape)) return;
    const args = [
      'lab',
      'up',
      '--nodes',
      String(shape.nodes),
      ...(shape.kinds ? ['--kinds', shape.kinds.join(',')] : []),
      ...(process.env.HAOPS_LAB_INVENTORY ? ['--inventory', process.env.HAOPS_LAB_INVENTORY] : []),
    ];
    const r = await haops(args);
    if (r.code !== 0) throw new Error(`haops ${args.join(' ')} failed: ${r.stderr}`);
  }, 600_000);
}

function describeShape(shape: LabShape): string {
  return `${shape.nodes} nodes${shape.kinds ? ` of kinds ${shape.kinds.join(',')}` : ''}`;
}

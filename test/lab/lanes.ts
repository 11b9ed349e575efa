// The lab project runs two files at a time, one per lane: the `default` lane's files one after
// another on the default two-node lab, the `shapes` lane's (four nodes, node kinds, firewalld)
// one after another, each on a lab of its own on a spare id. A file waits for its lane here,
// before it decides anything, so two files never share a lab at once whatever order vitest's
// workers pick them up in.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LAB_SHAPES_FILES } from './order.js';

export type Lane = 'default' | 'shapes';

export const laneOf = (path: string): Lane => (LAB_SHAPES_FILES.includes(basename(path)) ? 'shapes' : 'default');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits until this process holds the lane for this run; returns the release. */
export async function acquireLane(lane: Lane, run: string): Promise<() => void> {
  const dir = `/tmp/haops-lab-lane-${lane}-${run}`;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(`${dir}/pid`, String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(readFileSync(`${dir}/pid`, 'utf8'));
      } catch {
        // being written: held
      }
      // A holder that died (a crashed worker) leaves the lane free.
      if (pid && !alive(pid)) rmSync(dir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

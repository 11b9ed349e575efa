// A spare lab for one test file: when the lab of this HAOPS_LAB_ID is someone's (this run did
// not boot it) and has another shape, the file boots its own lab on a free lab id (1-9) and tears
// down only that one. Free: no state, no network namespace, no host link, and not claimed by
// another run (an O_EXCL claim file, so two runs never pick the same id).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Where the lab of id N keeps its state (src/lab/paths.ts STATE_DIR; this file must not import it: see spare-setup.ts). */
export const stateDirOf = (id: string) => `/var/lib/haops/lab${id}`;
const claimFile = (id: string) => `/var/lib/haops/lab${id}.spare-claim`;

/** Candidate ids, in the order tried: HAOPS_LAB_SPARE_IDS (e.g. "9" or "9,8"), else 9 down to 1. */
export function spareCandidates(env: NodeJS.ProcessEnv, current: string): string[] {
  const given = env.HAOPS_LAB_SPARE_IDS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const ids = given?.length ? given : ['9', '8', '7', '6', '5', '4', '3', '2', '1'];
  return ids.filter((id) => /^[1-9]$/.test(id) && id !== current);
}

export interface Occupancy {
  /** Names of the network namespaces on this machine. */
  netns: string[];
  /** Names of the network links of this machine. */
  links: string[];
  hasState: (id: string) => boolean;
}

/** The first candidate no lab uses (pure, for the tests); the claim is taken separately. */
export function firstFree(candidates: string[], o: Occupancy): string | undefined {
  return candidates.find((id) => !o.hasState(id) && !o.netns.some((n) => n.startsWith(`haops${id}-`)) && !o.links.includes(`haopsl${id}`));
}

function occupancy(): Occupancy {
  let netns: string[] = [];
  try {
    netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean);
  } catch {
    // no iproute2: the state directories still tell
  }
  const links = existsSync('/sys/class/net') ? readdirSync('/sys/class/net') : [];
  return { netns, links, hasState: (id) => existsSync(`${stateDirOf(id)}/state.json`) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Claims a free id for this run (`token`), or undefined when none is free. A claim whose process
 * is gone is stale and taken over.
 */
export function claimSpareId(env: NodeJS.ProcessEnv, current: string, token: string): string | undefined {
  const candidates = spareCandidates(env, current);
  for (;;) {
    const id = firstFree(candidates, occupancy());
    if (!id) return undefined;
    try {
      writeFileSync(claimFile(id), JSON.stringify({ pid: process.pid, token }), { flag: 'wx' });
      return id;
    } catch {
      const held = readClaim(id);
      if (held && !alive(held.pid)) rmSync(claimFile(id), { force: true });
      else candidates.splice(candidates.indexOf(id), 1);
    }
  }
}

function readClaim(id: string): { pid: number; token: string } | undefined {
  try {
    return JSON.parse(readFileSync(claimFile(id), 'utf8')) as { pid: number; token: string };
  } catch {
    return undefined;
  }
}

export function releaseSpareId(id: string): void {
  rmSync(claimFile(id), { force: true });
}

/** Ids this run (`token`) still holds: what the global teardown takes down after a crash or Ctrl-C. */
export function claimsOf(token: string): string[] {
  return ['1', '2', '3', '4', '5', '6', '7', '8', '9'].filter((id) => readClaim(id)?.token === token);
}

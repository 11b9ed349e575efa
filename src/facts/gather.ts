// The I/O half of facts: one round trip to learn a host, one to fetch file contents for --diff.

import type { Host } from '../ssh/host.js';
import type { Facts, WantedState } from '../core/state.js';
import { FactsError, parseFacts } from './parse.js';
import { factsScript } from './script.js';
import { CONTENTS, parseContents } from '../protocol/contents.js';
import { bind } from '../protocol/script.js';

export async function gatherFacts(host: Host, wanted: WantedState): Promise<Facts> {
  const r = await host.exec(factsScript(wanted));
  try {
    return parseFacts(r.stdout, wanted);
  } catch (e) {
    if (e instanceof FactsError) throw new FactsError(`${e.message}${r.stderr.trim() ? ` (stderr: ${r.stderr.trim()})` : ''}`, host.name);
    throw e;
  }
}

/** Current content of each path (null when absent), in one exec. Used only to show diffs. */
export async function fetchContents(host: Host, paths: string[]): Promise<Record<string, string | null>> {
  const r = await host.exec(bind(CONTENTS, { PATHS: paths }));
  const out: Record<string, string | null> = {};
  for (const [p, c] of Object.entries(parseContents(r.stdout, paths))) {
    if ('error' in c) throw new FactsError(`cannot read ${p}: ${c.error}`, host.name);
    out[p] = c.text;
  }
  return out;
}

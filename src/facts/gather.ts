// The I/O half of facts: one round trip to learn a host, one to fetch file contents for --diff.

import type { Host } from '../ssh/host.js';
import type { Facts, WantedState } from '../core/state.js';
import { FactsError, parseFacts } from './parse.js';
import { factsScript } from './script.js';
import { RUN_FUNCTION, runLine, splitSections } from '../core/sections.js';

export async function gatherFacts(host: Host, wanted: WantedState): Promise<Facts> {
  const r = await host.exec(factsScript(wanted));
  try {
    return parseFacts(r.stdout, wanted);
  } catch (e) {
    if (e instanceof FactsError) throw new FactsError(`${e.message}${r.stderr.trim() ? ` (stderr: ${r.stderr.trim()})` : ''}`, host.name);
    throw e;
  }
}

export const CONTENTS_HEADER = '# haops contents v1';

/** Current content of each path (null when absent), in one exec. Used only to show diffs. */
export async function fetchContents(host: Host, paths: string[]): Promise<Record<string, string | null>> {
  const script =
    [
      CONTENTS_HEADER,
      RUN_FUNCTION,
      `probe_content() { if [ -e "$1" ]; then cat "$1"; else echo missing; return 2; fi; }`,
      ...paths.map((p) => runLine('content', p)),
    ].join('\n') + '\n';
  const r = await host.exec(script);
  const out: Record<string, string | null> = {};
  const sections = splitSections(r.stdout);
  for (const p of paths) {
    const s = sections.find((x) => x.kind === 'content' && x.arg === p);
    if (!s || s.code === 2) out[p] = null;
    else if (s.code !== 0) throw new FactsError(`cannot read ${p}: ${s.body.trim()}`, host.name);
    else out[p] = s.body;
  }
  return out;
}

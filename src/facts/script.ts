// The facts script's values for one node: the protocol room's FACTS asset (protocol/facts.ts)
// bound to what the wanted state asks about.

import type { WantedState } from '../core/state.js';
import { bind } from '../protocol/script.js';
import { FACTS } from '../protocol/facts.js';
import { elFactsValues } from './el.js';

export { FACTS_HEADER } from '../protocol/facts.js';

/** Paths whose author deploy asks about: only on an adopted node (the rendered files and those to move aside). */
export function ownedPaths(wanted: WantedState): string[] {
  if (!wanted.adopt) return [];
  return [...new Set([...wanted.files.map((f) => f.path), ...wanted.adopt.moveAside])];
}

export function factsScript(wanted: WantedState): string {
  return bind(FACTS, {
    PACKAGES: [...wanted.packages, ...(wanted.el && !wanted.packages.includes('epel-release') ? ['epel-release'] : [])],
    NGINX: wanted.packages.includes('nginx'),
    SERVICES: wanted.services.map((s) => s.name),
    FILES: wanted.files.map((f) => f.path),
    OWNED: ownedPaths(wanted),
    ...elFactsValues(wanted),
  });
}

// The framing shared by haops' remote scripts: each probe prints a marker line, its output,
// then its exit status, so one round trip can carry many small answers.
//
//   @@haops KIND ARG
//   <output, exactly as printed>
//   @@haops rc N

import { shellQuote } from './quote.js';

export interface Section {
  kind: string;
  arg: string;
  body: string;
  code: number;
}

/** Shell function `run KIND ARG...`: frames the output (stdout and stderr) of `probe_KIND ARG...`. */
export const RUN_FUNCTION = `run() { printf '@@haops %s\\n' "$*"; k=$1; shift; { "probe_$k" "$@"; } 2>&1; printf '\\n@@haops rc %s\\n' "$?"; }`;

export function runLine(kind: string, ...args: string[]): string {
  return ['run', kind, ...args.map(shellQuote)].join(' ');
}

const SECTION = /^@@haops (\S+)(?: (.*))?\n([\s\S]*?)\n@@haops rc (\d+)$/gm;

export function splitSections(stdout: string): Section[] {
  return [...stdout.matchAll(SECTION)].map((m) => ({ kind: m[1]!, arg: m[2] ?? '', body: m[3]!, code: Number(m[4]) }));
}

// The node protocol's unit: a script haops runs on (or writes onto) a node is a fixed text, an
// asset, that reads its parameters from shell variables. `bind` puts the values in front of the
// text as quoted assignments, so no value is ever spliced into the code, and the text that
// shellcheck lints (bound to the script's example values) is the text that runs.

import { shellQuote } from '../core/quote.js';

/** A parameter: a string, a number, a flag (`1` or empty), or a list of plain words (space-joined). */
export type ParamValue = string | number | boolean | readonly string[];
export type Params = Record<string, ParamValue>;

/** The values a script takes: its example's shape, widened (`'eth0'` is any string). */
export type Values<P extends Params> = {
  [K in keyof P]: P[K] extends string ? string : P[K] extends number ? number : P[K] extends boolean ? boolean : readonly string[];
};

export interface NodeScript<P extends Params = Params> {
  /** What the script is, in the user's words: "facts", "drain", "status". */
  readonly name: string;
  /** Lines printed before the assignments (a `# haops … v1` header the simulated hosts read, or a file's first lines). */
  readonly header: string;
  /** Example values: the parameter names and types, and what shellcheck lints the script with. */
  readonly example: P;
  /** The script itself: POSIX sh (CentOS 6's bash 4.1, Debian's dash), reading only its parameters. */
  readonly text: string;
}

const VAR = /^[A-Z][A-Z0-9_]*$/;
/** A list item is one word for `for x in $LIST`: no whitespace, quotes or glob characters. */
const WORD = /^[A-Za-z0-9_@%+=:,./[\]-]+$/;

export function nodeScript<P extends Params>(name: string, example: P, text: string, header = ''): NodeScript<P> {
  for (const k of Object.keys(example)) if (!VAR.test(k)) throw new Error(`script ${name}: parameter ${k} is not an UPPER_CASE shell name`);
  return { name, header, example, text: text.endsWith('\n') ? text : `${text}\n` };
}

function quoteValue(script: string, key: string, v: ParamValue): string {
  if (typeof v === 'boolean') return v ? '1' : "''";
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`script ${script}: ${key} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'string') return v === '' ? "''" : shellQuote(v);
  for (const w of v) {
    if (!WORD.test(w) || w.includes('[') !== w.includes(']'))
      throw new Error(`script ${script}: ${key} item ${JSON.stringify(w)} is not one plain word`);
  }
  return v.length ? shellQuote(v.join(' ')) : "''";
}

/** The script as it runs: header, one quoted assignment per parameter, then the text. */
export function bind<P extends Params>(s: NodeScript<P>, values: Values<P>): string {
  const assignments = Object.keys(s.example).map((k) => {
    if (!(k in values)) throw new Error(`script ${s.name}: no value for ${k}`);
    return `${k}=${quoteValue(s.name, k, values[k] as ParamValue)}`;
  });
  return [s.header.replace(/\n$/, ''), ...assignments, s.text].filter((l) => l !== '').join('\n');
}

/** The script bound to its example values: what the shellcheck test lints. */
export const example = (s: NodeScript): string => bind(s, s.example as Values<Params>);

// The protocol room's wall: what haops runs on a node is built in src/protocol. This looks through
// every string literal and template text under src/ outside the room for shell constructs typical
// of node scripts; a hit is a script built elsewhere (move it into src/protocol), or, when it is
// not shell for a node, an entry in ALLOWED below with its reason. Comments are not read.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Outside the room by design: the room itself, and code whose shell never runs on a node. */
const NOT_READ: { prefix: string; why: string }[] = [
  { prefix: 'src/protocol/', why: 'the room: node-side shell is built here' },
  { prefix: 'src/lab/', why: 'runs commands on this machine (VMs, bridges, images), not on a deployed node' },
  { prefix: 'src/cli/completion.ts', why: "prints a completion script for the user's own shell" },
];

/** What a node script has and prose rarely does. */
const SHELL: [string, RegExp][] = [
  ['2>/dev/null', /2>\s*\/dev\/null/],
  ['>/dev/null', />\s*\/dev\/null/],
  ['2>&1', /2>&1/],
  ['; then', /;\s*then\b/],
  ['; do', /;\s*do\b/],
  ['; fi', /;\s*fi\b/],
  ['|| true', /\|\|\s*true\b/],
  ['&& rm -f', /&&\s*rm -f\b/],
  ['&& echo', /&&\s*echo\b/],
  ['set -e', /(^|\n)set -e\b/],
  ['$(', /\$\(/],
];

/** Strings outside the room that hold one of those on purpose: file, a piece of the string, why. */
const ALLOWED: { file: string; contains: string; why: string }[] = [
  {
    file: 'src/inventory/secrets.ts',
    contains: '"$(cat site.key)"',
    why: "a hint printed for the user's own shell (how to put a key file into an environment variable); never sent to a node",
  },
];

interface Finding {
  file: string;
  line: number;
  construct: string;
  text: string;
}

/** The string literals and template texts of one source file (a template's `${…}` parts stand as `${…}`). */
function strings(file: string, source: string): { line: number; text: string }[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const out: { line: number; text: string }[] = [];
  const visit = (n: ts.Node): void => {
    let text: string | null = null;
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) text = n.text;
    else if (ts.isTemplateExpression(n)) text = n.head.text + n.templateSpans.map((s) => `\${…}${s.literal.text}`).join('');
    if (text !== null) out.push({ line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, text });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Every shell construct in a string of `files` (path, source), allowed ones included. */
function shellInStrings(files: { file: string; source: string }[]): Finding[] {
  return files.flatMap(({ file, source }) =>
    strings(file, source).flatMap(({ line, text }) =>
      SHELL.filter(([, re]) => re.test(text)).map(([construct]) => ({ file, line, construct, text })),
    ),
  );
}

const allowedBy = (f: Finding) => ALLOWED.find((a) => a.file === f.file && f.text.includes(a.contains));

function sourcesOutsideRoom(): { file: string; source: string }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|cjs)$/.test(e.name)) files.push(p);
    }
  };
  walk('src');
  return files
    .filter((f) => !NOT_READ.some((n) => f.startsWith(n.prefix)))
    .map((file) => ({ file, source: readFileSync(join('.', file), 'utf8') }));
}

describe('the protocol room: node-side shell is built in src/protocol', () => {
  const found = shellInStrings(sourcesOutsideRoom());

  it('no string outside the room holds shell typical of a node script (else move it into src/protocol, or allow it with a reason)', () => {
    const report = found.filter((f) => !allowedBy(f)).map((f) => `${f.file}:${f.line}: ${f.construct} in ${JSON.stringify(f.text)}`);
    expect(report).toEqual([]);
  });

  it('every allowed string is still there (a stale entry would allow the next one unseen)', () => {
    expect(ALLOWED.filter((a) => !found.some((f) => allowedBy(f) === a))).toEqual([]);
  });

  it('finds a planted script in a string and a template, and reads no comment or regex', () => {
    const planted = [
      '// pidof nginx >/dev/null || true; then',
      'const re = /x; then y/;',
      'const a = "pidof nginx >/dev/null || true";',
      'const b = `if [ -e ${file} ]; then cat ${file} 2>/dev/null; fi`;',
      'const c = `${cmd} && rm -f /var/lib/x/${s}.*`;',
    ].join('\n');
    const hits = shellInStrings([{ file: 'src/ops/planted.ts', source: planted }]);
    expect(hits.map((h) => `${h.line} ${h.construct}`)).toEqual([
      '3 >/dev/null',
      '3 || true',
      '4 2>/dev/null',
      '4 >/dev/null',
      '4 ; then',
      '4 ; fi',
      '5 && rm -f',
    ]);
  });
});

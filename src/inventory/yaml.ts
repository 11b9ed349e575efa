// The YAML stage of loading: size cap, syntax, aliases, keys. Produces plain data plus a locator
// that maps a field path back to line and column. Every failure is an InventoryIssue.
// Two parsers, one reading: js-yaml reads a plain file fast (a 5,000-host inventory in well under
// a second; the `yaml` library alone takes ~2 s of CPU to parse it cold); the `yaml` library,
// with source positions, reads every file with anchors, aliases or merge keys (`<<:`), and
// locates issues. Both read the YAML 1.2 core schema, so a file means the same to either.
import jsYaml from 'js-yaml';
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { issueAt, type InventoryIssue, type Locator, type PathKey, printable } from './errors.js';

/** Real inventories of thousands of hosts are a few hundred KB; past this, refuse before parsing. */
export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;
/** Aliases beyond this many per document are an expansion attack ("billion laughs"), not an inventory. */
const MAX_ALIASES = 1000;

export interface ParsedYaml {
  data: unknown;
  locate: Locator;
}

export type YamlResult = { ok: true; value: ParsedYaml } | { ok: false; issues: InventoryIssue[] };

export function parseYaml(text: string, file: string): YamlResult {
  if (Buffer.byteLength(text) > MAX_INVENTORY_BYTES) {
    return {
      ok: false,
      issues: [
        issueAt(
          { file },
          [],
          `the inventory is larger than ${MAX_INVENTORY_BYTES / 1024 / 1024} MB`,
          'split it into one inventory per site or fleet',
        ),
      ],
    };
  }
  // Aliases, explicit (complex) keys and __proto__ are rare in inventories and need the careful
  // reading (alias limits, key checks): route such files to it.
  if (/(^|[\s,[{:-])[*&][^\s,\]}]|^\s*\?\s|__proto__|<</m.test(text)) return parseWithPositions(text, file);
  let data: unknown;
  try {
    // The YAML 1.2 core schema, as the `yaml` library reads it; duplicate keys throw.
    data = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, json: false });
  } catch {
    return parseWithPositions(text, file);
  }
  let located: Locator | undefined;
  const locate: Locator = {
    file,
    at(path, key) {
      if (!located) {
        const slow = parseWithPositions(text, file);
        located = slow.ok ? slow.value.locate : { file, at: () => ({ line: 1, col: 1 }) };
      }
      return located.at(path, key);
    },
  };
  return { ok: true, value: { data, locate } };
}

/** The `yaml` library's reading, with positions: for files that js-yaml refused, and for locating issues. */
function parseWithPositions(text: string, file: string): YamlResult {
  const top = (message: string, fix: string) => ({ ok: false as const, issues: [issueAt({ file }, [], message, fix)] });
  const lineCounter = new LineCounter();
  // uniqueKeys is checked below in one pass: the library's own check is quadratic per mapping.
  // merge: `<<: *defaults` (YAML 1.1's merge key, which YAML 1.2 core leaves out) for shared defaults.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const pos = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    const secret = secretRanges(doc, text);
    return {
      ok: false,
      issues: doc.errors.slice(0, 20).map((e) => {
        const p = pos(e.pos[0]);
        // The library's message may quote the text it could not read: never a secret's.
        if (secret(e.pos[0], p.line))
          return {
            file,
            line: p.line,
            col: p.col,
            path: '',
            message: `YAML syntax (${e.code}) in a secret field; its text is not shown`,
            fix: SECRET_QUOTE_FIX,
          };
        return {
          file,
          line: p.line,
          col: p.col,
          path: '',
          message: `YAML syntax: ${e.message.split('\n')[0]}`,
          fix: 'fix the YAML syntax at this line (indentation, a missing colon or quote)',
        };
      }),
    };
  }
  const keyIssues = checkKeys(doc, file, pos);
  if (keyIssues.length > 0) return { ok: false, issues: keyIssues };
  const aliasIssues = unresolvedAliases(doc, file, pos);
  if (aliasIssues.length > 0) return { ok: false, issues: aliasIssues };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // The library throws ReferenceError for alias bombs (unresolved aliases are found above; its
    // message would name the alias, which in a secret field is the secret).
    const message = (err as Error).message;
    return top(
      /unresolved/i.test(message) ? 'YAML aliases: an alias names no anchor' : `YAML aliases: ${message}`,
      'write the values out instead of using deeply nested aliases (&name / *name)',
    );
  }
  return { ok: true, value: { data, locate: makeLocator(doc, file, pos) } };
}

/** Every mapping key is a plain string, given once, and not an object-prototype name. */
function checkKeys(doc: Document, file: string, pos: (o: number) => { line: number; col: number }): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const add = (node: Node | null | undefined, path: PathKey[], message: string, fix: string) => {
    const p = node?.range ? pos(node.range[0]) : { line: 1, col: 1 };
    if (issues.length < 50) issues.push({ ...issueAt({ file }, path, message, fix), ...p });
  };
  const walk = (node: unknown, path: PathKey[]) => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const keyNode = item.key as Node | null;
        if (isMergeKey(keyNode)) continue; // `<<: *defaults`: its target is walked where it is defined
        if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
          add(keyNode, path, 'a mapping key must be a plain name', 'write the key as a plain word, like proxy101');
          continue;
        }
        const key = String(keyNode.value);
        if (seen.has(key)) add(keyNode, [...path, key], `duplicate key "${printable(key)}"`, 'give each key once; merge the two entries');
        seen.add(key);
        if (key === '__proto__') add(keyNode, [...path, key], '"__proto__" is not allowed as a key', 'rename it');
        walk(item.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    } else if (isAlias(node)) {
      // Resolved by toJS, bounded by maxAliasCount; its target is walked where it is defined.
    }
  };
  walk(doc.contents, []);
  return issues;
}

/** `<<` with merge on: the library reads it as a scalar whose value is a symbol. */
const isMergeKey = (key: unknown): boolean => isScalar(key) && (key.value === '<<' || String(key.value) === 'Symbol(<<)');

/** The key's pair in a mapping, or in a mapping it merges (`<<: *anchor`), nearest first. */
function findPair(doc: Document, map: unknown, k: PathKey, depth = 0): { key: unknown; value: unknown } | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  const own = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(k));
  if (own) return own;
  for (const p of map.items) {
    if (!isPair(p) || !isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const s of sources) {
      const found = findPair(doc, isAlias(s) ? s.resolve(doc) : s, k, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function makeLocator(doc: Document, file: string, pos: (o: number) => { line: number; col: number }): Locator {
  return {
    file,
    at(path, key = false) {
      // Walk down as far as the path exists; point at the key when asked (unknown or missing fields).
      let node: unknown = doc.contents;
      let best: { line: number; col: number } = { line: 1, col: 1 };
      for (const k of path) {
        if (isAlias(node)) node = node.resolve(doc);
        if (isMap(node)) {
          const pair = findPair(doc, node, k);
          if (!pair) break;
          const keyNode = pair.key as Node;
          if (keyNode.range) best = pos(keyNode.range[0]);
          node = pair.value;
          if (!key && node && (node as Node).range) best = pos((node as Node).range![0]);
        } else if (isSeq(node) && typeof k === 'number') {
          node = node.items[k];
          if (node && (node as Node).range) best = pos((node as Node).range![0]);
        } else break;
      }
      return best;
    },
  };
}

/** Keys whose values are secrets, or may be one typed into the wrong field. */
const SECRET_KEYS = new Set(['password', 'password_env', 'password_file', 'default', 'sudo', 'authentication']);
const SECRET_LINE = /(^|[\s{,])(password|password_env|password_file|default|sudo|authentication)\s*:/;
const SECRET_QUOTE_FIX =
  'quote the secret, like password: "…" (YAML reads a leading * & ! | > @ ` % [ { as syntax), or read it with password_env: or password_file:';

const onSecretPath = (path: readonly PathKey[]) => path.some((k) => typeof k === 'string' && SECRET_KEYS.has(k));

/**
 * Whether an offset lies in a secret: inside the value of a secret key as far as the library could
 * build the document, or on a line that names a secret key (a value it could not build at all).
 */
function secretRanges(doc: Document, text: string): (offset: number, line: number) => boolean {
  const ranges: [number, number][] = [];
  const walk = (node: unknown, secret: boolean) => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? String(item.key.value) : '';
        const inner = secret || SECRET_KEYS.has(key);
        const v = item.value as Node | null;
        if (inner && !secret) {
          const start = (item.key as Node | null)?.range?.[0];
          const end = v?.range?.[2] ?? v?.range?.[1];
          if (start !== undefined) ranges.push([start, end ?? start]);
        }
        walk(v, inner);
      }
    } else if (isSeq(node)) for (const item of node.items) walk(item, secret);
  };
  walk(doc.contents, false);
  const lines = text.split('\n');
  return (offset, line) => ranges.some(([a, b]) => offset >= a && offset <= b) || SECRET_LINE.test(lines[line - 1] ?? '');
}

/** Aliases that name no anchor, found where they are: in a secret field, without their text. */
function unresolvedAliases(doc: Document, file: string, pos: (o: number) => { line: number; col: number }): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const walk = (node: unknown, path: PathKey[]) => {
    if (isAlias(node)) {
      let target: unknown;
      try {
        target = node.resolve(doc);
      } catch {
        target = undefined;
      }
      if (target === undefined && issues.length < 20) {
        const p = node.range ? pos(node.range[0]) : { line: 1, col: 1 };
        const secret = onSecretPath(path);
        issues.push({
          ...issueAt({ file }, path, '', undefined),
          ...p,
          message: secret
            ? 'YAML reads this secret as an alias (it starts with *) that names no anchor; its text is not shown'
            : `YAML alias *${printable(node.source)} names no anchor (&${printable(node.source)} must come before it)`,
          fix: secret ? SECRET_QUOTE_FIX : `define &${printable(node.source)} before this line, or quote the value if it is text`,
        });
      }
    } else if (isMap(node)) {
      for (const item of node.items) if (isPair(item)) walk(item.value, [...path, isScalar(item.key) ? String(item.key.value) : '?']);
    } else if (isSeq(node))
      node.items.forEach((item, i) => {
        walk(item, [...path, i]);
      });
  };
  walk(doc.contents, []);
  return issues;
}

// Reads an inventory file: YAML with source positions, then the zod schema, then the checks
// across values. Every problem comes back as an InventoryIssue pointing into the file.
import { readFileSync } from 'node:fs';
import { closest } from 'fastest-levenshtein';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node } from 'yaml';
import type { ZodIssue } from 'zod';
import { InventoryError, formatPath, type InventoryIssue } from './errors.js';
import { inventorySchema, type Inventory } from './schema.js';
import { checkInventory } from './validate.js';

export type PathKey = string | number;

/** Finds where a field path sits in the file, for messages. */
export interface Locator {
  file: string;
  at(path: readonly PathKey[], key?: boolean): { line: number; col: number };
}

export interface LoadedInventory {
  file: string;
  inventory: Inventory;
  locate: Locator;
}

export interface LoadOptions {
  /** Check the failover math too (default). `haops plan` shows it as a table instead. */
  failoverMath?: boolean;
}

export function loadInventory(file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): LoadedInventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InventoryError([
      { file, line: 1, col: 1, path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read: ${code}`, fix: 'pass the path of an inventory YAML file' },
    ]);
  }
  return parseInventory(text, file, env, opts);
}

export function parseInventory(text: string, file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): LoadedInventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new InventoryError(
      doc.errors.map((e) => {
        const p = pos(e.pos[0]);
        return { file, line: p.line, col: p.col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, fix: 'fix the YAML syntax at this line (indentation, a missing colon or quote)' };
      }),
    );
  }
  const locate = makeLocator(doc, file, pos);
  const raw = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InventoryError([{ file, line: 1, col: 1, path: '', message: 'the inventory must be a mapping with hosts: and pairs:', fix: 'see inventory/seed.yaml for the layout' }]);
  }
  const parsed = inventorySchema.safeParse(raw);
  if (!parsed.success) {
    throw new InventoryError(parsed.error.issues.flatMap((i) => zodIssue(i, raw, locate)));
  }
  const issues = checkInventory(parsed.data, locate, env, opts.failoverMath ?? true);
  if (issues.length > 0) throw new InventoryError(issues);
  return { file, inventory: parsed.data, locate };
}

function makeLocator(doc: Document, file: string, pos: (o: number) => { line: number; col: number }): Locator {
  return {
    file,
    at(path, key = false) {
      // Walk down as far as the path exists; point at the key when asked (unknown or missing fields).
      let node: unknown = doc.contents;
      let best: { line: number; col: number } = { line: 1, col: 1 };
      for (const k of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(k));
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

const FIELD_HINTS: Record<string, string> = {
  virtual_router_id: 'pick a number 1..255 that no other VRRP group on this LAN uses',
  priority: 'priorities are 1..254 (255 is reserved for the address owner)',
  weight: 'weight is -253..253; 2 is the write-up\'s choice',
  nodes: 'list exactly two hosts: nodes: [proxy101, proxy102]',
};

function zodIssue(issue: ZodIssue, raw: unknown, locate: Locator): InventoryIssue[] {
  const path = issue.path;
  const last = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    return issue.keys.map((k) => {
      const at = locate.at([...path, k], true);
      const guess = allowed.length ? closest(k, allowed) : undefined;
      return {
        file: locate.file,
        ...at,
        path: formatPath([...path, k]),
        message: `unknown field "${k}"`,
        fix: guess ? `did you mean "${guess}"? (allowed here: ${allowed.join(', ')})` : 'remove it',
      };
    });
  }
  const at = locate.at(path, issue.code === 'invalid_type' && issue.received === 'undefined');
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    message = issue.received === 'undefined' ? `missing required field "${last}"` : `expected ${issue.expected}, got ${issue.received}`;
  }
  const hintKey = Object.keys(FIELD_HINTS).find((k) => last === k || (last !== undefined && path.includes('priorities') && k === 'priority'));
  return [{ file: locate.file, ...at, path: formatPath(path), message, fix: hintKey ? FIELD_HINTS[hintKey] : fixFor(issue) }];
}

function fixFor(issue: ZodIssue): string | undefined {
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return 'add the field (see inventory/seed.yaml)';
  if (issue.code === 'invalid_enum_value') return `use one of: ${issue.options.join(', ')}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return 'change the value to fit the range';
  if (issue.code === 'invalid_string') return 'quote-free plain values only; see the message for what is allowed';
  return undefined;
}

/** The keys a mapping at this path accepts, for "did you mean". */
function allowedKeys(path: readonly PathKey[]): string[] {
  // Walk the schema along the path, unwrapping defaults/optionals/records/arrays.
  let s: any = inventorySchema;
  const unwrap = (x: any): any => {
    for (;;) {
      const t = x?._def?.typeName;
      if (t === 'ZodDefault' || t === 'ZodOptional' || t === 'ZodNullable' || t === 'ZodEffects') x = x._def.innerType ?? x._def.schema;
      else if (t === 'ZodUnion') x = x._def.options.find((o: any) => unwrap(o)?._def?.typeName === 'ZodObject') ?? x._def.options[0];
      else return x;
    }
  };
  s = unwrap(s);
  for (const k of path) {
    const t = s?._def?.typeName;
    if (t === 'ZodObject') s = unwrap(s.shape[k as string]);
    else if (t === 'ZodRecord') s = unwrap(s._def.valueType);
    else if (t === 'ZodArray') s = unwrap(s._def.type);
    else return [];
  }
  return s?._def?.typeName === 'ZodObject' ? Object.keys(s.shape) : [];
}

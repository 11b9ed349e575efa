// Reads an inventory file: YAML with source positions, then the zod schema, then the checks
// across values, then the secrets, resolved once. Every problem comes back as an InventoryIssue
// pointing into the file; nothing here throws anything else for bad input.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { closest } from 'fastest-levenshtein';
import type { ZodIssue } from 'zod';
import { checkInventory } from './cross-checks.js';
import { formatPath, InventoryError, type InventoryIssue, type Locator, type PathKey, printable } from './errors.js';
import { allowedKeys } from './keys.js';
import { inventorySchema, type Inventory } from './schema.js';
import { resolveSecrets, type Secrets } from './secrets.js';
import { topLevelSiteFields } from './sites.js';
import { MAX_INVENTORY_BYTES, parseYaml } from './yaml.js';
import { CIDR_RE, numberToIp, parseNetwork } from '../core/ipv4.js';

export type { Locator, PathKey } from './errors.js';

export interface LoadedInventory {
  file: string;
  inventory: Inventory;
  locate: Locator;
  secrets: Secrets;
  /** Not errors, but said on every command: a secret fell back to its default. */
  warnings: InventoryIssue[];
  /** Said on every command, never a refusal: a secret too short to mask in free text. */
  cautions: InventoryIssue[];
}

export function loadInventory(file: string, env: NodeJS.ProcessEnv = process.env): LoadedInventory {
  return parseInventory(readInventoryText(file), file, env);
}

/** The file's text, refusing anything past the size cap before reading it. */
function readInventoryText(file: string): string {
  const refuse = (message: string, fix: string): never => {
    throw new InventoryError([{ file, line: 1, col: 1, path: '', message, fix }]);
  };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return refuse(code === 'ENOENT' ? 'file not found' : `cannot read: ${code}`, 'pass the path of an inventory YAML file');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return refuse('not a regular file', 'pass the path of an inventory YAML file');
    if (st.size > MAX_INVENTORY_BYTES)
      return refuse(
        `the inventory is ${(st.size / 1024 / 1024).toFixed(1)} MB, more than the ${MAX_INVENTORY_BYTES / 1024 / 1024} MB haops reads`,
        'split it into one inventory per site or fleet',
      );
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, off));
    } catch {
      return refuse('the file is not UTF-8 text', 'save the inventory as UTF-8');
    }
  } catch (err) {
    if (err instanceof InventoryError) throw err;
    return refuse(`cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'pass the path of an inventory YAML file');
  } finally {
    closeSync(fd);
  }
}

export function parseInventory(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedInventory {
  const parsedYaml = parseYaml(text, file);
  if (!parsedYaml.ok) throw new InventoryError(parsedYaml.issues);
  const { data: raw, locate } = parsedYaml.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InventoryError([
      {
        file,
        line: 1,
        col: 1,
        path: '',
        message: 'the inventory must be a mapping with hosts: and pairs:',
        fix: 'see inventory/seed.yaml for the layout',
      },
    ]);
  }
  const siteFields = topLevelSiteFields(raw, locate);
  if (siteFields.length > 0) throw new InventoryError(siteFields);
  const parsed = inventorySchema.safeParse(withDerivedSubnets(withoutExtensions(raw as Record<string, unknown>)));
  if (!parsed.success) throw new InventoryError(oneIssuePerTypo(parsed.error.issues.slice(0, 100)).flatMap((i) => zodIssue(i, locate)));
  const issues = checkInventory(parsed.data, locate);
  if (issues.length > 0) throw new InventoryError(issues);
  const secrets = resolveSecrets(parsed.data, locate, env);
  if (secrets.issues.length > 0) throw new InventoryError(secrets.issues);
  return { file, inventory: parsed.data, locate, secrets: secrets.secrets, warnings: secrets.warnings, cautions: secrets.cautions };
}

/**
 * Top-level keys starting with `x-` are the user's own (shared defaults to anchor, as in Compose
 * files: `x-node: &node { user: admin }` then `<<: *node`): haops reads them as YAML and ignores them.
 */
export const EXTENSION_KEY = /^x-/;

function withoutExtensions(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(raw).some((k) => EXTENSION_KEY.test(k))) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !EXTENSION_KEY.test(k)));
}

/**
 * A pair without `subnet:` takes it from its first VIP written with a prefix (`vip: 10.0.0.100/24`
 * gives 10.0.0.0/24; so does a `vips:` entry without dev:). Without one, the schema says the
 * subnet is missing (with this way out).
 */
function withDerivedSubnets(raw: Record<string, unknown>): Record<string, unknown> {
  const pairs = raw.pairs;
  if (!isRecord(pairs)) return raw;
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const [name, pair] of Object.entries(pairs)) {
    out[name] = pair;
    if (!isRecord(pair) || pair.subnet !== undefined || !Array.isArray(pair.instances)) continue;
    // vips: items count too, in order (a plain address, or { address } on the pair's interface).
    const written = pair.instances.flatMap((i) =>
      !isRecord(i)
        ? []
        : Array.isArray(i.vips)
          ? i.vips.map((v) => (isRecord(v) ? (v.dev === undefined ? v.address : undefined) : v))
          : [i.vip],
    );
    const vip = written.find((v) => typeof v === 'string' && CIDR_RE.test(v)) as string | undefined;
    if (!vip) continue;
    const net = parseNetwork(vip);
    out[name] = { ...pair, subnet: `${numberToIp(net.base)}/${net.prefix}` };
    changed = true;
  }
  return changed ? { ...raw, pairs: out } : raw;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A misspelt required field gives zod two issues ("adress" unknown, "address" missing): keep the
 * one with the suggestion. The missing one goes when an unknown key beside it is closest to it.
 */
function oneIssuePerTypo(issues: ZodIssue[]): ZodIssue[] {
  const guessed = new Set<string>();
  for (const i of issues) {
    if (i.code !== 'unrecognized_keys') continue;
    const allowed = allowedKeys(i.path as PathKey[]);
    for (const k of i.keys) if (allowed.length) guessed.add(JSON.stringify([...i.path, closest(k, allowed)]));
  }
  return issues.filter((i) => !(i.code === 'invalid_type' && i.received === 'undefined' && guessed.has(JSON.stringify(i.path))));
}

const FIELD_HINTS: Record<string, string> = {
  virtual_router_id: 'pick a number 1..255 that no other VRRP group on this LAN uses',
  priority: 'priorities are 1..254 (255 is reserved for the address owner)',
  weight: "weight is -253..253; 2 is the write-up's choice",
  nodes: 'list exactly two hosts: nodes: [proxy101, proxy102]',
};

/** Fields whose values may be secrets: their messages never quote what was received. */
const SECRET_FIELDS = new Set(['authentication', 'sudo']);

function zodIssue(issue: ZodIssue, locate: Locator): InventoryIssue[] {
  const path = issue.path as PathKey[];
  const last = [...path].reverse().find((p) => typeof p === 'string') as string | undefined;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    const secretPath = path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p));
    return issue.keys.map((k) => {
      const at = locate.at([...path, k], true);
      const guess = allowed.length ? closest(k, allowed) : undefined;
      return {
        file: locate.file,
        ...at,
        path: formatPath(secretPath ? path : [...path, k]),
        // In a secret's mapping an unknown key may be the secret itself ({ password, Hunt3r2 }).
        message: secretPath ? 'unknown field in a secret (its name is not shown)' : `unknown field "${printable(k)}"`,
        fix: secretPath
          ? `allowed here: ${allowed.join(', ')}`
          : guess
            ? `did you mean "${guess}"? (allowed here: ${allowed.join(', ')})`
            : 'remove it',
      };
    });
  }
  const missing = issue.code === 'invalid_type' && issue.received === 'undefined';
  const at = locate.at(path, missing);
  let message = issue.message;
  if (issue.code === 'invalid_type')
    message = missing ? `missing required field "${last}"` : `expected ${issue.expected}, got ${issue.received}`;
  else if (issue.code === 'invalid_enum_value') message = `expected one of ${issue.options.join(', ')}`;
  else if (issue.code === 'invalid_literal') message = `expected ${JSON.stringify(issue.expected)}`;
  else if (path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p))) message = message.replace(/received .*/s, '');
  const hintKey = Object.keys(FIELD_HINTS).find(
    (k) => last === k || (last !== undefined && path.includes('priorities') && k === 'priority'),
  );
  const fix =
    missing && last === 'subnet'
      ? 'add subnet: 10.0.0.0/24 (the LAN of the pair), or write a VIP with its prefix (vip: 10.0.0.100/24) and haops derives it'
      : hintKey
        ? FIELD_HINTS[hintKey]
        : fixFor(issue);
  return [{ file: locate.file, ...at, path: formatPath(path), message, fix }];
}

function fixFor(issue: ZodIssue): string | undefined {
  if (issue.code === 'custom' && typeof issue.params?.fix === 'string') return issue.params.fix;
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return 'add the field (see inventory/seed.yaml)';
  if (issue.code === 'invalid_enum_value') return `use one of: ${issue.options.join(', ')}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return 'change the value to fit the range';
  if (issue.code === 'invalid_string') return 'quote-free plain values only; see the message for what is allowed';
  if (issue.code === 'invalid_type') return 'write the value in the form the message names';
  if (issue.code === 'invalid_union') return 'see inventory/seed.yaml for the forms this field takes';
  return undefined;
}

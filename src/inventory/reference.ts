// docs/inventory.md, written from the zod schema itself (pure): every field with its type, default,
// an example and its description, so the reference cannot drift from what `validate` accepts.
// A field added to the schema appears once the page is regenerated (`npm run docs:inventory`);
// its description comes from `.describe('... e.g. EXAMPLE')` ("e.g." starts the example).
import { z } from 'zod';

export interface FieldDoc {
  /** Dotted path, `<name>` for map keys and `[]` for list items: pairs.<pair>.instances[].vip */
  path: string;
  type: string;
  required: boolean;
  default?: string;
  example?: string;
  description: string;
}

interface Unwrapped {
  inner: z.ZodTypeAny;
  description?: string;
  optional: boolean;
  default?: unknown;
}

/** Peels optional/default/effects layers, keeping the first description and default met. */
function unwrap(t: z.ZodTypeAny): Unwrapped {
  let description: string | undefined;
  let optional = false;
  let def: unknown;
  for (;;) {
    description ??= t.description;
    if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) {
      optional = true;
      t = t._def.innerType;
    } else if (t instanceof z.ZodDefault) {
      optional = true;
      def ??= t._def.defaultValue();
      t = t._def.innerType;
    } else if (t instanceof z.ZodEffects) t = t._def.schema;
    else if (t instanceof z.ZodCatch) t = t._def.innerType;
    else if (t instanceof z.ZodBranded) t = t._def.type;
    else if (t instanceof z.ZodPipeline) t = t._def.in;
    else if (t instanceof z.ZodLazy) t = t._def.getter();
    else return { inner: t, description, optional, ...(def !== undefined && { default: def }) };
  }
}

const isObject = (t: z.ZodTypeAny): t is z.ZodObject<z.ZodRawShape> => t instanceof z.ZodObject;

/** The type as a reader writes it: string, number 1..255, classic | fast, list of string, map, ... */
export function typeName(t: z.ZodTypeAny): string {
  const { inner } = unwrap(t);
  if (inner instanceof z.ZodString) return 'string';
  if (inner instanceof z.ZodNumber) {
    const checks = inner._def.checks;
    const int = checks.some((c) => c.kind === 'int');
    const min = checks.find((c) => c.kind === 'min') as { value: number } | undefined;
    const max = checks.find((c) => c.kind === 'max') as { value: number } | undefined;
    const range = min && max ? ` ${min.value}..${max.value}` : min ? ` ≥ ${min.value}` : max ? ` ≤ ${max.value}` : '';
    return `${int ? 'integer' : 'number'}${range}`;
  }
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodLiteral) return JSON.stringify(inner._def.value);
  if (inner instanceof z.ZodEnum) return (inner._def.values as string[]).join(' | ');
  if (inner instanceof z.ZodNativeEnum) return Object.values(inner._def.values as object).join(' | ');
  if (inner instanceof z.ZodUnion || inner instanceof z.ZodDiscriminatedUnion)
    return [...new Set((inner._def.options as z.ZodTypeAny[]).map(typeName))].join(' | ');
  if (inner instanceof z.ZodArray) return `list of ${typeName(inner._def.type)}`;
  if (inner instanceof z.ZodRecord) return `map of ${typeName(inner._def.valueType)}`;
  if (isObject(inner)) return 'object';
  if (inner instanceof z.ZodAny || inner instanceof z.ZodUnknown) return 'any';
  return inner._def.typeName?.replace(/^Zod/, '').toLowerCase() ?? 'value';
}

const show = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && v.length === 0 ? '[]' : isPlainEmpty(v) ? '{}' : JSON.stringify(v);
const isPlainEmpty = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

/** "Text. e.g. EXAMPLE" -> the text and the example. */
function splitExample(description: string | undefined): { text: string; example?: string } {
  if (!description) return { text: '' };
  const i = description.lastIndexOf(' e.g. ');
  if (i < 0) return { text: description.trim() };
  return { text: description.slice(0, i).trim(), example: description.slice(i + 6).trim() };
}

/** An example when the description gives none: the default, the first choice, or the type's own. */
function derivedExample(u: Unwrapped): string | undefined {
  if (u.default !== undefined && !isPlainEmpty(u.default) && !(Array.isArray(u.default) && u.default.length === 0)) return show(u.default);
  const t = u.inner;
  if (t instanceof z.ZodLiteral) return show(t._def.value);
  if (t instanceof z.ZodEnum) return (t._def.values as string[])[0];
  if (t instanceof z.ZodBoolean) return 'true';
  if (t instanceof z.ZodNumber) {
    const min = t._def.checks.find((c) => c.kind === 'min') as { value: number } | undefined;
    return String(min?.value ?? 1);
  }
  if (t instanceof z.ZodUnion) {
    for (const o of t._def.options as z.ZodTypeAny[]) {
      const e = derivedExample(unwrap(o));
      if (e !== undefined) return e;
    }
  }
  return undefined;
}

/** Every field under `schema`, depth first, in declaration order. */
export function fields(schema: z.ZodTypeAny, prefix = ''): FieldDoc[] {
  const { inner } = unwrap(schema);
  const out: FieldDoc[] = [];
  const childrenOf = (t: z.ZodTypeAny, path: string): FieldDoc[] => {
    const u = unwrap(t).inner;
    if (isObject(u)) return fields(u, path);
    if (u instanceof z.ZodArray) return childrenOf(u._def.type, `${path}[]`);
    if (u instanceof z.ZodRecord) return childrenOf(u._def.valueType, `${path}.<${keyName(path)}>`);
    if (u instanceof z.ZodUnion)
      return (u._def.options as z.ZodTypeAny[]).flatMap((o) => (isObject(unwrap(o).inner) ? childrenOf(o, path) : []));
    return [];
  };
  if (!isObject(inner)) return out;
  for (const [key, t] of Object.entries(inner.shape as z.ZodRawShape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const u = unwrap(t);
    const { text, example } = splitExample(u.description);
    out.push({
      path,
      type: typeName(t),
      required: !u.optional,
      ...(u.default !== undefined && { default: show(u.default) }),
      ...((example ?? derivedExample(u)) !== undefined && { example: example ?? derivedExample(u) }),
      description: text,
    });
    out.push(...childrenOf(t, path));
  }
  return out;
}

/** The name a map's keys stand for, from the map's own field name: hosts -> host, pairs -> pair. */
function keyName(path: string): string {
  const last = path.split('.').pop()!.replace(/\[\]$/, '');
  if (last === 'priorities') return 'node';
  return last.endsWith('s') ? last.slice(0, -1) : 'name';
}

const cell = (s: string | undefined) => (s === undefined || s === '' ? '' : s.replace(/\|/g, '\\|').replace(/\n/g, ' '));
const code = (s: string | undefined) => (s === undefined || s === '' ? '' : `\`${s.replace(/`/g, "'")}\``);

/** The page: one table per top-level field, every row a field. */
export function inventoryReference(schema: z.ZodTypeAny, intro: string): string {
  const all = fields(schema);
  const tops = all.filter((f) => !f.path.includes('.'));
  const sections = tops.map((top) => {
    const rows = all.filter((f) => f.path === top.path || f.path.startsWith(`${top.path}.`) || f.path.startsWith(`${top.path}[]`));
    return [
      `### \`${top.path}\``,
      '',
      top.description || '',
      '',
      '| field | type | required | default | example | what it is |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (f) =>
          `| \`${f.path}\` | ${cell(f.type)} | ${f.required ? 'yes' : 'no'} | ${cell(code(f.default))} | ${cell(code(f.example))} | ${cell(f.description)} |`,
      ),
      '',
    ].join('\n');
  });
  return `${intro.trim()}\n\n${sections.join('\n')}`;
}

// Inventory problems as values: each names the file, line, column, field path, what is wrong
// and how to fix it. The CLI prints them as one block and exits 2.

export type PathKey = string | number;

/** Finds where a field path sits in the file, for messages. */
export interface Locator {
  file: string;
  at(path: readonly PathKey[], key?: boolean): { line: number; col: number };
}

export interface InventoryIssue {
  file: string;
  line: number;
  col: number;
  /** Field path like pairs.lab.instances[0].virtual_router_id */
  path: string;
  message: string;
  fix?: string;
}

export class InventoryError extends Error {
  constructor(readonly issues: InventoryIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InventoryError';
  }
}

/** One issue at a place in the file, or at its top when there is no better place. */
export function issueAt(
  locate: Locator | { file: string },
  path: readonly PathKey[],
  message: string,
  fix?: string,
  key = false,
): InventoryIssue {
  const at = 'at' in locate ? locate.at(path, key) : { line: 1, col: 1 };
  return { file: locate.file, ...at, path: formatPath(path), message, fix };
}

export function formatIssue(i: InventoryIssue): string {
  const where = `${printable(i.file)}:${i.line}:${i.col}`;
  const field = i.path ? ` ${printable(i.path)}:` : '';
  return `${where}:${field} ${printable(i.message)}${i.fix ? `\n    fix: ${printable(i.fix)}` : ''}`;
}

export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/**
 * Text from the inventory as a terminal may safely show it: control characters (escape
 * sequences, NUL, newlines) and lone surrogates become visible escapes, never raw bytes.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/gu, (c) => {
    if (c.length === 2) return c; // a valid surrogate pair, matched whole by /u
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

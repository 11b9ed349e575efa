// Inventory problems as values: each names the file, line, column, field path, what is wrong
// and how to fix it. The CLI prints them as one block and exits 2.

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

export function formatIssue(i: InventoryIssue): string {
  const where = `${i.file}:${i.line}:${i.col}`;
  const field = i.path ? ` ${i.path}:` : '';
  return `${where}:${field} ${i.message}${i.fix ? `\n    fix: ${i.fix}` : ''}`;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

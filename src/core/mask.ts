// Secret masking: the one place a secret value is replaced by a fixed mask, for diffs, messages
// and every byte the CLI writes while a command holds secrets.
export const MASK = '********';

/** `text` with every secret replaced by MASK (longest first, so a secret inside another is masked whole). */
export function maskText(text: string, secrets: string[]): string {
  const sorted = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return sorted.reduce((t, s) => t.split(s).join(MASK), text);
}

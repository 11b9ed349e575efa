// Secret masking, in the one place: a secret is replaced by a fixed mask where it is printed —
// by field where haops knows the field (auth_pass in a keepalived.conf diff), and in free text
// only when it is long enough to be told from ordinary text, as a whole word. A JSON document
// stays the same JSON: only its strings are masked, never a number, a key's quotes or a brace.
export const MASK = '********';

/**
 * Secrets shorter than this are never searched for in free text: "0" would mask every zero of a
 * timestamp (and show the secret by the pattern). VRRP passwords this short are refused; a
 * shorter sudo password is warned about (inventory/secrets.ts).
 */
export const MIN_MASKABLE = 4;
/** From this length a secret is masked wherever it occurs, even inside a longer word. */
const MASK_ANYWHERE = 8;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD = /[A-Za-z0-9]/;

/** The secrets free text is searched for: long enough, each once, longest first. */
export function maskable(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_MASKABLE))].sort((a, b) => b.length - a.length);
}

function pattern(secrets: readonly string[]): RegExp | undefined {
  const list = maskable(secrets);
  if (list.length === 0) return undefined;
  const alt = list.map((s) => {
    if (s.length >= MASK_ANYWHERE) return escapeRe(s);
    // A short secret only as a word of its own: "pw1x" is not masked inside "pw1xyz".
    const before = WORD.test(s[0]!) ? '(?<![A-Za-z0-9])' : '';
    const after = WORD.test(s[s.length - 1]!) ? '(?![A-Za-z0-9])' : '';
    return `${before}${escapeRe(s)}${after}`;
  });
  return new RegExp(alt.join('|'), 'g');
}

/** `text` with every maskable secret replaced by MASK (longest first, so a secret inside another is masked whole). */
export function maskText(text: string, secrets: readonly string[]): string {
  const re = pattern(secrets);
  return re ? text.replace(re, MASK) : text;
}

const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

/**
 * A JSON document's text with the secrets masked inside its strings only, so it parses to the
 * same shape; undefined when `text` is not one JSON document.
 */
export function maskJsonText(text: string, secrets: readonly string[]): string | undefined {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    JSON.parse(t);
  } catch {
    return undefined;
  }
  const re = pattern(secrets);
  if (!re) return text;
  return text.replace(JSON_STRING, (literal) => {
    const value = JSON.parse(literal) as string;
    const masked = value.replace(re, MASK);
    return masked === value ? literal : JSON.stringify(masked);
  });
}

/** What a terminal or a pipe receives: a JSON document masked as JSON, anything else as text. */
export function maskOutput(text: string, secrets: readonly string[]): string {
  return maskJsonText(text, secrets) ?? maskText(text, secrets);
}

/** keepalived.conf with every auth_pass value masked by field, whatever its length. */
export function maskConfigFields(text: string): string {
  return text.replace(/^(\s*auth_pass\s+)(\S+)/gm, (_, head: string) => `${head}${MASK}`);
}

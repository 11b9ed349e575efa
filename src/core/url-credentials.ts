// Credentials inside URLs (webhooks, SMS gateways, archive mirrors) are secrets: the password of
// `user:token@` (or the user, when it stands alone, as in `token@`), and the values of query keys
// that name a key, token or password. Found once here, for masking and for the node's log. Pure.
import { MASK } from './mask.js';

/** Query keys whose value is a credential (case-insensitive, `-` and `_` alike). */
const SECRET_QUERY_KEY =
  /^(api_?key|apikey|key|token|access_?token|auth|auth_?token|password|passwd|pass|pwd|secret|client_?secret|sig|signature|code)$/i;

export function isSecretQueryKey(key: string): boolean {
  return SECRET_QUERY_KEY.test(key.replaceAll('-', '_'));
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The userinfo part of an absolute URL, as written (no parsing that could normalise it away). */
function userinfo(url: string): string | null {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(url);
  return m ? m[1]! : null;
}

/** Every credential `url` carries, as written and percent-decoded (both forms can reach output). */
export function urlCredentials(url: string): string[] {
  const out: string[] = [];
  const add = (v: string) => {
    if (v === '') return;
    out.push(v);
    const d = decode(v);
    if (d !== v) out.push(d);
  };
  const ui = userinfo(url);
  if (ui !== null) {
    const colon = ui.indexOf(':');
    if (colon < 0) add(ui);
    else add(ui.slice(colon + 1));
  }
  const q = url.indexOf('?');
  if (q >= 0) {
    const query = url.slice(q + 1).replace(/#.*$/, '');
    for (const part of query.split(/[&;]/)) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      if (isSecretQueryKey(decode(part.slice(0, eq)))) add(part.slice(eq + 1));
    }
  }
  return [...new Set(out)];
}

/** `url` as it may be shown: each credential replaced by the mask, everything else kept. */
export function maskUrl(url: string): string {
  let out = url;
  const ui = userinfo(url);
  if (ui !== null) {
    const colon = ui.indexOf(':');
    const shown = colon < 0 ? MASK : `${ui.slice(0, colon)}:${MASK}`;
    out = out.replace(`${ui}@`, `${shown}@`);
  }
  const q = out.indexOf('?');
  if (q >= 0) out = out.slice(0, q + 1) + maskQuery(out.slice(q + 1));
  return out;
}

/** A query string (without `?`) with the value of every credential key masked. */
export function maskQuery(query: string): string {
  const hash = query.indexOf('#');
  const body = hash >= 0 ? query.slice(0, hash) : query;
  const tail = hash >= 0 ? query.slice(hash) : '';
  const masked = body
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq > 0 && part.length > eq + 1 && isSecretQueryKey(decode(part.slice(0, eq))) ? `${part.slice(0, eq + 1)}${MASK}` : part;
    })
    .join('&');
  return masked + tail;
}

/** A path-and-query (as an HTTP request line carries it) with credential values masked. */
export function maskRequestPath(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q + 1) + maskQuery(path.slice(q + 1));
}

/** Shorter than this, a credential cannot be masked without masking ordinary text along with it. */
export const MIN_URL_CREDENTIAL = 4;

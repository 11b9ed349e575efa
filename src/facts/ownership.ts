// Who could replace what keepalived runs as root: the notify script, its log, the check's
// program, and every directory above them must be root's and writable by root alone. One
// section of the facts round trip (protocol/ownership.ts), judged into a refusal with the fix. Pure.
import { shellQuote } from '../core/quote.js';
import { OWNERSHIP, type PathOwner } from '../protocol/ownership.js';
import { bind } from '../protocol/script.js';

export { OWN_MARK, parseOwnership, type PathOwner } from '../protocol/ownership.js';

/** The path and every directory above it, the path first. */
export function withAncestors(path: string): string[] {
  const out: string[] = [];
  let p = path.replace(/\/+$/, '');
  while (p && p !== '/') {
    out.push(p);
    p = p.slice(0, p.lastIndexOf('/')) || '/';
  }
  out.push('/');
  return out;
}

/** The absolute program a check runs, if it names one (`/usr/local/bin/chk args`). */
export function checkProgram(script: string): string | null {
  const first = script.trim().split(/\s+/)[0] ?? '';
  return first.startsWith('/') ? first : null;
}

/** The ownership question (protocol/ownership.ts) for these paths and every directory above them. */
export function ownershipScript(paths: string[]): string {
  return bind(OWNERSHIP, { PATHS: [...new Set(paths.flatMap(withAncestors))] });
}

/**
 * What lets a non-root user replace or rewrite a path: owned by another uid, or writable by group
 * or others. A sticky directory (like /tmp) higher up is fine if root owns it; the directory that
 * holds the file itself may not be world-writable even when sticky (a user could plant the file first).
 */
export function ownershipProblems(paths: string[], seen: Map<string, PathOwner>): { path: string; why: string }[] {
  const problems: { path: string; why: string }[] = [];
  const flagged = new Set<string>();
  for (const target of paths) {
    const chain = withAncestors(target);
    chain.forEach((p, depth) => {
      if (flagged.has(p)) return;
      const o = seen.get(p);
      if (!o) return;
      const via = seen.get(`${p} ->`);
      const why: string[] = [];
      if (o.uid !== 0) why.push(`owned by uid ${o.uid}`);
      if (o.type === 'link') {
        if (via && via.uid !== 0) why.push(`a link to something owned by uid ${via.uid}`);
        if (via && via.mode & 0o022) why.push(`a link to something group- or world-writable (mode ${via.mode.toString(8)})`);
      } else if (o.mode & 0o022) {
        const sticky = (o.mode & 0o1000) !== 0 && o.type === 'dir' && o.uid === 0 && depth > 1;
        if (!sticky) why.push(`${o.mode & 0o002 ? 'world' : 'group'}-writable (mode ${o.mode.toString(8)})`);
      }
      if (why.length) {
        flagged.add(p);
        problems.push({ path: p, why: why.join(', ') });
      }
    });
  }
  return problems;
}

/** The refusal deploy prints, with the commands that fix it; null when every path is root's alone. */
export function ownershipRefusal(host: string, problems: { path: string; why: string }[]): { message: string; hint: string } | null {
  if (problems.length === 0) return null;
  return {
    message: `refusing to deploy on ${host}: a non-root user could replace what keepalived runs as root: ${problems.map((p) => `${p.path} is ${p.why}`).join('; ')}`,
    hint: `on ${host}, as root: ${problems.map((p) => `chown root:root ${shellQuote(p.path)} && chmod go-w ${shellQuote(p.path)}`).join('; ')} (or move the notify script, log and check under root-owned directories)`,
  };
}

// Whether the tracked check can pass on the node, run the way keepalived runs it: the check proof
// (protocol/check-proof.ts) bound to the inventory's check and judged: refuse a deploy, or say why in status.
import type { CheckSpec } from '../inventory/schema.js';
import { checkScriptOf } from '../core/os-hints.js';
import { bind } from '../protocol/script.js';
import { CHECK_PROOF, checkProofValues, parseCheckProof as parseProof, SERVICE_PATH, type CheckProof } from '../protocol/check-proof.js';

export { CHECK_MARK, type CheckProof } from '../protocol/check-proof.js';

/** Where keepalived reads its configuration on every platform haops deploys to. */
export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

/**
 * The proof of the check: the command in the node's keepalived.conf when there is one (what
 * keepalived really runs), else the inventory's (`conf` ''), then keepalived's last line on it.
 */
export function checkProofScript(
  check: Pick<CheckSpec, 'name' | 'script'>,
  scriptUser?: string,
  conf = KEEPALIVED_CONF,
  /** Read keepalived's last line on the check (the journal is the slow part: deploy's first look skips it). */
  journal = true,
): string {
  return bind(CHECK_PROOF, checkProofValues(check.name, checkScriptOf(check), scriptUser, conf, journal));
}

export function parseCheckProof(check: Pick<CheckSpec, 'name' | 'script'>, text: string): CheckProof {
  return parseProof(check.name, checkScriptOf(check), text);
}

/** What is wrong with a check that fails while nginx runs, and how to fix it. */
export function checkProblem(p: CheckProof, host: string): string | null {
  if (p.ok !== false) return null;
  if (p.exit === null)
    return `check ${p.name} on ${host}: \`${p.command.split(' ')[0]}\` is not installed where keepalived looks for it (${SERVICE_PATH})`;
  const base = (s: string | null) => (s ?? '').split('/').pop();
  const renamed = p.path && p.realPath && base(p.path) !== base(p.realPath);
  const why = renamed
    ? `: ${p.path} is a link to ${p.realPath}, which keepalived runs under its own name (${base(p.realPath)}) — use \`killall -0 nginx\` (psmisc) or \`pgrep -x nginx\` instead`
    : '';
  return `check ${p.name} on ${host} fails while nginx runs (\`${p.command}\` run as keepalived runs it exits ${p.exit})${why}${p.log ? `; keepalived: ${p.log}` : ''}`;
}

/**
 * The effective priority keepalived should report when every check passes (base + positive
 * weight, clamped to 254; a negative weight only subtracts on failure; 255 is never changed).
 */
export function expectedPriority(base: number, weight: number): number {
  if (base >= 255) return 255;
  return Math.min(254, Math.max(1, base + Math.max(0, weight)));
}

/** Multi-call programs that pick their behaviour from the name they run under. */
const MULTI_CALL = /\/(killall5|busybox|toybox)$/;

/**
 * Deploy's judgement before keepalived.conf goes live: a problem (refuse, with the fix) or null.
 * `installing`: packages are still to be installed, so a missing command may yet arrive.
 */
export function proofRefusal(
  p: CheckProof,
  host: string,
  nginxRunning: boolean,
  installing: boolean,
): { message: string; hint: string } | null {
  const hint =
    'use a check that works when run as keepalived runs it, e.g. `check: { script: killall -0 nginx }` (psmisc) or `pgrep -x nginx`; test it with `haops status`';
  if (p.exit === null) return installing ? null : { message: checkProblem(p, host)!, hint };
  const base = (s: string | null) => (s ?? '').split('/').pop();
  const renamed = p.path && p.realPath && base(p.path) !== base(p.realPath);
  // keepalived's journal speaks of the check deployed now, not of the one about to be: left out.
  if (nginxRunning && p.ok === false) return { message: `refusing to deploy: ${checkProblem({ ...p, log: undefined }, host)}`, hint };
  if (!nginxRunning && renamed && MULTI_CALL.test(p.realPath!)) {
    return {
      message: `refusing to deploy check ${p.name} on ${host}: ${p.path} is a link to ${p.realPath}, which keepalived runs under its own name (${base(p.realPath)}), so \`${p.command}\` cannot pass`,
      hint,
    };
  }
  return null;
}

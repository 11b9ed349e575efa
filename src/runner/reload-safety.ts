// Deploys that reload lose nothing (docs/keepalive.md): how a node that holds a VIP takes a
// change that reloads or restarts nginx or keepalived. Pure: the decision from the plan; the
// drain itself is done by a guard the caller passes (src/switchover/deploy-guard.ts).
import type { Change } from '../core/state.js';
import type { Host } from '../ssh/host.js';

/**
 * - `in-place`: applied on the node as it is (it holds no VIP, or the change is proven harmless
 *   there: a keepalived reload keeps the VIP, 0 errors under wrk -c16 on the lab).
 * - `drained`: the node's VIPs move to its peer first (kept-alive clients told Connection: close),
 *   the change is applied, the VIPs come back (an nginx reload closes idle kept-alive connections
 *   at once, racing the clients' next request: 6-15 wrk errors per reload on the lab).
 */
export type ReloadWay = 'in-place' | 'drained';

export interface ReloadDecision {
  way: ReloadWay;
  /** What in the plan disturbs clients (`nginx reload`, `packages keepalived nginx`), or why none. */
  why: string;
}

/** What a guard did around one node's changes (the deploy report and --json carry it). */
export interface ReloadGuardReport extends ReloadDecision {
  /** Planned `drained` but applied in place (no drain hook yet, peer not in service): why. */
  fallback?: string;
  /** Connections cut when a hold ran out (0: every client moved on cleanly). */
  connectionsLeft?: number;
  /** Left drained (its changes failed): the command that puts it back. */
  leftDrained?: string;
}

/** Decides from a node's plan and the VIPs it holds. */
export function reloadDecision(changes: Change[], heldVips: string[]): ReloadDecision | null {
  const disturbing: string[] = [];
  for (const c of changes) {
    if (c.kind === 'handler' && c.service === 'nginx' && c.action !== 'daemon-reload') disturbing.push(`nginx ${c.action}`);
    if (c.kind === 'handler' && c.service === 'keepalived' && c.action === 'restart') disturbing.push('keepalived restart');
    if (c.kind === 'packages') {
      const ours = c.install.filter((p) => p === 'nginx' || p === 'keepalived');
      if (ours.length) disturbing.push(`packages ${ours.join(' ')}`);
    }
  }
  const keepalivedReload = changes.some((c) => c.kind === 'handler' && c.service === 'keepalived' && c.action === 'reload');
  if (!disturbing.length && !keepalivedReload) return null;
  if (!heldVips.length)
    return {
      way: 'in-place',
      why: `holds no VIP: ${[...disturbing, ...(keepalivedReload ? ['keepalived reload'] : [])].join(', ')} in place`,
    };
  if (!disturbing.length) return { way: 'in-place', why: 'keepalived reload keeps the VIP (measured: no client error)' };
  return { way: 'drained', why: `${disturbing.join(', ')} on the holder of ${heldVips.join(', ')}: its VIPs move to the peer first` };
}

/** Drains a node before its changes and undrains it after (the switchover's Drains). */
export interface ReloadGuard {
  /** Moves the node's VIPs to its peer; a string says why it could not (then the change goes in place). */
  drain(pair: string, node: string, hosts: Record<string, Host>): Promise<{ ok: true } | { ok: false; why: string }>;
  /** Brings them back; reports the holds. */
  undrain(pair: string, node: string, hosts: Record<string, Host>): Promise<{ connectionsLeft: number }>;
}

// The handoff of a move: the node taking the VIPs sends the packets of connections opened on the
// old holder on to it (nftables, protocol/handoff.ts) until the hold ends. Started before the VIPs
// move; its undo (end) reads how many packets it handed on.
import { randomBytes } from 'node:crypto';
import { hostIp6 } from '../inventory/cross-checks.js';
import { bind } from '../protocol/script.js';
import { HANDOFF, HANDOFF_MARK, UNHANDOFF, parseHandedOn, type HandoffAbility } from '../protocol/handoff.js';
import type { PairNodes } from './pair.js';

/** Whether the node taking the VIPs sent on the packets of connections opened on the old holder
 * (an nftables dup to the old holder, which still answers on lo), or why not. */
export interface Handoff {
  on: boolean;
  node: string;
  /** Why there was none: the fix the user can apply. */
  why?: string;
  /** Packets of the old holder's connections it sent on (read when the handoff ended). */
  packets?: number;
  /** On, but not for every VIP that moved: the IPv6 ones had none (NO_HANDOFF6). */
  note?: string;
}

/** What a move of IPv6 VIPs does without a handoff (the old holder has no ip6 in the inventory), said where a handoff would be reported. */
export const NO_HANDOFF6 =
  'no handoff for IPv6 (the old holder has no ip6 to send the packets on to): a connection to an IPv6 VIP caught by the move between its handshake and its request is reset';

function handoffWhy(node: string, f: HandoffAbility): string | undefined {
  if (f === 'yes') return undefined;
  return f === 'no-nft'
    ? `${node} has no nft: install nftables there (apt-get or dnf install nftables; CentOS 6/7 kernels lack its socket match); without it a connection caught by the move between its handshake and its request is reset`
    : `the kernel of ${node} has no nftables socket match (nft_socket): a connection caught by the move between its handshake and its request is reset`;
}

/** A handoff to load on a node (then running until ended): its report (packets filled in by
 * endHandoff), whether it covers IPv6, and the script that loads it. */
export interface RunningHandoff {
  handoff: Handoff;
  covers6: boolean;
  script: string;
}

/** The handoff `node` takes on for the VIPs `moving` from its peer (the old holder): a running
 * one to load, or the report of why there is none. */
export function planHandoff(nodes: PairNodes, node: string, moving: string[], can: HandoffAbility): RunningHandoff | Handoff {
  const why = nodes.opts.handoff === false ? 'off (--no-handoff)' : handoffWhy(node, can);
  if (why || !moving.length) return { on: false, node, ...(why ? { why } : {}) };
  // IPv4 VIPs in `table ip`; IPv6 ones in `table ip6`, sent on to the peer's ip6 (without one: none).
  const vips = moving.filter((v) => !v.includes(':'));
  const peer6 = hostIp6(nodes.model.hosts[nodes.peerOf(node)]!);
  const vips6 = peer6 ? moving.filter((v) => v.includes(':')) : [];
  const uncovered = moving.length - vips.length - vips6.length;
  if (!vips.length && !vips6.length) return { on: false, node, why: NO_HANDOFF6 };
  const script = bind(HANDOFF, {
    VIPS: vips,
    OLD_HOLDER: nodes.ip(nodes.peerOf(node)),
    VIPS6: vips6,
    OLD_HOLDER6: vips6.length ? peer6! : '',
    IFACE: nodes.pair.spec.interface,
    TOKEN: randomBytes(6).toString('hex'),
    LIFE_SECONDS: nodes.selfRemoveSeconds(),
  });
  return {
    handoff: { on: true, node, ...(uncovered ? { note: `IPv4 VIPs only: ${NO_HANDOFF6}` } : {}) },
    covers6: vips6.length > 0,
    script,
  };
}

export const isRunning = (h: RunningHandoff | Handoff): h is RunningHandoff => 'script' in h;

/** Loads a planned handoff: its report when nft took the rules, else why not. */
export async function loadHandoff(nodes: PairNodes, h: RunningHandoff): Promise<Handoff> {
  const node = h.handoff.node;
  const r = await nodes.host(node).exec(h.script, { timeoutMs: 10_000 });
  if (r.stdout.includes(HANDOFF_MARK)) return h.handoff;
  return { on: false, node, why: `nft on ${node} refused the handoff rules: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}` };
}

/** Ends a running handoff, noting the packets it handed on in its report. */
export async function endHandoff(nodes: PairNodes, h: RunningHandoff): Promise<void> {
  const r = await nodes
    .host(h.handoff.node)
    .exec(bind(UNHANDOFF, {}), { timeoutMs: 10_000 })
    .catch(() => null);
  const n = r ? parseHandedOn(r.stdout) : null;
  if (n !== null) h.handoff.packets = n;
}

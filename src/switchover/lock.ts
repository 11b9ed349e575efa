// The pair's drain lock: two haops processes never decide on the same pair at once, so they
// cannot drain both nodes. Held on the pair's first node for a few round trips.
import { randomBytes } from 'node:crypto';
import { bind } from '../protocol/script.js';
import { LOCK, LOCK_PAIR, UNLOCK_PAIR, parseLocked } from '../protocol/drain-lock.js';
import { SwitchoverRefused, sleep, type PairNodes } from './pair.js';

/** Holds the pair's drain lock while `work` runs, and releases it on every exit. Waits up to 25 s. */
export async function withPairLock<T>(nodes: PairNodes, work: () => Promise<T>): Promise<T> {
  const lockHost = nodes.host(nodes.pair.nodes[0]);
  const token = randomBytes(6).toString('hex');
  // A lock is held for a few round trips; one older than 20 s belongs to a haops that vanished.
  const until = Date.now() + 25_000;
  for (;;) {
    const r = await lockHost.exec(bind(LOCK_PAIR, { TOKEN: token, STALE_SECONDS: 20 }), { timeoutMs: 10_000 });
    if (parseLocked(r.stdout)) break;
    if (Date.now() > until)
      throw new SwitchoverRefused(
        `another haops is draining or undraining a node of pair ${nodes.pair.name} (lock ${LOCK} on ${nodes.pair.nodes[0]}, ${r.stdout.trim() || 'held'})`,
        'wait for it to finish, then run this again; a lock older than 20 s is taken over',
      );
    await sleep(300);
  }
  try {
    return await work();
  } finally {
    await lockHost.exec(bind(UNLOCK_PAIR, { TOKEN: token }), { timeoutMs: 10_000 }).catch(() => undefined);
  }
}

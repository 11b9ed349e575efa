// The pair's drain lock: one drain or undrain at a time per pair, across haops processes. A
// directory made atomically on the pair's first node holds the owner's token and the time.
import { nodeScript } from './script.js';

export const LOCK = '/var/lib/haops/drain.lock';
export const LOCKED_MARK = '@@haops-locked@@';

/** Takes the lock for TOKEN; one older than STALE_SECONDS is taken over (its haops vanished).
 * Prints LOCKED_MARK, or `held AGE` when another run holds it. */
export const LOCK_PAIR = nodeScript(
  'lock',
  { TOKEN: 'tok1', STALE_SECONDS: 20 },
  `mkdir -p /var/lib/haops
if mkdir ${LOCK} 2>/dev/null; then echo "$TOKEN $(date +%s)" > ${LOCK}/owner; echo ${LOCKED_MARK}
else since=; read -r _ since 2>/dev/null < ${LOCK}/owner; age=$(( $(date +%s) - \${since:-0} ))
  if [ "$age" -gt "$STALE_SECONDS" ]; then echo "$TOKEN $(date +%s)" > ${LOCK}/owner; echo ${LOCKED_MARK}; else echo "held $age"; fi
fi`,
);

/** Releases the lock, only if TOKEN still owns it. */
export const UNLOCK_PAIR = nodeScript(
  'unlock',
  { TOKEN: 'tok1' },
  `[ "$(cut -d' ' -f1 ${LOCK}/owner 2>/dev/null)" = "$TOKEN" ] && rm -rf ${LOCK}; true`,
);

export const parseLocked = (stdout: string): boolean => stdout.includes(LOCKED_MARK);

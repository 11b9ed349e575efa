// The drill's faults on the holder of a VIP and their restores: stop or kill nginx, stop
// keepalived, isolate the node. Each fault (but isolation) first prints the node's clock, so the
// failover is timed from the fault on the node; faultStamp reads it.
import { nodeScript } from './script.js';
import { SERVICE_FUNCTIONS } from './service.js';

export const FAULTS = ['nginx-stop', 'nginx-kill', 'keepalived-stop', 'node-isolate'] as const;
export type FaultKind = (typeof FAULTS)[number];

/** The node's clock in nanoseconds, printed by every fault command just before it breaks anything. */
export const T0_MARK = '@@haops-t0 ';
/** node-isolate waits this long on the node (its self-heal armed) before it cuts the link. */
export const ISOLATE_ARM_SECONDS = 0.2;

/** The fault FAULT on this node. node-isolate heals itself even if haops vanishes: the restore
 * (IFACE up after ISOLATE_SECONDS) is armed before the cut. */
export const DRILL_FAULT = nodeScript(
  'drill fault',
  { FAULT: 'node-isolate', IFACE: 'eth0', ISOLATE_SECONDS: 8 },
  `${SERVICE_FUNCTIONS}
stamp() { date +'${T0_MARK}%s%N'; }
case $FAULT in
  nginx-stop) stamp; service_action stop nginx ;;
  nginx-kill) stamp; pkill -9 -x nginx || killall -9 nginx ;;
  keepalived-stop) stamp; service_action stop keepalived ;;
  node-isolate) nohup sh -c 'sleep "$1"; ip link set "$2" up' sh "$ISOLATE_SECONDS" "$IFACE" >/dev/null 2>&1 </dev/null & sleep ${ISOLATE_ARM_SECONDS}; ip link set "$IFACE" down ;;
  *) echo "unknown fault: $FAULT" >&2; exit 2 ;;
esac`,
);

/** Undoes the fault FAULT: the service started again, or the link up. */
export const DRILL_RESTORE = nodeScript(
  'drill restore',
  { FAULT: 'node-isolate', IFACE: 'eth0' },
  `${SERVICE_FUNCTIONS}
case $FAULT in
  nginx-stop|nginx-kill) service_action start nginx ;;
  keepalived-stop) service_action start keepalived ;;
  node-isolate) ip link set "$IFACE" up ;;
  *) echo "unknown fault: $FAULT" >&2; exit 2 ;;
esac`,
);

/** The node-clock time (ms) a fault printed, or null. */
export function faultStamp(stdout: string): number | null {
  const m = new RegExp(`^${T0_MARK}(\\d{10,})$`, 'm').exec(stdout);
  return m ? Number(m[1]) / 1e6 : null;
}

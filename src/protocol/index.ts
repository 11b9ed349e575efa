// The protocol room: every script haops runs on a node or writes onto one, each an asset
// (protocol/script.ts) with the parser of what it prints. SCRIPTS lists them all: the shellcheck
// test lints each one bound to its example values. A new script is added here, or it is not linted.

import { BRIDGE, CONNECTIONS, UNBRIDGE } from './bridge.js';
import { DRILL_FAULT, DRILL_RESTORE } from './drill-fault.js';
import { ADDRESSES, BRIDGE_BACK, DRAIN, DRAIN_FACTS, KEEP, UNDRAIN } from './drain.js';
import { DRAIN_HOOK, DRAINED } from './drain-flag.js';
import { LOCK_PAIR, UNLOCK_PAIR } from './drain-lock.js';
import { HANDOFF, UNHANDOFF } from './handoff.js';
import { NOTIFY, NOTIFY_WRAPPER } from './notify.js';
import { APT_INSTALL } from './packages.js';
import { PUT } from './put.js';
import { SERVICE } from './service.js';
import { ADDRESS_MONITOR, NODE_CLOCK, NODE_MAC, NOTIFY_LOG_TAIL, STAMPED_ADDRESS_MONITOR } from './watch.js';
import type { NodeScript } from './script.js';

export const SCRIPTS: readonly NodeScript[] = [
  // what deploy writes onto a node and runs there (src/ops, src/render)
  NOTIFY,
  NOTIFY_WRAPPER,
  PUT,
  APT_INSTALL,
  SERVICE,
  // drain, undrain and switchover (src/switchover)
  DRAIN_FACTS,
  DRAIN,
  KEEP,
  UNDRAIN,
  ADDRESSES,
  DRAIN_HOOK,
  DRAINED,
  LOCK_PAIR,
  UNLOCK_PAIR,
  BRIDGE,
  BRIDGE_BACK,
  UNBRIDGE,
  CONNECTIONS,
  HANDOFF,
  UNHANDOFF,
  // the drill (src/drill)
  DRILL_FAULT,
  DRILL_RESTORE,
  // what a measured move reads besides (src/drill, src/switchover)
  NODE_CLOCK,
  NODE_MAC,
  ADDRESS_MONITOR,
  STAMPED_ADDRESS_MONITOR,
  NOTIFY_LOG_TAIL,
];

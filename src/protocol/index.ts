// The protocol room: every script haops runs on a node or writes onto one, each an asset
// (protocol/script.ts) with the parser of what it prints. SCRIPTS lists them all: the shellcheck
// test lints each one bound to its example values. A new script is added here, or it is not linted.

import { BRIDGE, CONNECTIONS, UNBRIDGE } from './bridge.js';
import { CHECK_PROOF } from './check-proof.js';
import { CLIENT_PROBE } from './client-probe.js';
import { CONTENTS } from './contents.js';
import { DRAIN_HOOK, DRAINED } from './drain-flag.js';
import { LOCK_PAIR, UNLOCK_PAIR } from './drain-lock.js';
import { ADDRESSES, BRIDGE_BACK, DRAIN, DRAIN_FACTS, KEEP, UNDRAIN } from './drain.js';
import { DRILL_FAULT, DRILL_RESTORE } from './drill-fault.js';
import { FACTS } from './facts.js';
import { HANDOFF, UNHANDOFF } from './handoff.js';
import { IMPORT_READ } from './import-read.js';
import { NGINX_RELOAD } from './nginx-reload.js';
import { NOTIFY_TEST } from './notify-test.js';
import { NOTIFY, NOTIFY_WRAPPER } from './notify.js';
import { OWNERSHIP } from './ownership.js';
import { APT_INSTALL } from './packages.js';
import { PROBE_LOOP } from './probe-loop.js';
import { PUT } from './put.js';
import { SERVICE } from './service.js';
import { NGINX_AGAIN, SERVED_CERTS, STATE_DUMP, STATUS } from './status.js';
import { UPSTREAMS } from './upstreams.js';
import { VIP_PROBE } from './vip.js';
import {
  ADDRESS_MONITOR,
  KEEPALIVED_LOG_FOLLOW,
  KEEPALIVED_TARGET,
  NODE_CLOCK,
  NODE_MAC,
  NOTIFY_LOG_FOLLOW,
  NOTIFY_LOG_TAIL,
  REMOVE_NOTIFY_TOKEN,
  STAMPED_ADDRESS_MONITOR,
  WRITE_NOTIFY_TOKEN,
} from './watch.js';
import type { NodeScript } from './script.js';

export const SCRIPTS: readonly NodeScript[] = [
  // what deploy, status and import read on a node (src/facts, src/runner, src/status, src/import, src/notify)
  FACTS,
  CONTENTS,
  OWNERSHIP,
  CHECK_PROOF,
  UPSTREAMS,
  VIP_PROBE,
  STATUS,
  STATE_DUMP,
  NGINX_AGAIN,
  SERVED_CERTS,
  IMPORT_READ,
  NOTIFY_TEST,
  CLIENT_PROBE,
  PROBE_LOOP,
  // what deploy writes onto a node and runs there (src/ops, src/render)
  NOTIFY,
  NOTIFY_WRAPPER,
  PUT,
  APT_INSTALL,
  NGINX_RELOAD,
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
  KEEPALIVED_TARGET,
  WRITE_NOTIFY_TOKEN,
  REMOVE_NOTIFY_TOKEN,
  // the soak (src/soak)
  KEEPALIVED_LOG_FOLLOW,
  NOTIFY_LOG_FOLLOW,
] as NodeScript[];

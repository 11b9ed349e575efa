// The protocol room: every script haops runs on a node or writes onto one, each an asset
// (protocol/script.ts) with the parser of what it prints. SCRIPTS lists them all: the shellcheck
// test lints each one bound to its example values. A new script is added here, or it is not linted.

import { CHECK_PROOF } from './check-proof.js';
import { CLIENT_PROBE } from './client-probe.js';
import { CONTENTS } from './contents.js';
import { FACTS } from './facts.js';
import { IMPORT_READ } from './import-read.js';
import { NOTIFY_TEST } from './notify-test.js';
import { OWNERSHIP } from './ownership.js';
import { PROBE_LOOP } from './probe-loop.js';
import { NGINX_AGAIN, SERVED_CERTS, STATE_DUMP, STATUS } from './status.js';
import { UPSTREAMS } from './upstreams.js';
import { VIP_PROBE } from './vip.js';
import type { NodeScript } from './script.js';

export const SCRIPTS: readonly NodeScript[] = [
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
] as NodeScript[];

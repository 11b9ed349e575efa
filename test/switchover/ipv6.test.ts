// A switchover of an IPv6 VIP (issue 26): without the old holder's ip6 an IPv6 VIP moves without
// a handoff, and says so (test/protocol/handoff.test.ts: the ip6 rules; test/protocol/drain.test.ts
// and bridge.test.ts: IPv6 addresses read, bridged as a /128, counted as ss prints them).
import { describe, expect, it } from 'vitest';
import { NO_HANDOFF6 } from '../../src/switchover/handoff.js';

describe('switchover with an IPv6 VIP', () => {
  it('says why an IPv6 VIP moves without a handoff (no ip6 for the old holder)', () => {
    expect(NO_HANDOFF6).toMatch(/no handoff for IPv6 \(the old holder has no ip6/);
  });
});

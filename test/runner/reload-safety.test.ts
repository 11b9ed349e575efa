// Which way a reloading change reaches a node: the pure decision deploy takes from the plan.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/state.js';
import { reloadDecision } from '../../src/runner/reload-safety.js';

const nginxReload: Change = { kind: 'handler', service: 'nginx', action: 'reload' };
const kaReload: Change = { kind: 'handler', service: 'keepalived', action: 'reload' };
const kaRestart: Change = { kind: 'handler', service: 'keepalived', action: 'restart' };

describe('reload decision', () => {
  it('an nginx reload on the VIP holder drains it first', () => {
    expect(reloadDecision([nginxReload], ['10.0.0.100'])?.way).toBe('drained');
  });
  it('a keepalived restart or a package upgrade on the holder drains it first', () => {
    expect(reloadDecision([kaRestart], ['10.0.0.100'])?.way).toBe('drained');
    expect(reloadDecision([{ kind: 'packages', install: ['nginx'] }], ['10.0.0.100'])?.way).toBe('drained');
  });
  it('a keepalived reload stays in place on the holder (measured harmless); anything on a node without a VIP too', () => {
    expect(reloadDecision([kaReload], ['10.0.0.100'])?.way).toBe('in-place');
    expect(reloadDecision([nginxReload, kaRestart], [])?.way).toBe('in-place');
  });
  it('a plan that reloads nothing has no decision', () => {
    expect(
      reloadDecision(
        [
          { kind: 'start', service: 'nginx' },
          { kind: 'packages', install: ['curl'] },
        ],
        ['10.0.0.100'],
      ),
    ).toBeNull();
  });
});

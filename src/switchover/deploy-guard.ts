// The drain a deploy puts around a VIP holder's reloading change (src/runner/reload-guard.ts):
// the switchover's own drain and undrain, with their bridge, handoff, Connection: close and hold.
import type { Model } from '../model/derive.js';
import type { ReloadGuard } from '../runner/reload-safety.js';
import type { Host } from '../ssh/host.js';
import { PairNodes, SwitchoverRefused } from './pair.js';
import { Drains } from './drain.js';

/** A deploy's drain lifts itself if haops vanishes: long enough for a package upgrade. */
export const DEPLOY_DRAIN_LEASE_SECONDS = 600;

export function deployGuard(model: Model, inventory: string, log: (s: string) => void = () => {}): ReloadGuard {
  const ops = new Map<string, Drains>();
  const opsFor = (pair: string, hosts: Record<string, Host>) => {
    const p = model.pairs.find((x) => x.name === pair)!;
    const o = new Drains(new PairNodes(p, model, hosts, { log, inventory }));
    ops.set(pair, o);
    return o;
  };
  return {
    async drain(pair, node, hosts) {
      const o = opsFor(pair, hosts);
      try {
        const r = await o.drain(node, { leaseSeconds: DEPLOY_DRAIN_LEASE_SECONDS });
        if (r.alreadyDrained) return { ok: false, why: `${node} is drained already: it holds no VIP` };
        return { ok: true };
      } catch (e) {
        await o.undo();
        if (e instanceof SwitchoverRefused) return { ok: false, why: `drain refused: ${e.message}` };
        return { ok: false, why: `drain failed: ${(e as Error).message}` };
      }
    },
    async undrain(pair, node, hosts) {
      const o = ops.get(pair) ?? opsFor(pair, hosts);
      const r = await o.undrain(node);
      return { connectionsLeft: r.hold?.connectionsLeft ?? 0 };
    },
  };
}

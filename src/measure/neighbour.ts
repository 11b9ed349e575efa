// Gratuitous ARP as this machine sees it: `ip -ts monitor neigh` on the VIP's entry. A flip to the
// new holder's MAC with no probe of ours in between means the new holder announced itself.
import { spawn, type ChildProcess } from 'node:child_process';

interface NeighEvent {
  at: number;
  mac: string | null;
  state: string;
}

export class NeighbourWatch {
  private events: NeighEvent[] = [];

  private constructor(
    private readonly child: ChildProcess,
    vip: string,
  ) {
    let buf = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = new RegExp(
          `(?:^|\\s)${vip.replaceAll('.', '\\.')} dev \\S+(?: lladdr ([0-9a-f:]{17}))?.*?\\b(REACHABLE|STALE|DELAY|PROBE|INCOMPLETE|FAILED|PERMANENT|NOARP)?\\s*$`,
        ).exec(line);
        if (m) this.events.push({ at: Date.now(), mac: m[1] ?? null, state: m[2] ?? '' });
      }
    });
  }

  /** null when this machine cannot watch (not Linux, no iproute2). */
  static start(vip: string): NeighbourWatch | null {
    if (process.platform !== 'linux') return null;
    try {
      const child = spawn('ip', ['-ts', 'monitor', 'neigh'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.on('error', () => undefined);
      return new NeighbourWatch(child, vip);
    } catch {
      return null;
    }
  }

  /**
   * When this machine's entry for the VIP changed from another MAC to `mac`. `before`: the MAC
   * the entry held when watching began (an unchanged entry shows no line; without it, the first
   * sighting is no change).
   */
  flipsTo(mac: string, before: string | null = null): number[] {
    const out: number[] = [];
    let last: string | null = before;
    for (const e of this.events) {
      if (e.mac && last !== null && e.mac !== last && e.mac === mac) out.push(e.at);
      if (e.mac) last = e.mac;
    }
    return out;
  }

  movedTo(mac: string, arrivedAt: number, windowMs: number): boolean {
    const flip = this.events.find((e) => e.mac === mac && e.at >= arrivedAt - 200 && e.at <= arrivedAt + windowMs);
    if (!flip) return false;
    // An ARP request of ours would show the entry probing before the new MAC.
    return !this.events.some((e) => e.at >= arrivedAt - 200 && e.at < flip.at && (e.state === 'PROBE' || e.state === 'INCOMPLETE'));
  }

  stop(): void {
    this.child.kill();
  }
}

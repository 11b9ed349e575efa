// How to move a VIP on purpose, compared by numbers on the lab (issue #13, step 1). Needs the lab
// up, deployed, and keepalived.conf on both nodes of the first pair carrying the drain track_file
// (`track_file haops_drain { file "/var/lib/haops/drain"; weight 0 }`). Prints one line a move.
//   HAOPS_LAB_ID=N node --import tsx bench/switchover-mechanisms.ts [mechanism ...] [--rounds N]
import { hostConnections } from '../src/nodes/connector.js';
import { loadModelAndWarn } from '../src/cli/load.js';
import { SwitchoverProbe } from '../src/switchover/probe.js';
import type { Host } from '../src/ssh/host.js';

const FLAG = '/var/lib/haops/drain';
const drainCmd = `mkdir -p /var/lib/haops && echo 1 > ${FLAG}.tmp && mv -f ${FLAG}.tmp ${FLAG}`;
const undrainCmd = `rm -f ${FLAG}`;

type Step = (h: { from: Host; to: Host; vip: string; prefix: string; iface: string; inst: string }) => {
  move: () => Promise<unknown>;
  afterMove?: () => Promise<unknown>;
  back: () => Promise<unknown>;
};

const MECHANISMS: Record<string, Step> = {
  // The holder goes FAULT: priority-0 advert, VIP released at once, peer takes over after its skew.
  'track-file': ({ from }) => ({ move: () => from.exec(drainCmd), back: () => from.exec(undrainCmd) }),
  // The same, but the holder keeps answering for the VIP on lo until the peer holds it.
  'track-file+bridge': ({ from, vip }) => ({
    move: () => from.exec(`ip addr add ${vip}/32 dev lo 2>/dev/null; ${drainCmd}`),
    afterMove: () => from.exec(`sleep 0.5; ip addr del ${vip}/32 dev lo`),
    back: () => from.exec(undrainCmd),
  }),
  // Stop keepalived on the holder (the drill's keepalived-stop): priority-0 advert too.
  'keepalived-stop': ({ from }) => ({
    move: () => from.exec('systemctl stop keepalived'),
    back: () => from.exec('systemctl start keepalived'),
  }),
  // Raise the peer above the holder and reload it: no priority-0 advert, the peer waits out its timer.
  'peer-priority+reload': ({ to, inst }) => ({
    move: () =>
      to.exec(
        `cp /etc/keepalived/keepalived.conf /root/kc.bak && awk -v i=${inst} '$1=="vrrp_instance"{cur=$2} cur==i && $1=="priority"{$0="    priority 250"} {print}' /root/kc.bak > /etc/keepalived/keepalived.conf && systemctl reload keepalived`,
      ),
    back: () => to.exec('cp /root/kc.bak /etc/keepalived/keepalived.conf && systemctl reload keepalived'),
  }),
};

const args = process.argv.slice(2);
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? Number(args.splice(ri, 2)[1]) : 3;
const chosen = args.length ? args : Object.keys(MECHANISMS);
const file = 'inventory/lab.yaml';
const { inventory, model } = loadModelAndWarn(file);
const pair = model.pairs[0]!;
const inst = pair.instances[0]!;
const vip = inst.vip;
const conn = hostConnections(inventory, file, {}, model.secrets, model.sudo);
const from = await conn.get(inst.master);
const to = await conn.get(inst.backup);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(probe: SwitchoverProbe, node: string, t: number, ms = 20_000): Promise<number | null> {
  while (Date.now() < t + ms) {
    if (probe.answeredBy(node, t)) return Date.now() - t;
    await sleep(10);
  }
  return null;
}

for (const name of chosen) {
  for (let r = 1; r <= rounds; r++) {
    const m = MECHANISMS[name]!({ from, to, vip, prefix: inst.vips[0]!.written, iface: pair.spec.interface, inst: inst.spec.name });
    const probe = new SwitchoverProbe(vip, pair.spec.nginx.listen);
    probe.start();
    await sleep(500);
    const t0 = Date.now();
    await m.move();
    const moved = await until(probe, inst.backup, t0);
    await m.afterMove?.();
    await sleep(1500);
    const t1 = Date.now();
    await m.back();
    const back = await until(probe, inst.master, t1);
    await sleep(2500);
    await probe.stop();
    const f = probe.figures(t0);
    console.log(
      JSON.stringify({
        mechanism: name,
        round: r,
        switchoverSeconds: moved === null ? null : moved / 1000,
        switchbackSeconds: back === null ? null : back / 1000,
        ...f,
      }),
    );
    await sleep(1000);
  }
}
await conn.closeAll();

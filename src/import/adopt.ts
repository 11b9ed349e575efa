// From what the nodes run to the inventory that reproduces it: nodes grouped into pairs by their
// unicast peers and VRIDs, each pair's instances, check, notify and nginx site; the VIP's current
// holder named master (so the first deploy moves nothing); secrets kept out; everything the
// inventory cannot say listed with node, file and line. Pure.
import { addressOf, contains, ipToNumber, numberToIp, maskOf, parseNetwork } from '../core/ipv4.js';
import { UsageError } from '../core/errors.js';
import { nameProblem, vrrpPasswordProblem } from '../inventory/rules.js';
import type { KaInstance, KaScript } from './keepalived-model.js';
import { frontingServer, type NginxModel, type NgServer } from './nginx-conf.js';
import { SITE_NAME_RE } from '../inventory/schema.js';
import { KEEPALIVED_MAIN, type NodeReading } from './read.js';

/** How import reached a node: what the written inventory's hosts: entry says. */
export interface ImportTarget {
  name: string;
  address: string;
  user?: string;
  port?: number;
  identityFile?: string;
  jump?: string;
  sudo?: boolean;
}

export interface Finding {
  node: string;
  file: string;
  line: number;
  what: string;
  handling: string;
}

export interface SecretOut {
  pair: string;
  instance: string;
  value: string;
  /** Where the inventory reads it: a file beside it, or an environment variable. */
  file?: string;
  env?: string;
}

export interface AdoptedPair {
  name: string;
  nodes: [string, string];
  /** Per instance: who holds its VIP now (null: nobody). */
  holders: Record<string, string | null>;
  /** Files the first deploy moves aside (nginx sites that would clash with haops' site). */
  moveAside: Record<string, string[]>;
}

export interface ImportResult {
  inventory: Record<string, unknown>;
  findings: Finding[];
  secrets: SecretOut[];
  pairs: AdoptedPair[];
}

export interface BuildOptions {
  /** password_file (default) or password_env. */
  secrets: 'file' | 'env';
  /** password_file paths are `${secretPrefix}${pair}.${instance}.vrrp-password`, relative to the inventory. */
  secretPrefix: string;
}

const CHECK_SCRIPT_RE = /^[A-Za-z0-9_./][A-Za-z0-9_./-]*( [A-Za-z0-9_./-]+)*$/;
const WRITEUP_NOTIFY = ['notify_master', 'notify_backup', 'notify_fault', 'notify'] as const;
/** haops' own notify script when the user's cannot be replaced by it (it does more than log). */
export const HAOPS_NOTIFY = '/usr/local/bin/haops_notify.sh';

/** A name the inventory accepts: as given when it passes, else letters, digits, _ . - with a letter first. */
export function safeName(raw: string, fallback: string): string {
  if (!nameProblem(raw)) return raw;
  const s = raw
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, 63);
  return s && !nameProblem(s) ? s : fallback;
}

/** Every IPv4 address a node answers on (its interfaces and the unicast_src_ip it names). */
function nodeIps(r: NodeReading): Set<string> {
  const ips = new Set(r.addresses.map((a) => a.address));
  for (const i of r.keepalived.instances) if (i.unicastSrcIp) ips.add(i.unicastSrcIp);
  return ips;
}

function holds(r: NodeReading, vip: string): boolean {
  return r.addresses.some((a) => a.address === vip);
}

/** The node's own address on the instance's LAN: unicast_src_ip, else the interface's first non-VIP address. */
function lanAddress(r: NodeReading, i: KaInstance): { address: string; prefix: number } | null {
  const vips = new Set(r.keepalived.instances.flatMap((x) => x.vips.map((v) => v.address)));
  const own = r.addresses.filter((a) => !vips.has(a.address) && (!i.interface || a.dev === i.interface));
  const src = i.unicastSrcIp ? r.addresses.find((a) => a.address === i.unicastSrcIp) : undefined;
  const pick = src ?? own[0];
  if (pick) return { address: pick.address, prefix: pick.prefix };
  return i.unicastSrcIp ? { address: i.unicastSrcIp, prefix: 24 } : null;
}

/**
 * Pairs: two nodes belong together when one has an instance whose VRID the other also runs and
 * whose unicast peers name the other (multicast: the same VRID on the same subnet). Every group
 * found must have exactly two nodes.
 */
export function groupPairs(readings: NodeReading[]): NodeReading[][] {
  const parent = readings.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  readings.forEach((a, ai) => {
    for (const ia of a.keepalived.instances) {
      readings.forEach((b, bi) => {
        if (ai === bi) return;
        const ib = b.keepalived.instances.find((x) => x.vrid === ia.vrid && x.interface !== undefined);
        if (!ib) return;
        const peers = ia.unicastPeers;
        const linked = peers.length
          ? peers.some((p) => nodeIps(b).has(p))
          : (() => {
              const la = lanAddress(a, ia);
              const lb = lanAddress(b, ib);
              return !!la && !!lb && contains(parseNetwork(`${la.address}/${la.prefix}`), ipToNumber(lb.address));
            })();
        if (linked) parent[find(ai)] = find(bi);
      });
    }
  });
  const groups = new Map<number, NodeReading[]>();
  readings.forEach((r, i) => {
    groups.set(find(i), [...(groups.get(find(i)) ?? []), r]);
  });
  const out = [...groups.values()];
  for (const g of out) {
    if (g.length === 2) continue;
    const names = g.map((r) => r.name).join(', ');
    if (g.length === 1) {
      const r = g[0]!;
      const what = r.keepalived.instances.length
        ? `its instances (${r.keepalived.instances.map((i) => `${i.name} VRID ${i.vrid}${i.unicastPeers.length ? ` peers ${i.unicastPeers.join(' ')}` : ''}`).join('; ')}) name none of the other hosts`
        : `it has no vrrp_instance in ${KEEPALIVED_MAIN}${r.conf.files.length ? '' : ' (the file is missing)'}`;
      throw new UsageError(
        `${r.name} has no peer among the hosts given: ${what}`,
        'import both nodes of each pair (haops import NODE1 NODE2)',
      );
    }
    throw new UsageError(
      `${names} are linked by their VRRP peers and VRIDs into a group of ${g.length}, not a pair`,
      'haops manages pairs of two nodes: import each pair on its own',
    );
  }
  return out;
}

const networkOf = (address: string, prefix: number) => `${numberToIp((ipToNumber(address) & maskOf(prefix)) >>> 0)}/${prefix}`;

/** The write-up's notify script: it only writes lines to one log file (haops' own does that and more). */
export function writeupNotifyLog(script: string): string | null {
  let log: string | null = null;
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^logfile=["']?([^"'\s]+)["']?$/.exec(line);
    if (m) {
      log = m[1]!;
      continue;
    }
    if (/^echo\b.*>>\s*"?\$\{?logfile\}?"?\s*$/.test(line)) continue;
    return null;
  }
  return log;
}

function finding(node: string, at: { file: string; line: number }, what: string, handling: string): Finding {
  return { node, file: at.file, line: at.line, what, handling };
}

function buildPair(
  pairReadings: [NodeReading, NodeReading],
  hostName: (r: NodeReading) => string,
  opts: BuildOptions,
  taken: Set<string>,
  findings: Finding[],
  secrets: SecretOut[],
): { name: string; spec: Record<string, unknown>; adopted: AdoptedPair } {
  const [a, b] = pairReadings;
  const names: [string, string] = [hostName(a), hostName(b)];
  const note = (r: NodeReading, at: { file: string; line: number }, what: string, handling: string) =>
    findings.push(finding(r.name, at, what, handling));
  // Instances by VRID, as both nodes run them; one a node lacks is listed and left out.
  const vrids = [...new Set(a.keepalived.instances.map((i) => i.vrid))].filter((v): v is number => v !== undefined);
  const first = a.keepalived.instances[0]!;
  const pairName = (() => {
    let n = safeName(first.name.toLowerCase(), 'pair');
    for (let k = 2; taken.has(n); k++) n = `${safeName(first.name.toLowerCase(), 'pair')}${k}`;
    taken.add(n);
    return n;
  })();
  const iface = first.interface ?? 'eth0';
  const lan = lanAddress(a, first);
  const subnet = lan ? networkOf(lan.address, lan.prefix) : '0.0.0.0/0';
  const instances: Record<string, unknown>[] = [];
  const holders: Record<string, string | null> = {};
  const trackNames = new Set<string>();
  for (const vrid of vrids) {
    const ia = a.keepalived.instances.find((i) => i.vrid === vrid)!;
    const ib = b.keepalived.instances.find((i) => i.vrid === vrid);
    if (!ib) {
      note(a, ia.at, `vrrp_instance ${ia.name} (VRID ${vrid}) has no counterpart on ${b.name}`, 'left out: an instance needs both nodes');
      continue;
    }
    if (ia.interface !== iface)
      note(a, ia.at, `vrrp_instance ${ia.name} runs on ${ia.interface}, not ${iface}`, `written on ${iface}: a pair has one interface`);
    const vip = ia.vips[0];
    if (!vip) {
      note(a, ia.at, `vrrp_instance ${ia.name} has no virtual_ipaddress`, 'left out: an instance needs a VIP');
      continue;
    }
    // Several addresses: written as vips:, in order; one on another interface keeps its dev.
    const written = ia.vips.map((v) => {
      const addr = v.prefix !== undefined ? `${v.address}/${v.prefix}` : v.address;
      return v.dev && v.dev !== iface ? { address: addr, dev: v.dev } : addr;
    });
    // Who would be master by configuration, and who holds the VIP now.
    const conf =
      ia.state === 'MASTER' || (ia.state !== 'BACKUP' && ib.state === 'BACKUP')
        ? 0
        : ib.state === 'MASTER'
          ? 1
          : ia.priority >= ib.priority
            ? 0
            : 1;
    // An instance is held by the node holding every one of its VIPs.
    const heldBy = [a, b].filter((r) => ia.vips.every((v) => holds(r, v.address)));
    if (ia.vips.length > 1 && heldBy.length === 0 && ia.vips.some((v) => holds(a, v.address) || holds(b, v.address)))
      note(
        a,
        vip.at,
        `the VIPs of ${ia.name} are split between the nodes now (${ia.vips
          .map(
            (v) =>
              `${v.address} on ${
                [a, b]
                  .filter((r) => holds(r, v.address))
                  .map(hostName)
                  .join(' and ') || 'nobody'
              }`,
          )
          .join(', ')})`,
        'master written from the configuration; the first deploy puts them all on it',
      );
    if (heldBy.length === 2)
      note(
        a,
        vip.at,
        `both nodes hold VIP ${vip.address} now (split brain)`,
        `master written as ${names[conf]}; fix the split before deploying`,
      );
    const holderIdx = heldBy.length === 1 ? (heldBy[0] === a ? 0 : 1) : conf;
    holders[ia.name] = heldBy.length === 1 ? names[holderIdx]! : null;
    const prio: Record<string, number> = { [names[0]]: ia.priority, [names[1]]: ib.priority };
    const nopreempt = ia.nopreempt && ib.nopreempt;
    if (ia.nopreempt !== ib.nopreempt) note(a, ia.at, `nopreempt on one node only in ${ia.name}`, `written as nopreempt: ${nopreempt}`);
    const hi = Math.max(ia.priority, ib.priority);
    const lo = Math.min(ia.priority, ib.priority);
    if (!nopreempt && holderIdx !== conf) {
      // Preemption on: the holder must have the higher priority, or the other node takes the VIP at deploy.
      prio[names[holderIdx]!] = hi === lo ? hi : hi;
      prio[names[1 - holderIdx]!] = hi === lo ? hi - 1 : lo;
      note(
        [a, b][holderIdx]!,
        ia.at,
        `${names[holderIdx]} holds VIP ${vip.address} although ${names[conf]} is configured master of ${ia.name}`,
        `master written as ${names[holderIdx]} with the higher priority, so deploy keeps the VIP where it is (deploy --check shows the priority change)`,
      );
    } else if (ia.priority === ib.priority) {
      note(
        a,
        ia.at,
        `both nodes have priority ${ia.priority} in ${ia.name}`,
        `${names[holderIdx]} written one higher: haops needs distinct priorities`,
      );
      prio[names[holderIdx]!] = Math.min(254, ia.priority + 1);
    }
    for (const [n, p] of Object.entries(prio))
      if (p > 254 || p < 1) {
        note(a, ia.at, `priority ${p} on ${n} in ${ia.name} (address owner or out of range)`, 'written clamped to 1..254');
        prio[n] = Math.min(254, Math.max(1, p));
      }
    const inst: Record<string, unknown> = {
      name: safeName(ia.name, `vrrp${vrid}`),
      virtual_router_id: vrid,
      ...(written.length > 1 || typeof written[0] !== 'string' ? { vips: written } : { vip: written[0] }),
      master: names[holderIdx],
      priorities: prio,
      ...(ia.advertInt !== undefined ? { advert_int: ia.advertInt } : {}),
      ...(nopreempt ? { nopreempt: true } : {}),
      ...(ia.garp.garp_master_delay !== undefined ? { garp_master_delay: ia.garp.garp_master_delay } : {}),
    };
    if (ia.auth && vrrpPasswordProblem(ia.auth.password)) {
      const bytes = Buffer.byteLength(ia.auth.password);
      const cut = ia.auth.password.slice(0, 8);
      if (bytes > 8 && !vrrpPasswordProblem(cut)) {
        note(a, ia.at, `auth_pass of ${ia.name} is ${bytes} bytes`, 'written as its first 8, which is all keepalived uses');
        ia.auth = { ...ia.auth, password: cut };
      } else
        note(
          a,
          ia.at,
          `auth_pass of ${ia.name} holds characters haops refuses in keepalived.conf`,
          'written as is: validate will refuse it until you change it on both nodes',
        );
    }
    if (ia.auth) {
      if (ib.auth?.password.slice(0, 8) !== ia.auth.password.slice(0, 8))
        note(b, ib.at, `authentication of ${ia.name} differs from ${a.name}'s`, `${a.name}'s is kept (the nodes cannot have been talking)`);
      const base = { pair: pairName, instance: String(inst.name), value: ia.auth.password };
      const auth: Record<string, unknown> = { type: ia.auth.type };
      if (opts.secrets === 'env') {
        const env = `HAOPS_VRRP_${String(inst.name)
          .toUpperCase()
          .replace(/[^A-Z0-9_]/g, '_')}`;
        auth.password_env = env;
        secrets.push({ ...base, env });
      } else {
        const file = `${opts.secretPrefix}${pairName}.${inst.name}.vrrp-password`;
        auth.password_file = file;
        secrets.push({ ...base, file });
      }
      inst.authentication = auth;
    }
    for (const k of ['garp_master_repeat', 'garp_master_refresh'] as const)
      if (ia.garp[k] !== undefined)
        note(a, ia.at, `${k} ${ia.garp[k]} in ${ia.name}`, 'left out: haops sets GARP repeats for the whole node (failover.garp_master_*)');
    if (ia.version === 3) note(a, ia.at, `version 3 in ${ia.name}`, 'left out: the classic profile speaks VRRPv2');
    for (const t of ia.trackScripts) trackNames.add(t.name);
    instances.push(inst);
    // Notify lines that are not the write-up's (NAME SCRIPT NAME) are listed below, with the scripts.
  }
  if (!instances.length) throw new UsageError(`${a.name} and ${b.name} share no instance haops can write`, 'see the findings above');

  // The check: one vrrp_script for the pair.
  const scripts = [...trackNames].map((n) => a.keepalived.scripts[n]).filter((s): s is KaScript => !!s);
  let check: Record<string, unknown> | undefined;
  const s = scripts[0];
  if (s) {
    const weight = first.trackScripts.find((t) => t.name === s.name)?.weight ?? s.weight ?? 0;
    if (CHECK_SCRIPT_RE.test(s.script)) {
      check = {
        name: safeName(s.name, 'chk_nginx'),
        script: s.script,
        ...(s.interval !== undefined ? { interval: s.interval } : {}),
        ...(s.timeout !== undefined ? { timeout: s.timeout } : {}),
        weight,
        fall: s.fall ?? 1,
        rise: s.rise ?? 1,
      };
    } else
      note(
        a,
        s.at,
        `vrrp_script ${s.name} runs "${s.script}" (quotes, pipes or a shell)`,
        "replaced by haops' check (killall -0 nginx): put the logic in a script file and set check.script to it",
      );
  } else
    note(
      a,
      first.at,
      `no track_script in ${first.name}`,
      'haops adds its check (killall -0 nginx, weight 2): nginx dying then moves the VIP',
    );
  for (const extra of scripts.slice(1)) note(a, extra.at, `second tracked script ${extra.name}`, 'left out: a pair has one check');

  // Notify: the write-up's script is replaced by haops' (which logs the same line); any other is kept
  // on disk and run by haops' notify script on the same state changes (notify.hooks).
  const notify: Record<string, unknown> = {};
  const lines = Object.entries(first.notify);
  const paths = [...new Set(lines.map(([, v]) => v.split(/\s+/)[0]!))];
  const writeup =
    paths.length === 1 &&
    lines.every(([k, v]) => (WRITEUP_NOTIFY as readonly string[]).includes(k) && v.split(/\s+/).slice(1).join(' ') === k);
  const log = writeup ? writeupNotifyLog(a.scripts.get(paths[0]!) ?? 'x') : null;
  if (writeup && log) {
    notify.script = paths[0];
    notify.log = log;
    note(
      a,
      first.at,
      `notify script ${paths[0]} (logs to ${log})`,
      "replaced by haops' notify script at the same path, which logs the same transitions to the same file (the old one goes to the deploy's backup)",
    );
  } else if (lines.length) {
    notify.script = HAOPS_NOTIFY;
    const hooks: { on: string; run: string }[] = [];
    for (const [k, v] of lines) {
      const run = v.trim().replace(/\s+/g, ' ');
      const on = k === 'notify' ? 'any' : k.slice('notify_'.length);
      if (/^\/[A-Za-z0-9_.\/-]+( [A-Za-z0-9_.\/=:,@+-]+)*$/.test(run)) {
        hooks.push({ on, run });
        note(
          a,
          first.at,
          `${k} ${v}`,
          `kept working: haops' ${HAOPS_NOTIFY} runs it on the same state changes (notify.hooks); the script stays untouched`,
        );
      } else
        note(
          a,
          first.at,
          `${k} ${v}`,
          'left out: not a plain script path with plain arguments; call it from a script file and add that under notify.hooks',
        );
    }
    if (hooks.length) notify.hooks = hooks;
  }
  const email = a.keepalived.email;
  if (email?.to.length && email.from && a.keepalived.instances.some((i) => i.smtpAlert)) {
    notify.email = {
      to: email.to,
      from: email.from,
      ...(email.smtpServer ? { smtp_server: email.smtpServer } : {}),
      ...(email.smtpConnectTimeout ? { smtp_connect_timeout: email.smtpConnectTimeout } : {}),
    };
  }
  for (const r of pairReadings) for (const u of r.keepalived.unsupported) note(r, u.at, u.what, u.handling);

  // nginx: the server fronting the VIPs, its upstreams; the rest listed.
  const vipAddrs = instances.flatMap((i) =>
    (Array.isArray(i.vips) ? i.vips : [i.vip]).map((v) =>
      addressOf(String(typeof v === 'object' && v ? (v as { address: string }).address : v)),
    ),
  );
  const moveAside: Record<string, string[]> = {};
  let nginx: Record<string, unknown> | undefined;
  for (const r of pairReadings) {
    moveAside[hostName(r)] = [];
    if (!r.nginx) {
      note(
        r,
        { file: 'nginx -T', line: 0 },
        `nginx -T failed: ${r.nginxError ?? 'nginx not installed'}`,
        'nginx written from the other node, or a placeholder upstream',
      );
      continue;
    }
    const front = frontingServer(r.nginx, vipAddrs);
    const seen = new Set<NgServer>();
    const sited = front ? namedSites(r.nginx, front) : [];
    if (front && sited.length >= 2) {
      // Several server blocks, each naming its hosts and proxying to an upstream: nginx.sites.
      const plainPort = front.listens.find((l) => !l.ssl)!.port;
      const upNames = [...new Set(sited.map((x) => x.proxyTo!))];
      const taken = new Set<string>();
      const def = sited.find((x) => x.listens.some((l) => l.defaultServer && !l.ssl)) ?? (sited.includes(front) ? front : sited[0]!);
      const sites = sited.map((x, i) => {
        seen.add(x);
        const names = x.serverNames.filter((n) => SITE_NAME_RE.test(n));
        for (const n of x.serverNames.filter((n) => !SITE_NAME_RE.test(n)))
          note(
            r,
            x.at,
            `server_name ${n}`,
            'left out of the site: a site names real hosts (no wildcard, no _); the default site answers the rest',
          );
        let name = safeName(names[0]!.split('.')[0]!, `site${i + 1}`);
        for (let k = 2; taken.has(name); k++) name = `${safeName(names[0]!.split('.')[0]!, 'site')}${k}`;
        taken.add(name);
        for (const o of x.others)
          note(
            r,
            o.at,
            `${o.name} ${o.args.join(' ')} in the server of ${names[0]}`.trim(),
            `left out: add it under the site's extra (site ${name}) if you need it`,
          );
        for (const l of x.listens.filter((y) => y.ssl))
          note(
            r,
            x.at,
            `listen ${l.raw} (TLS) of ${names[0]}`,
            `left out: copy its certificate and key to this machine and add tls: to site ${name}`,
          );
        return {
          name,
          server_name: names.length === 1 ? names[0]! : names,
          upstream: safeName(x.proxyTo!, 'backends'),
          ...(x === def ? { default: true } : {}),
        };
      });
      nginx ??= {
        listen: plainPort,
        upstreams: upNames.map((n) => ({ name: safeName(n, 'backends'), servers: r.nginx!.upstreams.find((u) => u.name === n)!.servers })),
        sites,
      };
      for (const n of upNames)
        for (const o of r.nginx.upstreams.find((u) => u.name === n)!.others)
          note(r, o.at, `${o.text} in upstream ${n}`, 'left out: haops writes plain servers');
      // A file is moved aside when haops's sites replace every server block in it.
      for (const file of new Set(sited.map((x) => x.at.file))) {
        if (file === '/etc/nginx/conf.d/haops.conf') continue;
        const rest = r.nginx.servers.filter((x) => x.at.file === file && !seen.has(x));
        if (rest.length)
          note(
            r,
            { file, line: 0 },
            `${file} holds imported sites and ${rest.length} other server block(s)`,
            "not moved aside: remove the imported server blocks from it by hand before deploying (haops' sites define the same upstreams)",
          );
        else moveAside[hostName(r)]!.push(file);
      }
    } else if (front) {
      seen.add(front);
      const up = r.nginx.upstreams.find((u) => u.name === front.proxyTo)!;
      const listen = front.listens.find((l) => !l.ssl)!;
      const name = front.serverNames.find((n) => /^(_|[A-Za-z0-9*][A-Za-z0-9.*-]*)$/.test(n)) ?? '_';
      nginx ??= {
        listen: listen.port,
        server_name: name,
        upstreams: [{ name: safeName(up.name, 'backends'), servers: up.servers }],
      };
      for (const o of up.others) note(r, o.at, `${o.text} in upstream ${up.name}`, 'left out: haops writes plain servers');
      for (const o of front.others)
        note(
          r,
          o.at,
          `${o.name} ${o.args.join(' ')} in the server fronting the VIP`.trim(),
          'left out: add it under nginx.extra if you need it',
        );
      for (const l of front.listens.filter((x) => x.ssl))
        note(
          r,
          front.at,
          `listen ${l.raw} (TLS)`,
          'not expressible yet (TLS sites wait for the production-L7 issue): left out of the site',
        );
      const file = front.at.file;
      const others = r.nginx.servers.filter((x) => x !== front && x.at.file === file);
      if (file === '/etc/nginx/conf.d/haops.conf') {
        // Already haops' own site: nothing to move.
      } else if (others.length) {
        note(
          r,
          front.at,
          `${file} holds the server fronting the VIP and ${others.length} other server block(s)`,
          "not moved aside: remove the fronting server from it by hand before deploying (haops' site defines the same upstream)",
        );
      } else moveAside[hostName(r)]!.push(file);
    } else
      note(
        r,
        { file: 'nginx -T', line: 0 },
        'no server proxies location / to an upstream on a plain port',
        'nginx written with a placeholder upstream: edit nginx.upstreams',
      );
    for (const x of r.nginx.servers.filter((y) => !seen.has(y))) {
      const tls = x.listens.some((l) => l.ssl);
      note(
        r,
        x.at,
        `${tls ? 'TLS ' : 'second '}server block (listen ${x.listens.map((l) => l.raw).join(', ') || '80'}${x.serverNames.length ? `; server_name ${x.serverNames.join(' ')}` : ''})`,
        tls
          ? 'not expressible yet (TLS sites wait for the production-L7 issue): left running as it is'
          : "left running as it is (haops' site answers every Host name before a default server)",
      );
    }
    for (const u of r.nginx.upstreams.filter((x) => x.name !== front?.proxyTo && !sited.some((y) => y.proxyTo === x.name)))
      note(r, u.at, `upstream ${u.name} not used by the server fronting the VIP`, 'left as it is');
  }
  nginx ??= { listen: 80, upstreams: [{ name: 'backends', servers: ['127.0.0.1:8080'] }] };

  const spec: Record<string, unknown> = {
    nodes: names,
    interface: iface,
    subnet,
    instances,
    ...(check ? { check } : {}),
    ...(Object.keys(notify).length ? { notify } : {}),
    nginx,
  };
  return { name: pairName, spec, adopted: { name: pairName, nodes: names, holders, moveAside } };
}

/**
 * The server blocks that become nginx.sites: on the fronting server's plain port, proxying
 * `location /` to an upstream nginx defines, naming at least one real host (no wildcard, no _).
 */
function namedSites(m: NginxModel, front: NgServer): NgServer[] {
  const port = front.listens.find((l) => !l.ssl)?.port;
  return m.servers.filter(
    (x) =>
      x.proxyTo &&
      m.upstreams.some((u) => u.name === x.proxyTo) &&
      x.listens.some((l) => !l.ssl && l.port === port) &&
      x.serverNames.some((n) => SITE_NAME_RE.test(n)),
  );
}

export function buildInventory(readings: NodeReading[], targets: ImportTarget[], opts: BuildOptions): ImportResult {
  const findings: Finding[] = [];
  const secrets: SecretOut[] = [];
  const targetOf = (name: string) => targets.find((t) => t.name === name)!;
  const used = new Set<string>();
  const hostNames = new Map<NodeReading, string>();
  for (const r of readings) {
    let n = safeName(r.name, safeName(r.keepalived.routerId ?? '', 'node'));
    for (let k = 2; used.has(n); k++) n = `${safeName(r.name, 'node')}${k}`;
    used.add(n);
    hostNames.set(r, n);
  }
  const hostName = (r: NodeReading) => hostNames.get(r)!;
  const taken = new Set<string>();
  const pairs: Record<string, unknown> = {};
  const adopted: AdoptedPair[] = [];
  for (const g of groupPairs(readings)) {
    const p = buildPair(g as [NodeReading, NodeReading], hostName, opts, taken, findings, secrets);
    pairs[p.name] = p.spec;
    adopted.push(p.adopted);
    // Files haops replaces, and nginx sites that would clash: backed up or moved aside by the first deploy.
    (p.spec as Record<string, unknown>).adopt = {
      move_aside: Object.fromEntries(Object.entries(p.adopted.moveAside).filter(([, v]) => v.length)),
    };
    if (!Object.keys((p.spec.adopt as { move_aside: object }).move_aside).length) delete p.spec.adopt;
  }
  const hosts: Record<string, unknown> = {};
  for (const r of readings) {
    const t = { ...targetOf(r.name) };
    // The inventory's jump: is a host name or ~/.ssh/config alias; a user or port goes to ~/.ssh/config.
    const j = t.jump && /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(t.jump);
    if (t.jump && (!j || j[1] || j[3] || nameProblem(j[2]!))) {
      findings.push({
        node: r.name,
        file: '(connection)',
        line: 0,
        what: `jump host ${t.jump}`,
        handling: `not written (jump: takes a host name or ~/.ssh/config alias): add "Host bastion" with HostName, User and Port to ~/.ssh/config and set jump: bastion under hosts.${hostName(r)}`,
      });
      delete t.jump;
    }
    const lan = r.keepalived.instances[0] && lanAddress(r, r.keepalived.instances[0]);
    hosts[hostName(r)] = {
      address: t.address,
      ...(lan && lan.address !== t.address ? { ip: lan.address } : {}),
      ...(t.user ? { user: t.user } : {}),
      ...(t.port && t.port !== 22 ? { port: t.port } : {}),
      ...(t.identityFile ? { identity_file: t.identityFile } : {}),
      ...(t.jump ? { jump: t.jump } : {}),
      ...(t.sudo ? { sudo: true } : {}),
    };
  }
  return { inventory: { hosts, pairs }, findings, secrets, pairs: adopted };
}

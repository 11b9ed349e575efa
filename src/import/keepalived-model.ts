// What a parsed keepalived.conf says about VRRP: each vrrp_instance with the vrrp_scripts it
// tracks, global_defs' mail settings, and everything haops' inventory has no word for (listed
// with file and line, never dropped silently). Pure; keepalived 1.x and 2.x syntax alike.
import type { At, KaNode, ParsedConf } from './keepalived-conf.js';

export interface KaVip {
  address: string;
  prefix?: number;
  dev?: string;
  /** The whole line as written (label, scope, brd...). */
  raw: string;
  at: At;
}

export interface KaScript {
  name: string;
  script: string;
  interval?: number;
  timeout?: number;
  weight?: number;
  fall?: number;
  rise?: number;
  at: At;
}

export interface KaInstance {
  name: string;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  vrid?: number;
  priority: number;
  advertInt?: number;
  nopreempt: boolean;
  version?: number;
  unicastSrcIp?: string;
  unicastPeers: string[];
  auth?: { type: 'PASS' | 'AH'; password: string };
  vips: KaVip[];
  trackScripts: { name: string; weight?: number }[];
  trackInterfaces: string[];
  notify: Partial<Record<'notify_master' | 'notify_backup' | 'notify_fault' | 'notify_stop' | 'notify', string>>;
  garp: Partial<Record<'garp_master_delay' | 'garp_master_repeat' | 'garp_master_refresh', number>>;
  smtpAlert: boolean;
  at: At;
}

/** Something keepalived does that the haops inventory cannot say: what, where, and what import did with it. */
export interface Unsupported {
  what: string;
  at: At;
  /** What the import does about it ("kept as notify.hooks", "left out"). */
  handling: string;
}

export interface KaModel {
  routerId?: string;
  email?: { to: string[]; from?: string; smtpServer?: string; smtpConnectTimeout?: number };
  scripts: Record<string, KaScript>;
  instances: KaInstance[];
  unsupported: Unsupported[];
}

const num = (v: string | undefined): number | undefined => (v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);

/** Keywords of an instance that the import reads; any other is listed as not carried over. */
const INSTANCE_READ = new Set([
  'state',
  'interface',
  'virtual_router_id',
  'priority',
  'advert_int',
  'nopreempt',
  'version',
  'unicast_src_ip',
  'unicast_peer',
  'authentication',
  'virtual_ipaddress',
  'track_script',
  'track_interface',
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'notify',
  'garp_master_delay',
  'garp_master_repeat',
  'garp_master_refresh',
  'smtp_alert',
]);
const GLOBAL_READ = new Set(['notification_email', 'notification_email_from', 'smtp_server', 'smtp_connect_timeout', 'router_id']);

function vipOf(n: KaNode): KaVip {
  const [addr = '', ...rest] = [n.keyword, ...n.args];
  const [address, prefix] = addr.split('/');
  const dev = rest[rest.indexOf('dev') + 1];
  return {
    address: address!,
    ...(prefix !== undefined ? { prefix: Number(prefix) } : {}),
    ...(rest.includes('dev') && dev ? { dev } : {}),
    raw: [n.keyword, ...n.args].join(' '),
    at: n.at,
  };
}

function instanceOf(b: KaNode, unsupported: Unsupported[]): KaInstance {
  const i: KaInstance = {
    name: b.args[0] ?? '',
    priority: 100,
    nopreempt: false,
    unicastPeers: [],
    vips: [],
    trackScripts: [],
    trackInterfaces: [],
    notify: {},
    garp: {},
    smtpAlert: false,
    at: b.at,
  };
  for (const n of b.children ?? []) {
    const a = n.args[0];
    switch (n.keyword) {
      case 'state':
        if (a === 'MASTER' || a === 'BACKUP') i.state = a;
        break;
      case 'interface':
        i.interface = a;
        break;
      case 'virtual_router_id':
        i.vrid = num(a);
        break;
      case 'priority':
        i.priority = num(a) ?? 100;
        break;
      case 'advert_int':
        i.advertInt = num(a);
        break;
      case 'nopreempt':
        i.nopreempt = true;
        break;
      case 'version':
        i.version = num(a);
        break;
      case 'unicast_src_ip':
        i.unicastSrcIp = a;
        break;
      case 'unicast_peer':
        i.unicastPeers = (n.children ?? []).map((c) => c.keyword);
        break;
      case 'authentication': {
        const kv = new Map((n.children ?? []).map((c) => [c.keyword, c.args[0] ?? '']));
        const type = (kv.get('auth_type') ?? 'PASS').toUpperCase();
        i.auth = { type: type === 'AH' ? 'AH' : 'PASS', password: kv.get('auth_pass') ?? '' };
        break;
      }
      case 'virtual_ipaddress':
        i.vips = (n.children ?? []).map(vipOf);
        break;
      case 'track_script':
        i.trackScripts = (n.children ?? [])
          .filter((c) => c.keyword !== HAOPS_DRAIN)
          .map((c) => ({
            name: c.keyword,
            ...(c.args[0] === 'weight' && num(c.args[1]) !== undefined ? { weight: num(c.args[1])! } : {}),
          }));
        break;
      case 'track_interface':
        i.trackInterfaces = (n.children ?? []).map((c) => c.keyword);
        unsupported.push({
          what: `track_interface { ${i.trackInterfaces.join(' ')} } in vrrp_instance ${i.name}`,
          at: n.at,
          handling: 'left out: haops tracks nginx only (a dead interface still fails VRRP adverts)',
        });
        break;
      case 'notify_master':
      case 'notify_backup':
      case 'notify_fault':
      case 'notify_stop':
      case 'notify':
        i.notify[n.keyword] = n.args.join(' ');
        break;
      case 'garp_master_delay':
      case 'garp_master_repeat':
      case 'garp_master_refresh':
        if (num(a) !== undefined) i.garp[n.keyword] = num(a)!;
        break;
      case 'smtp_alert':
        i.smtpAlert = true;
        break;
    }
    if (!INSTANCE_READ.has(n.keyword))
      unsupported.push({
        what: `${n.keyword} in vrrp_instance ${i.name}`,
        at: n.at,
        handling: 'left out: the inventory has no setting for it',
      });
  }
  return i;
}

function scriptOf(b: KaNode): KaScript {
  const s: KaScript = { name: b.args[0] ?? '', script: '', at: b.at };
  for (const n of b.children ?? []) {
    const v = num(n.args[0]);
    if (n.keyword === 'script') s.script = n.args.join(' ');
    else if (n.keyword === 'interval' && v !== undefined) s.interval = v;
    else if (n.keyword === 'timeout' && v !== undefined) s.timeout = v;
    else if (n.keyword === 'weight' && v !== undefined) s.weight = v;
    else if (n.keyword === 'fall' && v !== undefined) s.fall = v;
    else if (n.keyword === 'rise' && v !== undefined) s.rise = v;
  }
  return s;
}

/** haops' own drain hook (render/drain.ts): every config haops writes has it; nothing to report. */
const HAOPS_DRAIN = 'haops_drain';
const isDrainHook = (n: KaNode) =>
  (['track_file', 'vrrp_track_file', 'vrrp_script'].includes(n.keyword) && n.args[0] === HAOPS_DRAIN) ||
  (n.keyword === 'track_file' && !n.args.length && (n.children ?? []).every((c) => c.keyword === HAOPS_DRAIN));

export function keepalivedModel(conf: ParsedConf): KaModel {
  const m: KaModel = { scripts: {}, instances: [], unsupported: [] };
  const strip = (nodes: KaNode[]): KaNode[] =>
    nodes.filter((n) => !isDrainHook(n)).map((n) => (n.children ? { ...n, children: strip(n.children) } : n));
  for (const b of strip(conf.nodes)) {
    switch (b.keyword) {
      case 'global_defs':
        for (const n of b.children ?? []) {
          if (n.keyword === 'router_id') m.routerId = n.args[0];
          else if (n.keyword === 'notification_email') (m.email ??= { to: [] }).to = (n.children ?? []).map((c) => c.keyword);
          else if (n.keyword === 'notification_email_from') (m.email ??= { to: [] }).from = n.args[0];
          else if (n.keyword === 'smtp_server') (m.email ??= { to: [] }).smtpServer = n.args[1] ? `${n.args[0]}:${n.args[1]}` : n.args[0];
          else if (n.keyword === 'smtp_connect_timeout') (m.email ??= { to: [] }).smtpConnectTimeout = num(n.args[0]);
          if (!GLOBAL_READ.has(n.keyword))
            m.unsupported.push({ what: `${n.keyword} in global_defs`, at: n.at, handling: 'left out: haops writes its own global_defs' });
        }
        break;
      case 'vrrp_script':
        m.scripts[b.args[0] ?? ''] = scriptOf(b);
        break;
      case 'vrrp_instance':
        m.instances.push(instanceOf(b, m.unsupported));
        break;
      case 'vrrp_sync_group':
        m.unsupported.push({
          what: `vrrp_sync_group ${b.args[0] ?? ''}`,
          at: b.at,
          handling: 'left out: haops instances fail over one by one (put both VIPs in one instance to move them together)',
        });
        break;
      case 'virtual_server':
      case 'virtual_server_group':
      case 'real_server':
        m.unsupported.push({
          what: `LVS ${b.keyword} ${b.args.join(' ')}`,
          at: b.at,
          handling: 'left out: haops builds an L7 (nginx) proxy, not LVS',
        });
        break;
      default:
        m.unsupported.push({
          what: `${b.keyword} ${b.args.join(' ')}`.trim(),
          at: b.at,
          handling: 'left out: the inventory has no setting for it',
        });
    }
  }
  return m;
}

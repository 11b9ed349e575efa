// The inventory's shape, in zod: what a user may write, with the checks that need only one
// value at a time (the rules themselves live in rules.ts). Checks across values (pairs, segments)
// live in checks.ts; the failover math in model/.
import { z } from 'zod';
import { CIDR_RE, IPV4_MAYBE_PREFIX_RE, IPV4_RE } from '../core/ipv4.js';
import { HOST_RE, nameProblem, nginxExtraProblem, type NodePathKind, nodePathProblem, portProblem, probeFromProblem } from './rules.js';

/** A refusal with its fix, carried in the issue's params to the message (load.ts). */
const refuse = (ctx: z.RefinementCtx, message: string, fix: string) =>
  ctx.addIssue({ code: z.ZodIssueCode.custom, message, params: { fix } });

/** Names of pairs, hosts, instances: map keys and values alike. */
export const nameOf = (what: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = nameProblem(v);
    if (problem)
      refuse(ctx, `${what} ${problem}`, 'rename it: a letter first, then letters, digits, _ . - (like proxy101 or yn_api_gateway)');
  });

const nodePath = (kind: NodePathKind, example: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = nodePathProblem(v, kind);
    if (problem) refuse(ctx, `${v.length > 80 ? 'the path' : JSON.stringify(v)} ${problem}`, `use a plain absolute path like ${example}`);
  });

const ipv4 = z.string().regex(IPV4_RE, { message: 'expected an IPv4 address like 192.168.0.101 (four numbers 0..255, no leading zeros)' });
const cidr = z.string().regex(CIDR_RE, { message: 'expected an IPv4 network like 192.168.0.0/24 (no leading zeros)' });
const ipv4MaybePrefix = z.string().regex(IPV4_MAYBE_PREFIX_RE, {
  message: 'expected an IPv4 address, optionally with a prefix length, like 192.168.0.105 or 192.168.0.105/24 (no leading zeros)',
});
const hostName = (what: string, example: string) =>
  z.string().regex(HOST_RE, { message: `expected ${what} like ${example} (letters, digits, . and -, not starting with -)` });
const withPort = (what: string, example: string, portOptional: boolean) =>
  z.string().superRefine((v, ctx) => {
    const m = /^([^:]*)(?::(.*))?$/s.exec(v)!;
    if (!HOST_RE.test(m[1]!) || (m[2] === undefined && !portOptional) || (m[2] !== undefined && !/^\d+$/.test(m[2]))) {
      refuse(ctx, `expected ${what} like ${example}`, `write it like ${example} (a host starts with a letter or digit)`);
    } else if (m[2] !== undefined) {
      const problem = portProblem(m[2]);
      if (problem) refuse(ctx, problem, 'use a port from 1 to 65535');
    }
  });
const userName = (what: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, {
    message: `${what} must be a login name: a letter or _, then letters, digits, _ . - (at most 32)`,
  });
const hostPort = withPort('host:port', '10.0.0.5:8080', false);
const port = z.number().int().min(1, 'a port is 1..65535').max(65535, 'a port is 1..65535');
const emailAddr = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*@[A-Za-z0-9][A-Za-z0-9.-]*$/, { message: 'expected an e-mail address like ops@example.com' });
const url = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9][A-Za-z0-9._~:\/?#\[\]@!$&()*+,;=%-]*$/, { message: 'expected an http(s) URL without spaces or quotes' });
/** A yum baseurl prefix: http(s), ftp or file, no spaces or quotes; `$releasever`/`$basearch` are yum's own variables. */
const mirrorUrl = z
  .string()
  .regex(/^(https?|ftp):\/\/[A-Za-z0-9][A-Za-z0-9._~:\/@%+=,$-]*$|^file:\/\/\/[A-Za-z0-9._~\/@%+=,$-]*$/, {
    message: 'expected an http(s), ftp or file:/// URL without spaces, quotes, ? or #',
  })
  .refine((v) => !/\$(?!releasever\b|basearch\b)/.test(v), { message: 'the only $ yum expands here are $releasever and $basearch' });

/** Seconds as keepalived reads them: at most 2 decimals (10 ms steps), never an exponent. */
const seconds = (min: number, max: number) =>
  z
    .number()
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .superRefine((v, ctx) => {
      if (Math.abs(v * 100 - Math.round(v * 100)) > 1e-9)
        refuse(ctx, `${v} has more than two decimals (keepalived counts in 10 ms steps)`, `use ${Math.round(v * 100) / 100}`);
    });

/** A secret: given inline, or read from an environment variable or a file (with an optional default). */
export const secretSource = z
  .object({
    password: z.string().optional(),
    password_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'expected an environment variable name' })
      .optional(),
    password_file: z.string().optional(),
    default: z.string().optional(),
  })
  .strict();

const sudo = z.union([z.boolean(), secretSource]);

const sshSettings = {
  user: userName('user').optional(),
  port: port.optional(),
  identity_file: z.string().min(1).optional(),
  known_hosts: z.string().min(1).optional(),
  jump: nameOf('jump').optional(),
  sudo: sudo.optional(),
};

export const sshDefaults = z.object(sshSettings).strict();

export const hostSchema = z
  .object({
    address: hostName('an address or ~/.ssh/config host', '192.168.0.101 or proxy101.example.com'),
    /** The node's address on the pair's LAN; defaults to address when that is an IPv4 literal. */
    ip: ipv4.optional(),
    ...sshSettings,
  })
  .strict();

export const authSchema = z
  .object({
    type: z.enum(['PASS', 'AH']).default('PASS'),
    password: z.string().optional(),
    password_env: secretSource.shape.password_env,
    password_file: z.string().optional(),
    default: z.string().optional(),
  })
  .strict();

export const instanceSchema = z
  .object({
    name: nameOf('instance name'),
    virtual_router_id: z.number().int().min(1, 'virtual_router_id must be 1..255').max(255, 'virtual_router_id must be 1..255'),
    vip: ipv4MaybePrefix,
    master: nameOf('master'),
    priorities: z
      .union([
        z.literal('derive'),
        z.record(nameOf('node'), z.number().int().min(1, 'priority must be 1..254').max(254, 'priority must be 1..254')),
      ])
      .default('derive'),
    /** Unset: the pair's failover profile decides (classic 1 s, fast 0.2 s). */
    advert_int: seconds(0.01, 255).optional(),
    nopreempt: z.boolean().default(false),
    garp_master_delay: z.number().int().min(0).max(255).optional(),
    authentication: authSchema.optional(),
  })
  .strict();

export const checkSchema = z
  .object({
    name: nameOf('check name').default('chk_nginx'),
    script: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.\/][A-Za-z0-9_.\/-]*( [A-Za-z0-9_.\/-]+)*$/, {
        message:
          'script is a command and its arguments separated by single spaces: letters, digits and _ . / - only (no quotes, pipes or newlines: put logic in a script file)',
      })
      .default('killall -0 nginx'),
    interval: seconds(0.01, 3600).default(1),
    timeout: seconds(0.01, 3600).optional(),
    weight: z.number().int().min(-253, 'weight must be -253..253').max(253, 'weight must be -253..253').default(2),
    fall: z.number().int().min(1).max(255).default(2),
    rise: z.number().int().min(1).max(255).default(1),
  })
  .strict();

export const notifySchema = z
  .object({
    script: nodePath('script', '/usr/local/bin/keepalived_notify.sh').default('/usr/local/bin/keepalived_notify.sh'),
    log: nodePath('log', '/var/log/keepalived.notify.log').default('/var/log/keepalived.notify.log'),
    email: z
      .object({
        to: z.array(emailAddr).min(1),
        from: emailAddr,
        /** host or host:port (keepalived's `smtp_server HOST [PORT]`, default port 25). */
        smtp_server: withPort('a host or IPv4 address, optionally with :port', '127.0.0.1 or 10.0.0.5:2525', true).default('127.0.0.1'),
        smtp_connect_timeout: z.number().int().min(1).max(600).default(30),
      })
      .strict()
      .optional(),
    webhooks: z.array(url).default([]),
    sms: z
      .object({
        url: url.optional(),
        command: nodePath('command', '/usr/local/bin/send-sms').optional(),
        to: z.array(z.string().regex(/^\+?[0-9]{5,15}$/, { message: 'expected a phone number like +8613800000000' })).default([]),
        template: z
          .string()
          .regex(/^[^\n\r`$\\"']*$/, {
            message: 'template may not hold newlines, quotes, backslashes, ` or $ (placeholders are {host} {instance} {state} {priority})',
          })
          .default('[haops] {host} {instance} is now {state} (priority {priority})'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const upstreamSchema = z
  .object({
    name: nameOf('upstream name'),
    servers: z.array(hostPort).min(1, 'an upstream needs at least one server'),
  })
  .strict();

export const nginxSchema = z
  .object({
    listen: port.default(80),
    server_name: z
      .string()
      .regex(/^(_|[A-Za-z0-9*][A-Za-z0-9.*-]*)$/, {
        message: 'expected a host name like api.example.com, a wildcard like *.example.com, or _',
      })
      .default('_'),
    upstreams: z.array(upstreamSchema).min(1, 'nginx needs at least one upstream'),
    /** The path a client asks through the VIP (reaching the upstreams): status, deploy and the drill request it. */
    health_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\/%?=&+,:@-]{0,200}$/, {
        message: 'health_path is a URL path like / or /healthz?full=1 (letters, digits and . _ ~ / % ? = & + , : @ - only)',
      })
      .default('/'),
    /** The answer that counts as healthy: one status like 200, or a range like 200-399. */
    health_status: z
      .union([z.number().int().min(100).max(599), z.string()])
      .superRefine((v, ctx) => {
        if (typeof v === 'number') return;
        const m = /^([1-5]\d\d)-([1-5]\d\d)$/.exec(v);
        if (!m || Number(m[1]) > Number(m[2]))
          refuse(ctx, `health_status ${JSON.stringify(v)} is not a status or a range`, 'write one status like 200 or a range like 200-399');
      })
      .default('200-399'),
    /** Extra directives for the server block, one per line, as nginx reads them. */
    extra: z
      .array(
        z.string().superRefine((v, ctx) => {
          const bad = nginxExtraProblem(v);
          if (bad) refuse(ctx, `this nginx directive ${bad.problem}`, bad.fix);
        }),
      )
      .default([]),
  })
  .strict();

/**
 * Where status, deploy's VIP check and the drill ask the user's path through the VIP from:
 * `local` (this machine, the default), a probe host on the clients' LAN (reached over SSH like
 * the nodes), or `none` (only the nodes' own answer). A pair's setting wins over the top level's.
 */
export const probeSchema = z
  .object({
    from: z
      .string()
      .superRefine((v, ctx) => {
        const problem = probeFromProblem(v);
        if (problem)
          refuse(
            ctx,
            `probe.from ${v.length > 80 ? 'value' : JSON.stringify(v)} ${problem}`,
            'write local, none, or a host like probe1 or 10.0.0.9',
          );
      })
      .default('local'),
  })
  .strict();

/**
 * `failover: classic` (the write-up's settings, the default), `failover: fast`, or an object that
 * tunes a profile (`profile:` defaults to fast there). Version limits are checked by the model.
 */
const failoverObject = z
  .object({
    profile: z.enum(['classic', 'fast'], { errorMap: () => ({ message: 'expected classic or fast' }) }).default('fast'),
    vrrp_version: z.union([z.literal(2), z.literal(3)], { errorMap: () => ({ message: 'vrrp_version is 2 or 3' }) }).optional(),
    /** VRRPv3 takes 0.01..40.95 s in 10 ms steps. */
    advert_int: seconds(0.01, 40.95).optional(),
    track: z
      .enum(['process', 'script'], {
        errorMap: () => ({ message: 'track is process (vrrp_track_process, keepalived 2.0.11+) or script (vrrp_script)' }),
      })
      .optional(),
    garp_master_delay: z.number().int().min(0).max(255).optional(),
    garp_master_repeat: z.number().int().min(1).max(255).optional(),
    garp_master_refresh: z.number().int().min(0).max(86400).optional(),
    higher_prio_send_advert: z.boolean().optional(),
    rt_priority: z.number().int().min(1, 'rt_priority is 1..99').max(99, 'rt_priority is 1..99').optional(),
    down_timer_adverts: z.number().int().min(1, 'down_timer_adverts is 1..100').max(100, 'down_timer_adverts is 1..100').optional(),
  })
  .strict();
export const failoverSchema = z.preprocess((v) => (typeof v === 'string' ? { profile: v } : v), failoverObject);

export const pairSchema = z
  .object({
    nodes: z.array(nameOf('node')).length(2, 'a pair has exactly two nodes'),
    interface: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$/, { message: 'expected an interface name like eth0 or em1' }),
    subnet: cidr,
    instances: z.array(instanceSchema).min(1, 'a pair needs at least one VRRP instance'),
    check: checkSchema.default({}),
    failover: failoverSchema.optional(),
    notify: notifySchema.default({}),
    nginx: nginxSchema,
    /** keepalived's script_user; when set, enable_script_security is emitted too. */
    script_user: userName('script_user').optional(),
    /** haops opens VRRP from the peer and nginx's port in firewalld / the iptables service; false: you do. */
    manage_firewall: z.boolean().default(true),
    /** Overrides the top-level probe: for this pair. */
    probe: probeSchema.optional(),
  })
  .strict();

export const inventorySchema = z
  .object({
    ssh: sshDefaults.default({}),
    hosts: z.record(nameOf('host name'), hostSchema),
    pairs: z.record(nameOf('pair name'), pairSchema),
    /** Lets `default:` stand in for an unset secret at deploy time (the lab's inventory sets it). */
    allow_default_secrets: z.boolean().default(false),
    /** Where the user's path through every pair's VIPs is asked from (a pair may set its own). */
    probe: probeSchema.optional(),
    /**
     * Archive mirrors for end-of-life CentOS 6/7 (their mirror lists are gone). haops writes its own
     * /etc/yum.repos.d/haops-archive.repo from them and installs only from it; your repo files stay.
     */
    el_archive: z
      .object({
        /** Release directory of a CentOS archive: haops adds /os|updates|extras/$basearch/. */
        centos: mirrorUrl,
        /** Release directory of an EPEL archive: haops adds /$basearch/. */
        epel: mirrorUrl.optional(),
      })
      .strict()
      .optional(),
    /**
     * The nginx module stream on EL8/9 (`dnf module list nginx`), like "1.24". Unset: EL8's default
     * stream (1.14), EL9's plain AppStream package (1.20). haops enables it before installing nginx.
     */
    el_nginx_stream: z
      .union([z.string(), z.number()])
      .superRefine((v, ctx) => {
        // YAML reads 1.20 as the number 1.2: a stream is text.
        if (typeof v === 'number')
          refuse(
            ctx,
            `YAML reads this as the number ${v}, not a stream (1.20 unquoted becomes 1.2)`,
            'quote the stream as `dnf module list nginx` shows it, like el_nginx_stream: "1.24"',
          );
        else if (!/^[0-9]+(\.[0-9]+)*$/.test(v))
          refuse(
            ctx,
            `${JSON.stringify(v)} is not a stream`,
            'write a stream like "1.24" (what `dnf module list nginx` shows under Stream)',
          );
      })
      .transform((v) => String(v))
      .optional(),
  })
  .strict();

export type Inventory = z.infer<typeof inventorySchema>;
export type HostSpec = z.infer<typeof hostSchema>;
export type PairSpec = z.infer<typeof pairSchema>;
export type InstanceSpec = z.infer<typeof instanceSchema>;
export type CheckSpec = z.infer<typeof checkSchema>;
export type NotifySpec = z.infer<typeof notifySchema>;
export type FailoverSpec = z.infer<typeof failoverObject>;
export type SecretSource = z.infer<typeof secretSource>;
export type ProbeSpec = z.infer<typeof probeSchema>;

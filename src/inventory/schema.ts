// The inventory's shape, in zod: what a user may write, with the checks that need only one
// value at a time (the rules themselves live in rules.ts). Checks across values (pairs, segments)
// live in cross-checks.ts; the failover math in model/failover-checks.ts.
import { z } from 'zod';
import { OS_HINT_NAMES, OS_HINTS } from '../core/os-hints.js';
import { CIDR_RE, IPV4_MAYBE_PREFIX_RE, IPV4_RE } from '../core/ipv4.js';
import { isCidr6, isIpv6, isIpv6MaybePrefix } from '../core/ipv6.js';
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
const IPV4_MAYBE_PREFIX_MESSAGE =
  'expected an IPv4 address, optionally with a prefix length, like 192.168.0.105 or 192.168.0.105/24 (no leading zeros)';
const ipv6 = z.string().superRefine((v, ctx) => {
  if (!isIpv6(v))
    refuse(ctx, `${JSON.stringify(v.slice(0, 60))} is not an IPv6 address`, 'write one address like 2001:db8::11 (no prefix, no zone)');
});
const cidr6 = z.string().superRefine((v, ctx) => {
  if (!isCidr6(v)) refuse(ctx, `${JSON.stringify(v.slice(0, 60))} is not an IPv6 network`, 'write it like 2001:db8::/64');
});
/** A VIP of either family: IPv4 (the message it always had), or IPv6 when it holds a colon. */
const vipAddressSchema = z.string().superRefine((v, ctx) => {
  if (!v.includes(':')) {
    if (!IPV4_MAYBE_PREFIX_RE.test(v))
      ctx.addIssue({ code: z.ZodIssueCode.invalid_string, validation: 'regex', message: IPV4_MAYBE_PREFIX_MESSAGE });
  } else if (!isIpv6MaybePrefix(v))
    refuse(
      ctx,
      `${JSON.stringify(v.slice(0, 60))} is not an IPv6 address with an optional prefix length`,
      'write it like 2001:db8::100 or 2001:db8::100/64',
    );
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
export const url = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9][A-Za-z0-9._~:\/?#\[\]@!$&()*+,;=%-]*$/, { message: 'expected an http(s) URL without spaces or quotes' });
/** A yum baseurl prefix: http(s), ftp or file, no spaces or quotes; `$releasever`/`$basearch` are yum's own variables. */
export const mirrorUrl = z
  .string()
  .regex(/^(https?|ftp):\/\/[A-Za-z0-9][A-Za-z0-9._~:\/@%+=,$-]*$|^file:\/\/\/[A-Za-z0-9._~\/@%+=,$-]*$/, {
    message: 'expected an http(s), ftp or file:/// URL without spaces, quotes, ? or #',
  })
  .refine((v) => !/\$(?!releasever\b|basearch\b)/.test(v), { message: 'the only $ yum expands here are $releasever and $basearch' });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'expected an environment variable name' });

/**
 * A URL kept out of the inventory (it may carry credentials): read from an environment variable or
 * a file at load, like password_env/password_file. Its value is checked as the inline URL would be.
 */
export const urlSource = z
  .object({
    url_env: envName.optional().describe('The environment variable that holds the URL. e.g. HAOPS_WEBHOOK_URL'),
    url_file: z.string().min(1).optional().describe('A file on this machine holding the URL (first line). e.g. ~/.haops/webhook-url'),
  })
  .strict()
  .refine((v) => (v.url_env === undefined) !== (v.url_file === undefined), {
    message: 'give exactly one of url_env: VAR or url_file: PATH',
    params: { fix: 'e.g. - url_env: HAOPS_WEBHOOK_URL' },
  });
export type UrlSource = z.infer<typeof urlSource>;

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
    password: z.string().optional().describe('The secret written inline (avoid: prefer password_env). e.g. s3cret'),
    password_env: envName.optional().describe('Name of the environment variable that holds the secret. e.g. HAOPS_SUDO_PASSWORD'),
    password_file: z.string().optional().describe('A file on this machine holding the secret (first line). e.g. ~/.haops/sudo-password'),
    default: z
      .string()
      .optional()
      .describe('Used when the variable or file is unset; deploy refuses it unless allow_default_secrets. e.g. testpass'),
  })
  .strict();

const sudo = z
  .union([z.boolean(), secretSource])
  .describe(
    'Run commands as root through sudo when the login user is not root: true (NOPASSWD) or where its password comes from. e.g. { password_env: HAOPS_SUDO_PASSWORD }',
  );

const sshSettings = {
  user: userName('user').optional().describe('SSH login user (else ~/.ssh/config, else root). e.g. admin'),
  port: port.optional().describe('SSH port (else ~/.ssh/config, else 22). e.g. 2222'),
  identity_file: z
    .string()
    .min(1)
    .optional()
    .describe('Private key file (else ~/.ssh/config, the agent, ~/.ssh/id_*). e.g. ~/.ssh/id_ed25519'),
  known_hosts: z
    .string()
    .min(1)
    .optional()
    .describe('known_hosts file to check host keys against (default ~/.ssh/known_hosts). e.g. ~/.ssh/known_hosts'),
  jump: nameOf('jump').optional().describe('A host of the inventory to reach this one through (like ssh -J). e.g. bastion'),
  sudo: sudo.optional(),
};

export const sshDefaults = z.object(sshSettings).strict().describe('SSH settings every host takes unless it sets its own.');

export const hostSchema = z
  .object({
    address: hostName('an address or ~/.ssh/config host', '192.168.0.101 or proxy101.example.com').describe(
      'Where SSH reaches the host: an IPv4 address, a DNS name or a Host of ~/.ssh/config. e.g. 192.168.0.101',
    ),
    /** The node's OS before any node is asked (centos7, el9, debian12, ...): validate, plan and render assume its keepalived and SELinux. */
    os: z
      .string()
      .superRefine((v, ctx) => {
        if (!OS_HINTS[v])
          refuse(
            ctx,
            `unknown os ${JSON.stringify(v.slice(0, 40))}`,
            `write one of ${OS_HINT_NAMES.join(', ')} (or leave os: out: deploy asks the node)`,
          );
      })
      .optional()
      .describe(
        "The node's OS before any node is asked: validate, plan and render assume its keepalived and SELinux (deploy asks the node). e.g. centos7",
      ),
    /** The node's address on the pair's LAN; defaults to address when that is an IPv4 literal. */
    ip: ipv4
      .optional()
      .describe("The node's address on the pair's LAN (default: address, when that is an IPv4 address). e.g. 192.168.0.101"),
    /** The node's IPv6 address on the pair's LAN: needed by every IPv6 instance of its pair. */
    ip6: ipv6.optional().describe("The node's IPv6 address on the pair's LAN (needed when its pair has an IPv6 VIP). e.g. 2001:db8::11"),
    ...sshSettings,
  })
  .strict();

export const authSchema = z
  .object({
    type: z.enum(['PASS', 'AH']).default('PASS').describe("keepalived's auth_type."),
    password: z
      .string()
      .optional()
      .describe('The VRRP password inline (avoid: prefer password_env); keepalived uses its first 8 characters. e.g. s3cret'),
    password_env: secretSource.shape.password_env.describe('Environment variable holding the VRRP password. e.g. HAOPS_VRRP_PASSWORD'),
    password_file: z.string().optional().describe('A file on this machine holding the VRRP password. e.g. ~/.haops/vrrp-password'),
    default: z
      .string()
      .optional()
      .describe('Used when the variable or file is unset; deploy refuses it unless allow_default_secrets. e.g. testpass'),
  })
  .strict()
  .describe('VRRP authentication (keepalived authentication block). e.g. { password_env: HAOPS_VRRP_PASSWORD }');

/** A network interface name as Linux takes it (IFNAMSIZ 16, NUL included). */
const interfaceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$/, { message: 'expected an interface name like eth0 or em1' });

/**
 * One entry of `vips:`: `addr[/prefix]`, or `{ address, dev }` for an address keepalived puts on
 * another interface. A plain string reads as `{ address }`, so every entry has one shape after parse.
 */
export const vipItem = z.preprocess(
  (v) => (typeof v === 'string' ? { address: v } : v),
  z
    .object({
      address: vipAddressSchema.describe(
        'The address, IPv4 or IPv6, with or without prefix length; an instance with both families is two keepalived instances (NAME and NAME_V6). e.g. 192.168.0.106/24',
      ),
      dev: interfaceName
        .optional()
        .describe("The interface keepalived puts it on (default: the pair's interface; another one lifts the subnet rule). e.g. eth1"),
    })
    .strict(),
);
export type VipItem = z.infer<typeof vipItem>;

/** vip: or vips:, never both or neither (a refinement of each instance, so instanceSchema keeps its shape). */
export function exactlyOneVip(inst: { name?: string; vip?: string; vips?: unknown[] }, ctx: z.RefinementCtx): void {
  if (inst.vip !== undefined && inst.vips !== undefined)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['vips'],
      message: `instance ${inst.name ?? '(unnamed)'} has both vip: and vips:`,
      params: { fix: "keep one: vip: for one address, or vips: listing every address (the first is the instance's primary VIP)" },
    });
  else if (inst.vip === undefined && inst.vips === undefined)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `instance ${inst.name ?? '(unnamed)'} has no vip: or vips:`,
      params: { fix: 'add vip: 10.0.0.100/24, or vips: [10.0.0.100/24, 10.0.0.101/24] for addresses that move together' },
    });
}

export const instanceSchema = z
  .object({
    name: nameOf('instance name').describe('The vrrp_instance name. e.g. VI_1'),
    virtual_router_id: z
      .number()
      .int()
      .min(1, 'virtual_router_id must be 1..255')
      .max(255, 'virtual_router_id must be 1..255')
      .describe('VRRP router id, unique per LAN segment (validate checks it across pairs on one subnet). e.g. 51'),
    vip: vipAddressSchema
      .optional()
      .describe(
        "The virtual IP, IPv4 or IPv6, with or without prefix length (default: the subnet's); an IPv6 VIP makes a VRRPv3 instance and needs subnet6 and both nodes' ip6; or vips: for several (IPv4). e.g. 192.168.0.105/24",
      ),
    vips: z
      .array(vipItem)
      .min(1, 'vips needs at least one address')
      .optional()
      .describe(
        'Several virtual IPs that move together (instead of vip:): each addr[/prefix], or { address, dev } for one on another interface. e.g. [192.168.0.105/24, { address: 10.1.0.5/24, dev: eth1 }]',
      ),
    master: nameOf('master').describe('The node that holds the VIP when both are healthy. e.g. proxy101'),
    priorities: z
      .union([
        z.literal('derive'),
        z.record(nameOf('node'), z.number().int().min(1, 'priority must be 1..254').max(254, 'priority must be 1..254')),
      ])
      .default('derive')
      .describe(
        'Priority per node, or derive: MASTER above BACKUP by less than the check weight, so a failed check moves the VIP. e.g. { proxy101: 200, proxy102: 199 }',
      ),
    /** Unset: the pair's failover profile decides (classic 1 s, fast 0.2 s). */
    advert_int: seconds(0.01, 255)
      .optional()
      .describe("Seconds between VRRP adverts (default: the failover profile's, classic 1, fast 0.2). e.g. 1"),
    nopreempt: z.boolean().default(false).describe('A recovered MASTER does not take the VIP back (both nodes start as BACKUP).'),
    garp_master_delay: z
      .number()
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe('Seconds after becoming MASTER before the second gratuitous ARP burst. e.g. 5'),
    authentication: authSchema.optional(),
  })
  .strict();

export const checkSchema = z
  .object({
    name: nameOf('check name').default('chk_nginx').describe('The vrrp_script name.'),
    script: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.\/][A-Za-z0-9_.\/-]*( [A-Za-z0-9_.\/-]+)*$/, {
        message:
          'script is a command and its arguments separated by single spaces: letters, digits and _ . / - only (no quotes, pipes or newlines: put logic in a script file)',
      })
      // Unset: the node's family decides (core/os-hints.ts): killall -0 nginx, or pgrep where SELinux confines keepalived.
      .optional()
      .describe(
        'The health check command keepalived runs (a command and plain arguments; logic goes in a script file). Default: killall -0 nginx, or /usr/bin/pgrep -x nginx on EL7+ (SELinux confines keepalived there). e.g. /usr/local/bin/check_nginx.sh',
      ),
    interval: seconds(0.01, 3600).default(1).describe('Seconds between checks.'),
    timeout: seconds(0.01, 3600).optional().describe('Seconds before a check that has not returned counts as failed. e.g. 2'),
    weight: z
      .number()
      .int()
      .min(-253, 'weight must be -253..253')
      .max(253, 'weight must be -253..253')
      .default(2)
      .describe('Priority added while the check passes (negative: taken while it fails).'),
    fall: z.number().int().min(1).max(255).default(2).describe('Failed checks in a row before the node counts as down.'),
    rise: z.number().int().min(1).max(255).default(1).describe('Passed checks in a row before it counts as up again.'),
  })
  .strict()
  .describe('The health check (vrrp_script) that moves the VIP off a node whose nginx is down.');

export const notifySchema = z
  .object({
    script: nodePath('script', '/usr/local/bin/keepalived_notify.sh')
      .default('/usr/local/bin/keepalived_notify.sh')
      .describe('Where haops installs the notify script on each node.'),
    log: nodePath('log', '/var/log/keepalived.notify.log')
      .default('/var/log/keepalived.notify.log')
      .describe('The log every state change is appended to on the node.'),
    email: z
      .object({
        to: z.array(emailAddr).min(1).describe('Recipients. e.g. [ops@example.com]'),
        from: emailAddr.describe('Sender address. e.g. keepalived@example.com'),
        /** host or host:port (keepalived's `smtp_server HOST [PORT]`, default port 25). */
        smtp_server: withPort('a host or IPv4 address, optionally with :port', '127.0.0.1 or 10.0.0.5:2525', true)
          .default('127.0.0.1')
          .describe("keepalived's smtp_server: host or host:port (port 25 when not given)."),
        smtp_connect_timeout: z.number().int().min(1).max(600).default(30).describe('Seconds keepalived waits for the SMTP server.'),
      })
      .strict()
      .optional()
      .describe(
        'Mail on every state change, sent by keepalived itself (global_defs). e.g. { to: [ops@example.com], from: keepalived@example.com }',
      ),
    /** Each a URL, or { url_env: VAR } / { url_file: PATH } to keep its credentials out of the inventory. */
    webhooks: z
      .array(z.union([url, urlSource]))
      .default([])
      .describe(
        'URLs the notify script POSTs each state change to (JSON); each a URL, or { url_env: VAR } / { url_file: PATH } when it carries credentials. e.g. [https://hooks.example.com/ha]',
      ),
    /**
     * Your own scripts, kept working (haops import writes them from notify_* lines it cannot replace):
     * haops' notify script runs each, detached, on that state change (`on: master|backup|fault|stop`,
     * as keepalived's notify_STATE runs it) or on every one (`on: any`, with TYPE NAME STATE PRIORITY appended).
     */
    hooks: z
      .array(
        z
          .object({
            on: z
              .enum(['master', 'backup', 'fault', 'stop', 'any'], {
                errorMap: () => ({ message: 'on is master, backup, fault, stop or any' }),
              })
              .describe('The state change that runs it, or any. e.g. master'),
            run: z
              .string()
              .superRefine((v, ctx) => {
                const [cmd = '', ...args] = v.split(' ');
                const problem = nodePathProblem(cmd, 'command');
                if (problem || !args.every((a) => /^[A-Za-z0-9_.\/=:,@+-]+$/.test(a)))
                  refuse(
                    ctx,
                    `hook ${v.length > 80 ? 'command' : JSON.stringify(v)} ${problem ?? 'has an argument with characters other than letters, digits and _ . / = : , @ + -'}`,
                    'an absolute script path, then plain arguments separated by single spaces, like /etc/keepalived/to_master.sh master',
                  );
              })
              .describe('An absolute script path, then plain arguments. e.g. /etc/keepalived/to_master.sh master'),
          })
          .strict(),
      )
      .default([])
      .describe(
        'Your own scripts run on a state change (haops import keeps them here). e.g. [{ on: master, run: /etc/keepalived/to_master.sh }]',
      ),
    sms: z
      .object({
        url: url.optional().describe('An SMS gateway URL the notify script POSTs to. e.g. https://sms.example.com/send'),
        url_env: envName.optional().describe('Or the environment variable holding that URL (it may carry an api_key). e.g. HAOPS_SMS_URL'),
        url_file: z.string().min(1).optional().describe('Or a file on this machine holding that URL (first line). e.g. ~/.haops/sms-url'),
        command: nodePath('command', '/usr/local/bin/send-sms')
          .optional()
          .describe('Or a command on the node, run with each number and the text. e.g. /usr/local/bin/send-sms'),
        to: z
          .array(z.string().regex(/^\+?[0-9]{5,15}$/, { message: 'expected a phone number like +8613800000000' }))
          .default([])
          .describe('Phone numbers. e.g. [+8613800000000]'),
        template: z
          .string()
          .regex(/^[^\n\r\0`$\\"']*$/, {
            message:
              'template may not hold newlines, NUL, quotes, backslashes, ` or $ (placeholders are {host} {instance} {state} {priority})',
          })
          .default('[haops] {host} {instance} is now {state} (priority {priority})')
          .describe('The text; {host} {instance} {state} {priority} are filled in.'),
      })
      .strict()
      .optional()
      .describe('SMS on every state change, from the notify script. e.g. { url: https://sms.example.com/send, to: [+8613800000000] }'),
  })
  .strict()
  .describe('What happens on each VRRP state change: the notify script, its log, and mail, webhooks, SMS.');

export const upstreamSchema = z
  .object({
    name: nameOf('upstream name').describe('The nginx upstream block name. e.g. backends'),
    servers: z
      .array(hostPort)
      .min(1, 'an upstream needs at least one server')
      .describe('host:port of each backend. e.g. [10.0.0.21:8080, 10.0.0.22:8080]'),
  })
  .strict();

/** TLS termination: the certificate chain and key haops pushes from this machine to both nodes. */
export const tlsSchema = z
  .object({
    cert_file: z
      .string()
      .min(1)
      .describe(
        'The certificate chain (PEM: the site certificate first, then its intermediates) on this machine. e.g. certs/api.example.com.pem',
      ),
    key_file: z
      .string()
      .min(1)
      .optional()
      .describe('The private key (PEM) on this machine, mode 0600; or key_env. e.g. ~/.haops/api.example.com.key'),
    key_env: envName.optional().describe('The environment variable that holds the private key (PEM); or key_file. e.g. HAOPS_TLS_KEY'),
    listen: port.default(443).describe('The port nginx serves TLS on. e.g. 443'),
    redirect_http: z
      .boolean()
      .default(false)
      .describe("The plain-HTTP port answers 301 to https:// (except haops's /haops-health). e.g. true"),
    http2: z.boolean().default(false).describe("Offer HTTP/2 on the TLS port where the node's nginx has it (1.9.5 and later). e.g. true"),
    ca_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The CA (PEM) that the drill's and switchover's probes from this machine verify the site against; without it, Node's built-in CAs. e.g. certs/internal-ca.pem",
      ),
    server_name: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/, 'a host name like api.example.com (no wildcard: the probes ask for one real name)')
      .optional()
      .describe("The name the probes ask for (SNI and Host); default: the certificate's first DNS name. e.g. api.example.com"),
  })
  .strict()
  .refine((v) => (v.key_file === undefined) !== (v.key_env === undefined), {
    message: 'give exactly one of key_file: PATH or key_env: VAR',
    params: { fix: 'e.g. key_file: ~/.haops/site.key (mode 0600)' },
  });
export type TlsSpec = z.infer<typeof tlsSchema>;

/** The path a client asks through the VIP (reaching the upstreams): status, deploy and the drill request it. */
const healthPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\/%?=&+,:@-]{0,200}$/, {
    message: 'health_path is a URL path like / or /healthz?full=1 (letters, digits and . _ ~ / % ? = & + , : @ - only)',
  })
  .default('/');
/** The answer that counts as healthy: one status like 200, or a range like 200-399. */
const healthStatus = z
  .union([z.number().int().min(100).max(599), z.string()])
  .superRefine((v, ctx) => {
    if (typeof v === 'number') return;
    const m = /^([1-5]\d\d)-([1-5]\d\d)$/.exec(v);
    if (!m || Number(m[1]) > Number(m[2]))
      refuse(ctx, `health_status ${JSON.stringify(v)} is not a status or a range`, 'write one status like 200 or a range like 200-399');
  })
  .default('200-399');
/** Extra directives for the server block, one per line, as nginx reads them. */
const nginxExtra = z
  .array(
    z.string().superRefine((v, ctx) => {
      const bad = nginxExtraProblem(v);
      if (bad) refuse(ctx, `this nginx directive ${bad.problem}`, bad.fix);
    }),
  )
  .default([]);

/** A site's host name: one real name (it reaches SNI, Host and the probe host's curl --resolve), never a wildcard. */
export const SITE_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;
const siteServerName = z.string().regex(SITE_NAME_RE, {
  message: 'expected a host name like api.example.com (no wildcard, no _: the probes ask for each site by a real name)',
});

/** The fields of one site: at the top of nginx: (a pair with one site) or in each entry of nginx.sites. */
export const SITE_FIELDS = ['server_name', 'health_path', 'health_status', 'extra', 'tls'] as const;

/** One nginx site of several: its own host names, upstream, health path, TLS and extra directives. */
export const siteSchema = z
  .object({
    name: nameOf('site name').describe('The site, by a name you choose: status and the drill (--site) name it. e.g. api'),
    server_name: z
      .union([siteServerName, z.array(siteServerName).min(1, 'give at least one host name')])
      .transform((v) => (typeof v === 'string' ? [v] : v))
      .describe('The host names the site answers (no wildcard); the probes ask for the first. e.g. [api.example.com, api2.example.com]'),
    upstream: z.string().min(1).describe('The nginx.upstreams entry this site proxies to (by its name). e.g. api_backends'),
    health_path: healthPath.describe(
      'The path status, deploy and the drill ask through the VIP for this site (Host: its first name). e.g. /healthz',
    ),
    health_status: healthStatus.describe('The answer that counts as healthy for this site: one status or a range.'),
    extra: nginxExtra.describe('Extra directives for this site\'s server block, one per entry. e.g. ["client_max_body_size 10m;"]'),
    tls: tlsSchema
      .optional()
      .describe(
        'TLS termination for this site, with its own certificate and key. e.g. { cert_file: certs/api.pem, key_file: ~/.haops/api.key }',
      ),
    default: z
      .boolean()
      .default(false)
      .describe(
        'The site that answers a request for a host no site names (and the one the drill and switchover probe). At most one; none: the first site.',
      ),
  })
  .strict();
export type SiteInput = z.infer<typeof siteSchema>;

export const nginxSchema = z
  .object({
    listen: port.default(80).describe('The port nginx listens on (on the VIP and the node).'),
    server_name: z
      .string()
      .regex(/^(_|[A-Za-z0-9*][A-Za-z0-9.*-]*)$/, {
        message: 'expected a host name like api.example.com, a wildcard like *.example.com, or _',
      })
      .default('_')
      .describe('server_name of the site (_ : any).'),
    upstreams: z
      .array(upstreamSchema)
      .min(1, 'nginx needs at least one upstream')
      .describe('The backends nginx proxies to; the first is the default.'),
    /** The path a client asks through the VIP (reaching the upstreams): status, deploy and the drill request it. */
    health_path: healthPath.describe(
      'The path a client asks through the VIP (reaching the upstreams): status, deploy and the drill request it.',
    ),
    /** The answer that counts as healthy: one status like 200, or a range like 200-399. */
    health_status: healthStatus.describe('The answer that counts as healthy: one status or a range.'),
    /** Extra directives for the server block, one per line, as nginx reads them. */
    extra: nginxExtra.describe(
      'Extra directives for the server block, one per entry, as nginx reads them. e.g. ["client_max_body_size 10m;"]',
    ),
    tls: tlsSchema
      .optional()
      .describe(
        'TLS termination: nginx also listens with TLS, with a certificate and key pushed from this machine. e.g. { cert_file: certs/site.pem, key_file: ~/.haops/site.key }',
      ),
    sites: z
      .array(siteSchema)
      .min(1, 'sites: needs at least one site (or leave it out: the fields above are then the one site)')
      .optional()
      .describe(
        'Several sites (server blocks), each with its host names, upstream, health path, extra and TLS; without it, server_name, health_path, health_status, extra and tls above are the one site (docs/sites.md). e.g. [{ name: api, server_name: api.example.com, upstream: api }]',
      ),
  })
  .strict()
  .describe('The nginx site haops writes on both nodes: a reverse proxy to the upstreams.');

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
      .default('local')
      .describe(
        "local (this machine), none (only the nodes' own answer), or a host of the inventory on the clients' LAN, reached over SSH. e.g. probe1",
      ),
  })
  .strict()
  .describe("Where status, deploy's VIP check and the drill ask the user's path through the VIP from.");

/** An nginx file an adopted node had (a site that would clash with haops' own): under /etc/nginx/, plain and normalised. */
const nginxFile = z.string().superRefine((v, ctx) => {
  if (
    !/^\/etc\/nginx\/[A-Za-z0-9_.\/-]+$/.test(v) ||
    v
      .split('/')
      .slice(1)
      .some((s) => s === '..' || s === '.' || s === '' || s.startsWith('-'))
  )
    refuse(
      ctx,
      `${v.length > 80 ? 'the path' : JSON.stringify(v)} is not a plain file under /etc/nginx/`,
      'name an nginx site file like /etc/nginx/sites-enabled/api.conf',
    );
  else if (v === '/etc/nginx/conf.d/haops.conf' || v === '/etc/nginx/nginx.conf')
    refuse(ctx, `${v} cannot be moved aside (haops writes it, or nginx needs it)`, 'remove it from adopt.move_aside');
});

export const adoptSchema = z
  .object({
    move_aside: z
      .record(nameOf('node'), z.array(nginxFile))
      .default({})
      .describe('Per node, nginx site files to move aside. e.g. { node1: [/etc/nginx/sites-enabled/api.conf] }'),
  })
  .strict();

/**
 * `failover: classic` (the write-up's settings, the default), `failover: fast`, or an object that
 * tunes a profile (`profile:` defaults to classic there too: tuning never switches the profile
 * silently). Version limits are checked by the model.
 */
const failoverObject = z
  .object({
    profile: z
      .enum(['classic', 'fast'], { errorMap: () => ({ message: 'expected classic or fast' }) })
      .default('classic')
      .describe("classic: the write-up's VRRPv2, 1 s adverts, 200/199; fast: VRRPv3, 0.2 s adverts, 254/253 (docs/failover.md)."),
    vrrp_version: z
      .union([z.literal(2), z.literal(3)], { errorMap: () => ({ message: 'vrrp_version is 2 or 3' }) })
      .optional()
      .describe('VRRP version (sub-second adverts need 3). e.g. 3'),
    /** VRRPv3 takes 0.01..40.95 s in 10 ms steps. */
    advert_int: seconds(0.01, 40.95).optional().describe('Seconds between adverts (VRRPv3: 0.01..40.95 in 10 ms steps). e.g. 0.2'),
    track: z
      .enum(['process', 'script'], {
        errorMap: () => ({ message: 'track is process (vrrp_track_process, keepalived 2.0.11+) or script (vrrp_script)' }),
      })
      .optional()
      .describe('How nginx is watched: process (vrrp_track_process, keepalived 2.0.11+, instant) or script (vrrp_script). e.g. process'),
    garp_master_delay: z.number().int().min(0).max(255).optional().describe('Seconds before the second gratuitous ARP burst. e.g. 5'),
    garp_master_repeat: z.number().int().min(1).max(255).optional().describe('Gratuitous ARPs per burst. e.g. 5'),
    garp_master_refresh: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .optional()
      .describe('Seconds between refresh ARPs while MASTER (0: none). e.g. 60'),
    higher_prio_send_advert: z.boolean().optional().describe('A MASTER that hears a lower priority answers at once.'),
    rt_priority: z
      .number()
      .int()
      .min(1, 'rt_priority is 1..99')
      .max(99, 'rt_priority is 1..99')
      .optional()
      .describe("Realtime scheduling priority of keepalived's VRRP process. e.g. 50"),
    down_timer_adverts: z
      .number()
      .int()
      .min(1, 'down_timer_adverts is 1..100')
      .max(100, 'down_timer_adverts is 1..100')
      .optional()
      .describe('Adverts missed before the BACKUP takes over (keepalived 2.2+; VRRP says 3). e.g. 3'),
  })
  .strict();
export const failoverSchema = z
  .preprocess((v) => (typeof v === 'string' ? { profile: v } : v), failoverObject)
  .describe('classic (default), fast, or an object tuning a profile (profile: defaults to fast there). e.g. fast');

export const pairSchema = z
  .object({
    nodes: z
      .array(nameOf('node'))
      .length(2, 'a pair has exactly two nodes')
      .describe('The two hosts of the pair. e.g. [proxy101, proxy102]'),
    interface: interfaceName.describe('The LAN interface the VIP lives on, on both nodes. e.g. eth0'),
    subnet: cidr.describe("The pair's LAN; both nodes and every VIP are in it. e.g. 192.168.0.0/24"),
    subnet6: cidr6
      .optional()
      .describe(
        "The pair's LAN in IPv6 (needed when an instance has an IPv6 VIP); both nodes' ip6 and every IPv6 VIP are in it. e.g. 2001:db8::/64",
      ),
    instances: z
      .array(instanceSchema.superRefine(exactlyOneVip))
      .min(1, 'a pair needs at least one VRRP instance')
      .describe('The VRRP instances: each with its VIP or VIPs (two instances, each MASTER on one node: active-active).'),
    check: checkSchema.default({}),
    failover: failoverSchema.optional(),
    notify: notifySchema.default({}),
    nginx: nginxSchema,
    /** keepalived's script_user; when set, enable_script_security is emitted too. */
    script_user: userName('script_user')
      .optional()
      .describe("keepalived's script_user; set, enable_script_security is written too. e.g. keepalived_script"),
    /** haops opens VRRP from the peer and nginx's port in firewalld / the iptables service; false: you do. */
    manage_firewall: z
      .boolean()
      .default(true)
      .describe("haops opens VRRP from the peer and nginx's port in firewalld / the iptables service; false: you do."),
    /** Overrides the top-level probe: for this pair. */
    probe: probeSchema.optional().describe("This pair's probe (overrides the top-level one). e.g. { from: probe1 }"),
    /** Written by `haops import`: per node, nginx files the first deploy moves aside (to /var/backups/haops/TIME/). */
    adopt: adoptSchema
      .optional()
      .describe(
        'Written by haops import: per node, nginx files the first deploy moves aside to /var/backups/haops/TIME/. e.g. { node1: [/etc/nginx/sites-enabled/api.conf] }',
      ),
  })
  .strict();

export const inventorySchema = z
  .object({
    ssh: sshDefaults.default({}),
    hosts: z
      .record(nameOf('host name'), hostSchema)
      .describe('Every machine haops reaches over SSH, by a name you choose: the nodes, probe hosts and jump hosts.'),
    pairs: z.record(nameOf('pair name'), pairSchema).describe('The HA pairs, by a name you choose: two nodes sharing one or more VIPs.'),
    /** Lets `default:` stand in for an unset secret at deploy time (the lab's inventory sets it). */
    allow_default_secrets: z
      .boolean()
      .default(false)
      .describe("Lets a secret's default: stand in when its variable is unset, at deploy time too (the lab's inventory sets it)."),
    /** Where the user's path through every pair's VIPs is asked from (a pair may set its own). */
    probe: probeSchema.optional(),
    /**
     * Archive mirrors for end-of-life CentOS 6/7 (their mirror lists are gone). haops writes its own
     * /etc/yum.repos.d/haops-archive.repo from them and installs only from it; your repo files stay.
     */
    el_archive: z
      .object({
        /** Release directory of a CentOS archive: haops adds /os|updates|extras/$basearch/. */
        centos: z
          .union([mirrorUrl, urlSource])
          .describe(
            'Release directory of a CentOS archive; haops adds /os|updates|extras/$basearch/. e.g. https://vault.centos.org/7.9.2009',
          ),
        /** Release directory of an EPEL archive: haops adds /$basearch/. */
        epel: z
          .union([mirrorUrl, urlSource])
          .optional()
          .describe(
            'Release directory of an EPEL archive; haops adds /$basearch/. e.g. https://archives.fedoraproject.org/pub/archive/epel/7',
          ),
      })
      .strict()
      .optional()
      .describe(
        'Archive mirrors for end-of-life CentOS 6/7; haops writes /etc/yum.repos.d/haops-archive.repo and installs only from it (docs/el.md).',
      ),
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
      .optional()
      .describe(
        'The nginx module stream on EL8/9 (dnf module list nginx), quoted; unset: EL8\'s default (1.14), EL9\'s AppStream package. e.g. "1.24"',
      ),
  })
  .strict();

export type Inventory = z.infer<typeof inventorySchema>;
export type HostSpec = z.infer<typeof hostSchema>;
export type PairSpec = z.infer<typeof pairSchema>;
export type InstanceSpec = z.infer<typeof instanceSchema>;
export type CheckSpec = z.infer<typeof checkSchema>;
/** notify: as written (a webhook may be a url_env/url_file reference). */
export type NotifyInput = z.infer<typeof notifySchema>;
/** notify: with every URL resolved (what the model and the renderers see). */
export type NotifySpec = Omit<NotifyInput, 'webhooks' | 'sms'> & {
  webhooks: string[];
  sms?: Omit<NonNullable<NotifyInput['sms']>, 'url_env' | 'url_file'>;
};
export type FailoverSpec = z.infer<typeof failoverObject>;
export type SecretSource = z.infer<typeof secretSource>;
export type ProbeSpec = z.infer<typeof probeSchema>;
export type AdoptSpec = z.infer<typeof adoptSchema>;

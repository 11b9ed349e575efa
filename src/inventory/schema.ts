// The inventory's shape, in zod: what a user may write, with the checks that need only one
// value at a time. Checks across values (pairs, segments, failover math) live in validate.ts.
import { z } from 'zod';

/** Text that ends up in a config file or on a command line: no newlines, quotes or shell syntax. */
const SAFE = /^[A-Za-z0-9_.:@%+,=\/-]+$/;
const safe = (what: string) =>
  z.string().min(1).regex(SAFE, {
    message: `${what} may hold only letters, digits and _ . : @ % + , = / - (no spaces, quotes, newlines or shell characters)`,
  });

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
const name = (what: string) =>
  z.string().regex(NAME, { message: `${what} must start with a letter and hold only letters, digits, _ . - (at most 63)` });

const ipv4 = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, { message: 'expected an IPv4 address like 192.168.0.101' });
const cidr = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/, {
    message: 'expected an IPv4 network like 192.168.0.0/24',
  });
const ipv4MaybePrefix = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/([0-9]|[12]\d|3[0-2]))?$/, {
    message: 'expected an IPv4 address, optionally with a prefix length, like 192.168.0.105 or 192.168.0.105/24',
  });
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: 'expected host:port, like 10.0.0.5:8080' });
const port = z.number().int().min(1).max(65535);
const emailAddr = z.string().regex(/^[A-Za-z0-9_.+-]+@[A-Za-z0-9.-]+$/, { message: 'expected an e-mail address like ops@example.com' });
const url = z.string().regex(/^https?:\/\/[A-Za-z0-9._~:\/?#\[\]@!$&()*+,;=%-]+$/, { message: 'expected an http(s) URL without spaces or quotes' });

/** A secret: given inline, or read from an environment variable or a file (with an optional default). */
export const secretSource = z
  .object({
    password: z.string().optional(),
    password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' }).optional(),
    password_file: z.string().optional(),
    default: z.string().optional(),
  })
  .strict();

const sudo = z.union([z.boolean(), secretSource]);

const sshSettings = {
  user: safe('user').optional(),
  port: port.optional(),
  identity_file: z.string().min(1).optional(),
  known_hosts: z.string().min(1).optional(),
  jump: safe('jump').optional(),
  sudo: sudo.optional(),
};

export const sshDefaults = z.object(sshSettings).strict();

export const hostSchema = z
  .object({
    address: safe('address'),
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
    name: name('instance name'),
    virtual_router_id: z.number().int().min(1, 'virtual_router_id must be 1..255').max(255, 'virtual_router_id must be 1..255'),
    vip: ipv4MaybePrefix,
    master: name('master'),
    priorities: z
      .union([z.literal('derive'), z.record(z.number().int().min(1, 'priority must be 1..254').max(254, 'priority must be 1..254'))])
      .default('derive'),
    advert_int: z.number().positive().max(255).default(1),
    nopreempt: z.boolean().default(false),
    garp_master_delay: z.number().int().min(0).max(255).optional(),
    authentication: authSchema.optional(),
  })
  .strict();

export const checkSchema = z
  .object({
    name: name('check name').default('chk_nginx'),
    script: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.\/ -]+$/, {
        message: 'script may hold only letters, digits, spaces and _ . / - (no quotes, pipes or newlines: put logic in a script file)',
      })
      .default('killall -0 nginx'),
    interval: z.number().positive().max(3600).default(1),
    timeout: z.number().positive().max(3600).optional(),
    weight: z.number().int().min(-253, 'weight must be -253..253').max(253, 'weight must be -253..253').default(2),
    fall: z.number().int().min(1).max(255).default(2),
    rise: z.number().int().min(1).max(255).default(1),
  })
  .strict();

export const notifySchema = z
  .object({
    script: z.string().regex(/^\/[A-Za-z0-9_.\/-]+$/, { message: 'expected an absolute path like /usr/local/bin/keepalived_notify.sh' }).default('/usr/local/bin/keepalived_notify.sh'),
    log: z.string().regex(/^\/[A-Za-z0-9_.\/-]+$/, { message: 'expected an absolute path like /var/log/keepalived.notify.log' }).default('/var/log/keepalived.notify.log'),
    email: z
      .object({
        to: z.array(emailAddr).min(1),
        from: emailAddr,
        /** host or host:port (keepalived's `smtp_server HOST [PORT]`, default port 25). */
        smtp_server: z
          .string()
          .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, { message: 'expected a host or IPv4 address, optionally with :port, like 127.0.0.1 or 10.0.0.5:2525' })
          .default('127.0.0.1'),
        smtp_connect_timeout: z.number().int().min(1).max(600).default(30),
      })
      .strict()
      .optional(),
    webhooks: z.array(url).default([]),
    sms: z
      .object({
        url: url.optional(),
        command: z.string().regex(/^\/[A-Za-z0-9_.\/-]+$/, { message: 'expected an absolute path to an executable' }).optional(),
        to: z.array(z.string().regex(/^\+?[0-9]{5,15}$/, { message: 'expected a phone number like +8613800000000' })).default([]),
        template: z
          .string()
          .regex(/^[^\n\r`$\\"']*$/, { message: 'template may not hold newlines, quotes, backslashes, ` or $ (placeholders are {host} {instance} {state} {priority})' })
          .default('[haops] {host} {instance} is now {state} (priority {priority})'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const upstreamSchema = z
  .object({
    name: name('upstream name'),
    servers: z.array(hostPort).min(1, 'an upstream needs at least one server'),
  })
  .strict();

export const nginxSchema = z
  .object({
    listen: port.default(80),
    server_name: safe('server_name').default('_'),
    upstreams: z.array(upstreamSchema).min(1, 'nginx needs at least one upstream'),
    /** Extra directives for the server block, one per line, as nginx reads them. */
    extra: z.array(z.string().regex(/^[^\n\r{}]*;$/, { message: 'each extra line is one nginx directive ending in ;' })).default([]),
  })
  .strict();

export const pairSchema = z
  .object({
    nodes: z.array(name('node')).length(2, 'a pair has exactly two nodes'),
    interface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, { message: 'expected an interface name like eth0 or em1' }),
    subnet: cidr,
    instances: z.array(instanceSchema).min(1, 'a pair needs at least one VRRP instance'),
    check: checkSchema.default({}),
    notify: notifySchema.default({}),
    nginx: nginxSchema,
    /** keepalived's script_user; when set, enable_script_security is emitted too. */
    script_user: safe('script_user').optional(),
  })
  .strict();

export const inventorySchema = z
  .object({
    ssh: sshDefaults.default({}),
    hosts: z.record(hostSchema),
    pairs: z.record(pairSchema),
  })
  .strict();

export type Inventory = z.infer<typeof inventorySchema>;
export type HostSpec = z.infer<typeof hostSchema>;
export type PairSpec = z.infer<typeof pairSchema>;
export type InstanceSpec = z.infer<typeof instanceSchema>;
export type CheckSpec = z.infer<typeof checkSchema>;
export type NotifySpec = z.infer<typeof notifySchema>;
export type SecretSource = z.infer<typeof secretSource>;

// The notify script of each node: the protocol room's notify asset (protocol/notify.ts) bound to
// the node's channels, and the jobs one run of it starts, as haops expects them in its log. Pure.
import type { NodeModel } from '../model/derive.js';
import type { NotifySpec } from '../inventory/schema.js';
import { maskUrl } from '../core/url-credentials.js';
import { NOTIFY, NOTIFY_TOKEN_FILE, NOTIFY_TOKEN_HEADER } from '../protocol/notify.js';
import { bind } from '../protocol/script.js';

/** The e-mail settings, with the SMTP port when the model gives one (keepalived: `smtp_server HOST [PORT]`). */
export type EmailSettings = NonNullable<NotifySpec['email']> & { port?: number };

export interface NotifyScriptOptions {
  /**
   * When the script itself mails. keepalived.conf carries `smtp_alert` whenever e-mail is set, so
   * keepalived already mails every state change through smtp_server: the script mailing too would
   * double every alert. 'test' (default): only for `haops notify-test`, which proves the SMTP path
   * keepalived relies on. 'always': on every change as well.
   */
  mail?: 'test' | 'always';
}

/** One background job of the script: what it logs as `channel=C target=T result=...`. */
export interface NotifyJob {
  channel: 'webhook' | 'sms' | 'email';
  /**
   * A single token: the URL, `TO,URL` / `TO,COMMAND` for SMS, `smtp://HOST:PORT` for mail; every
   * URL credential masked (this is what the node logs and what haops shows).
   */
  target: string;
}

export { NOTIFY_TOKEN_FILE, NOTIFY_TOKEN_HEADER };

const DEFAULT_SMTP_PORT = 25;

/** `HOST:PORT` of the SMTP server mail goes to (the same one keepalived's smtp_alert uses). */
export function smtpEndpoint(email: EmailSettings): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(email.smtp_server);
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return { host: email.smtp_server, port: email.port ?? DEFAULT_SMTP_PORT };
}

/** The channel jobs one run of the script starts (in test mode, or for a real state change). */
export function notifyJobs(node: Pick<NodeModel, 'notify'>, opts: { test: boolean; mail?: 'test' | 'always' }): NotifyJob[] {
  const n = node.notify;
  const jobs: NotifyJob[] = n.webhooks.map((url) => ({ channel: 'webhook', target: maskUrl(url) }));
  if (n.sms) {
    for (const to of n.sms.to) {
      if (n.sms.url) jobs.push({ channel: 'sms', target: `${to},${maskUrl(n.sms.url)}` });
      if (n.sms.command) jobs.push({ channel: 'sms', target: `${to},${n.sms.command}` });
    }
  }
  if (n.email && (opts.test || opts.mail === 'always')) {
    const ep = smtpEndpoint(n.email);
    jobs.push({ channel: 'email', target: `smtp://${ep.host}:${ep.port}` });
  }
  return jobs;
}

/** The notify script of one node: the protocol room's asset, bound to this node's channels. */
export function renderNotifyScript(node: NodeModel, opts: NotifyScriptOptions = {}): string {
  const n = node.notify;
  const ep = n.email ? smtpEndpoint(n.email) : undefined;
  return bind(NOTIFY, {
    HOST: node.host,
    PAIR: node.pair,
    LOG: n.log,
    WEBHOOKS: n.webhooks.map((url) => `${url} ${maskUrl(url)}`).join('\n'),
    // A hook's command is a plain path and plain arguments separated by single spaces (the schema's rule).
    HOOKS: (n.hooks ?? []).map((h) => `${h.on === 'any' ? 'any' : h.on.toUpperCase()} ${h.run}`).join('\n'),
    SMS_TO: n.sms?.to ?? [],
    SMS_URL: n.sms?.url ?? '',
    SMS_URL_SHOWN: n.sms?.url ? maskUrl(n.sms.url) : '',
    SMS_COMMAND: n.sms?.command ?? '',
    SMS_TEMPLATE: n.sms?.template ?? '',
    MAIL: n.email ? ((opts.mail ?? 'test') === 'test' ? 'test-only' : 'always') : '',
    MAIL_FROM: n.email?.from ?? '',
    MAIL_RCPTS: n.email?.to ?? [],
    SMTP_URL: ep ? `smtp://${ep.host}:${ep.port}` : '',
    SMTP_TIMEOUT: n.email?.smtp_connect_timeout ?? 0,
  });
}

// Which notification channels a node has, and which of them this machine can watch itself (the
// endpoint is one of its own addresses, so haops can listen there). Pure.
import type { NodeModel } from '../model/derive.js';
import { smtpEndpoint } from '../render/notify.js';
import { maskRequestPath, maskUrl } from '../core/url-credentials.js';
import type { ChannelName, Endpoint } from './collector.js';

export interface Watchable {
  channel: Exclude<ChannelName, 'log'>;
  /** The URL (credentials masked) or SMTP address. */
  target: string;
  /** Where haops must listen to see it, when the address is this machine's. */
  listen: Endpoint | null;
  kind: 'http' | 'smtp';
  /** For HTTP: the path (and query, credentials masked, as the collector records it) the node posts to. */
  path?: string;
}

/**
 * An address of this machine as the nodes see it. The caller's list decides: by default it holds
 * no loopback address, since 127.0.0.1 on a node is the node itself (tests pass 127.0.0.1).
 */
export function isLocalAddress(host: string, localAddresses: readonly string[]): boolean {
  return localAddresses.includes(host.replace(/^\[|\]$/g, ''));
}

function httpTarget(channel: 'webhook' | 'sms', url: string, local: readonly string[]): Watchable {
  let listen: Endpoint | null = null;
  let path: string | undefined;
  try {
    const u = new URL(url);
    path = maskRequestPath(`${u.pathname}${u.search}`);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    // haops listens for plain HTTP only: an https endpoint is never watched from here.
    if (u.protocol === 'http:' && isLocalAddress(host, local)) listen = { host, port: u.port ? Number(u.port) : 80 };
  } catch {
    // the schema has checked the URL's shape already; an unparsable one is simply not watched
  }
  return { channel, target: maskUrl(url), listen, kind: 'http', path };
}

/**
 * The channels a real state change on this node fires, beyond its log: every webhook, the SMS
 * gateway URL (a command cannot be watched), and e-mail (keepalived's smtp_alert and the script's
 * test mail both go to smtp_server).
 */
export function watchableChannels(node: Pick<NodeModel, 'notify'>, localAddresses: readonly string[]): Watchable[] {
  const n = node.notify;
  const out: Watchable[] = n.webhooks.map((url) => httpTarget('webhook', url, localAddresses));
  if (n.sms?.url && n.sms.to.length > 0) out.push(httpTarget('sms', n.sms.url, localAddresses));
  if (n.email) {
    const ep = smtpEndpoint(n.email);
    out.push({
      channel: 'email',
      target: `smtp://${ep.host}:${ep.port}`,
      kind: 'smtp',
      listen: isLocalAddress(ep.host, localAddresses) ? ep : null,
    });
  }
  return out;
}

/** Every channel configured for the node, the log included (the log file is always written). */
export function configuredChannels(node: Pick<NodeModel, 'notify'>): ChannelName[] {
  const n = node.notify;
  const out: ChannelName[] = ['log'];
  if (n.webhooks.length > 0) out.push('webhook');
  if (n.email) out.push('email');
  if (n.sms && n.sms.to.length > 0 && (n.sms.url || n.sms.command)) out.push('sms');
  return out;
}

/** The channels whose arrival haops can observe itself, per node: what a drill report can check. */
export function observableChannels(node: Pick<NodeModel, 'notify'>, localAddresses: readonly string[]): ChannelName[] {
  const seen = new Set<ChannelName>();
  for (const w of watchableChannels(node, localAddresses)) if (w.listen) seen.add(w.channel);
  return [...seen];
}

export const endpointKey = (e: Endpoint): string => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

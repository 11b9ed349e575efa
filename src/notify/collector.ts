// Listens where the nodes send their notifications (a webhook/SMS-gateway HTTP endpoint and an
// SMTP relay), so `notify-test` and drills can see what arrived and when. Binds one address only.
// What it counts is evidence: with `allowFrom` and `token`, only the run's nodes, carrying the
// run's token, are counted; everything it keeps is escaped (no terminal control sequences).
import { timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { maskRequestPath } from '../core/url-credentials.js';

export type ChannelName = 'log' | 'webhook' | 'email' | 'sms';

interface EventBase {
  /** Local clock (Date.now()) when the notification was complete. */
  receivedAt: number;
  /** Inventory host name (webhook, haops mail) or keepalived router_id (keepalived's smtp_alert). */
  host?: string;
  pair?: string;
  instance?: string;
  state?: string;
  priority?: number;
  /** Sent by `haops notify-test`, not by a real state change. */
  test?: boolean;
  testId?: string;
}

export interface WebhookEvent extends EventBase {
  channel: 'webhook';
  path: string;
  /** The node's own timestamp (the notify script's TIME). */
  time?: string;
  raw: string;
}

export interface EmailEvent extends EventBase {
  channel: 'email';
  from: string;
  to: string[];
  subject: string;
  body: string;
  /** Who wrote the mail: keepalived's smtp_alert or the haops notify script. */
  source: 'keepalived' | 'haops' | 'other';
}

export interface SmsEvent extends EventBase {
  channel: 'sms';
  path: string;
  to: string;
  text: string;
  raw: string;
}

export type NotificationEvent = WebhookEvent | EmailEvent | SmsEvent;

export interface Endpoint {
  host: string;
  port: number;
}

/** A notification refused: from an address that is not one of the run's nodes, or without the run's token. */
export interface RefusedSender {
  at: number;
  /** The sender's address (escaped). */
  from: string;
  channel: 'http' | 'smtp';
  reason: 'not a node of this run' | 'no or wrong token';
}

export interface CollectorOptions {
  webhook?: Endpoint;
  smtp?: Endpoint;
  /** Only these sender addresses are heard (others: HTTP 403, SMTP 554). Unset: any sender. */
  allowFrom?: readonly string[];
  /**
   * The run's token: a webhook/SMS POST must carry it in X-Haops-Token, a mail from the haops
   * script as that header. keepalived's own smtp_alert mail cannot carry it: it is heard by sender
   * address alone. Unset: no token asked.
   */
  token?: string;
}

export interface Collector {
  /** Everything received so far, in arrival order. */
  readonly events: NotificationEvent[];
  /** Everything refused so far (neither counted nor shown beyond the sender's address). */
  readonly refused: RefusedSender[];
  /** The first event (already received or arriving within timeoutMs) that matches; null on timeout. */
  waitFor(pred: (e: NotificationEvent) => boolean, timeoutMs: number): Promise<NotificationEvent | null>;
  stop(): Promise<void>;
  /** http://HOST:PORT/ as bound (the real port when 0 was asked), or null without a webhook listener. */
  readonly webhookUrl: string | null;
  readonly smtpAddress: Endpoint | null;
}

export class CollectorError extends Error {
  constructor(
    readonly endpoint: string,
    readonly code: string | undefined,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CollectorError';
  }
}

const MAX_BODY = 256 * 1024;

/**
 * Text from the network as it may be printed: every control character (C0, DEL, C1, line and
 * paragraph separators, bidi overrides, lone surrogates) as a visible \\uXXXX escape.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu, (c) =>
    c.length === 2 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One printable line: newlines and tabs escaped too. */
const oneLine = (text: string): string => escapeControl(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));

/** The sender's address, IPv4-mapped IPv6 written as IPv4. */
export function senderAddress(remote: string | undefined): string {
  return (remote ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

function sameToken(given: string | undefined, want: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? oneLine(v) : typeof v === 'number' ? String(v) : undefined;
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** A webhook POST body (the notify script's JSON) as an event; null when it is not JSON. */
export function parseWebhookBody(raw: string, path: string, receivedAt: number): WebhookEvent | null {
  let j: unknown;
  try {
    j = JSON.parse(raw);
  } catch {
    return null;
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return null;
  const o = j as Record<string, unknown>;
  return {
    channel: 'webhook',
    receivedAt,
    path,
    host: str(o.host),
    pair: str(o.pair),
    instance: str(o.instance),
    state: str(o.state),
    priority: num(o.priority),
    time: str(o.time),
    test: o.test === true || o.test === 'true' || undefined,
    testId: str(o.test_id),
    raw: escapeControl(raw),
  };
}

/** The haops SMS text carries "[test ID]" when notify-test sent it. */
const TEST_TAG = /\[test ([A-Za-z0-9_.-]+)\]/;

/** An SMS-gateway POST (form fields to=, text=) as an event; null when it is not one. */
export function parseSmsBody(raw: string, path: string, receivedAt: number): SmsEvent | null {
  const form = new URLSearchParams(raw);
  const to = form.get('to');
  const text = form.get('text');
  if (to === null || text === null) return null;
  const testId = TEST_TAG.exec(text)?.[1];
  return {
    channel: 'sms',
    receivedAt,
    path,
    to: oneLine(to),
    text: oneLine(text),
    raw: escapeControl(raw),
    test: testId ? true : undefined,
    testId,
  };
}

/**
 * What a subject says about the state change. keepalived's smtp_alert (keepalived/core/smtp.c,
 * smtp_alert(); states from keepalived/vrrp/vrrp_notify.c, vrrp_smtp_notifier()):
 *   "[ROUTER_ID] VRRP Instance NAME - Entering MASTER state" (also BACKUP, FAULT, "- Stopping", "- Deleted")
 *   "[ROUTER_ID] VRRP Group NAME - Entering MASTER state"
 * The haops notify script: "[haops] HOST INSTANCE STATE" (then " (test ID)" from notify-test).
 */
export function parseSubject(subject: string): Pick<EmailEvent, 'source' | 'host' | 'instance' | 'state' | 'test' | 'testId'> {
  const k = /^\[([^\]]+)\] VRRP (?:Instance|Group) (\S+) - (?:Entering (MASTER|BACKUP|FAULT) state|(Stopping)|(Deleted))\s*$/.exec(subject);
  if (k) return { source: 'keepalived', host: k[1], instance: k[2], state: k[3] ?? (k[4] ? 'STOP' : 'DELETED') };
  const h = /^\[haops\] (\S+) (\S+) (\S+)(?: \(test ([A-Za-z0-9_.-]+)\))?\s*$/.exec(subject);
  if (h) return { source: 'haops', host: h[1], instance: h[2], state: h[3], test: h[4] ? true : undefined, testId: h[4] };
  return { source: 'other' };
}

/** An RFC 5322 message (headers, blank line, body) as received after DATA, dot-stuffing undone. */
export function parseMessage(data: string): { headers: Record<string, string>; body: string } {
  const text = data.replaceAll('\r\n', '\n');
  const cut = text.indexOf('\n\n');
  const head = cut < 0 ? text : text.slice(0, cut);
  const body = cut < 0 ? '' : text.slice(cut + 2);
  const headers: Record<string, string> = {};
  let last: string | null = null;
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last) {
      headers[last] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    headers[last] = headers[last] === undefined ? m[2]! : `${headers[last]}, ${m[2]!}`;
  }
  return { headers, body: body.replace(/\n+$/, '') };
}

export function emailEvent(from: string, to: string[], data: string, receivedAt: number): EmailEvent {
  const { headers, body: rawBody } = parseMessage(data);
  const subject = oneLine(headers.subject ?? '');
  const body = escapeControl(rawBody);
  const s = parseSubject(subject);
  const ev: EmailEvent = { channel: 'email', receivedAt, from: oneLine(from), to: to.map(oneLine), subject, body, ...s };
  if (s.source === 'haops') {
    // The body is the script's log line: pair and priority come from there.
    const line = body.split('\n')[0] ?? '';
    const pair = /\bpair=(\S+)/.exec(line)?.[1];
    const priority = num(/\bpriority=(\S+)/.exec(line)?.[1]);
    if (pair) ev.pair = pair;
    if (priority !== undefined) ev.priority = priority;
  }
  return ev;
}

function assertBindable(host: string): void {
  if (host === '' || host === '0.0.0.0' || host === '::' || host === '[::]') {
    throw new CollectorError(
      host,
      undefined,
      `refusing to listen on the wildcard address ${host || '(empty)'}`,
      'pass the address the nodes reach this machine on, e.g. 198.18.0.1',
    );
  }
}

function listen(server: HttpServer | NetServer, ep: Endpoint, what: string): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'EADDRINUSE'
          ? 'something already listens there: stop it, or point the inventory at another port'
          : err.code === 'EACCES'
            ? 'ports below 1024 need root (run haops with sudo) or use a port above 1023'
            : err.code === 'EADDRNOTAVAIL'
              ? 'that address is not on this machine'
              : undefined;
      reject(
        new CollectorError(
          `${ep.host}:${ep.port}`,
          err.code,
          `cannot listen for ${what} on ${ep.host}:${ep.port}: ${err.code ?? err.message}`,
          hint,
        ),
      );
    };
    server.once('error', onError);
    server.listen(ep.port, ep.host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve({ host: ep.host, port: typeof a === 'object' && a ? a.port : ep.port });
    });
  });
}

function closeServer(server: HttpServer | NetServer, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/** One SMTP conversation: just what keepalived's smtp_alert and curl need (RFC 5321 subset). */
function smtpSession(socket: Socket, record: (e: EmailEvent, headers: Record<string, string>) => void): void {
  socket.setEncoding('utf8');
  socket.setTimeout(60_000, () => socket.destroy());
  socket.on('error', () => undefined);
  const reply = (s: string) => {
    if (!socket.destroyed) socket.write(`${s}\r\n`);
  };
  let buf = '';
  let from = '';
  let to: string[] = [];
  let data: string[] | null = null;
  reply('220 haops notification collector ESMTP');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    if (buf.length > MAX_BODY * 2) {
      reply('552 message too large');
      socket.destroy();
      return;
    }
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (data) {
        if (line === '.') {
          const text = data.join('\n');
          record(emailEvent(from, to, text, Date.now()), parseMessage(text).headers);
          data = null;
          from = '';
          to = [];
          reply('250 2.0.0 queued');
        } else data.push(line.startsWith('.') ? line.slice(1) : line);
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      const addr = () => /<([^>]*)>/.exec(line)?.[1] ?? line.replace(/^[^:]*:\s*/, '').trim();
      if (verb === 'EHLO') reply('250-haops\r\n250 8BITMIME');
      else if (verb === 'HELO') reply('250 haops');
      else if (/^MAIL FROM:/i.test(line)) {
        from = addr();
        to = [];
        reply('250 2.1.0 ok');
      } else if (/^RCPT TO:/i.test(line)) {
        if (!from) reply('503 5.5.1 MAIL first');
        else {
          to.push(addr());
          reply('250 2.1.5 ok');
        }
      } else if (verb === 'DATA') {
        if (to.length === 0) reply('503 5.5.1 RCPT first');
        else {
          data = [];
          reply('354 end data with <CR><LF>.<CR><LF>');
        }
      } else if (verb === 'RSET') {
        from = '';
        to = [];
        reply('250 2.0.0 ok');
      } else if (verb === 'NOOP') reply('250 2.0.0 ok');
      else if (verb === 'QUIT') {
        reply('221 2.0.0 bye');
        socket.end();
      } else reply('502 5.5.2 command not implemented');
    }
  });
}

export async function startCollectors(opts: CollectorOptions): Promise<Collector> {
  const events: NotificationEvent[] = [];
  const refused: RefusedSender[] = [];
  const allowed = opts.allowFrom ? new Set(opts.allowFrom.map(senderAddress)) : null;
  const fromNode = (remote: string | undefined) => allowed === null || allowed.has(senderAddress(remote));
  const refuse = (remote: string | undefined, channel: RefusedSender['channel'], reason: RefusedSender['reason']) => {
    if (refused.length < 1000) refused.push({ at: Date.now(), from: oneLine(senderAddress(remote)).slice(0, 64), channel, reason });
  };
  const waiters = new Set<(e: NotificationEvent) => void>();
  const record = (e: NotificationEvent) => {
    events.push(e);
    for (const w of [...waiters]) w(e);
  };
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    await Promise.all(stops.map((s) => s()));
  };
  let webhookUrl: string | null = null;
  let smtpAddress: Endpoint | null = null;

  try {
    if (opts.webhook) {
      assertBindable(opts.webhook.host);
      const sockets = new Set<Socket>();
      const server = createHttpServer(async (req, res) => {
        const remote = req.socket.remoteAddress;
        if (!fromNode(remote)) {
          refuse(remote, 'http', 'not a node of this run');
          res.writeHead(403, { connection: 'close' }).end('not a node of this run\n');
          return;
        }
        const given = req.headers['x-haops-token'];
        if (opts.token !== undefined && !sameToken(typeof given === 'string' ? given : undefined, opts.token)) {
          refuse(remote, 'http', 'no or wrong token');
          res.writeHead(403, { connection: 'close' }).end('no or wrong token\n');
          return;
        }
        if (req.method !== 'POST') {
          res.writeHead(405, { allow: 'POST' }).end('POST only\n');
          return;
        }
        const raw = await readBody(req);
        const at = Date.now();
        // The query may hold a gateway's api_key: kept masked, and printable.
        const path = oneLine(maskRequestPath(req.url ?? '/'));
        const ev = raw === null ? null : (parseWebhookBody(raw, path, at) ?? parseSmsBody(raw, path, at));
        if (!ev) {
          res.writeHead(400).end('expected a JSON notification or an SMS form (to=, text=)\n');
          return;
        }
        record(ev);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      const bound = await listen(server, opts.webhook, 'webhooks');
      webhookUrl = `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}/`;
      stops.push(() => closeServer(server, sockets));
    }
    if (opts.smtp) {
      assertBindable(opts.smtp.host);
      const sockets = new Set<Socket>();
      const server = createNetServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        const remote = socket.remoteAddress;
        if (!fromNode(remote)) {
          refuse(remote, 'smtp', 'not a node of this run');
          socket.on('error', () => undefined);
          socket.end('554 5.7.1 not a node of this run\r\n');
          return;
        }
        smtpSession(socket, (e, headers) => {
          // keepalived's smtp_alert cannot carry a token: its mail is heard by sender address alone.
          if (opts.token !== undefined && e.source !== 'keepalived' && !sameToken(headers['x-haops-token'], opts.token)) {
            refuse(remote, 'smtp', 'no or wrong token');
            return;
          }
          record(e);
        });
      });
      smtpAddress = await listen(server, opts.smtp, 'e-mail (SMTP)');
      stops.push(() => closeServer(server, sockets));
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    events,
    refused,
    webhookUrl,
    smtpAddress,
    stop: stopAll,
    waitFor(pred, timeoutMs) {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const w = (e: NotificationEvent) => {
          if (!pred(e)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(e);
        };
        const timer = setTimeout(
          () => {
            waiters.delete(w);
            resolve(null);
          },
          Math.max(0, timeoutMs),
        );
        waiters.add(w);
      });
    },
  };
}

// The collector as nodes meet it: keepalived's smtp_alert conversation, curl-style ESMTP, webhook POSTs.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSubject, startCollectors, type Collector, type EmailEvent, type WebhookEvent } from '../../src/notify/collector.js';

/** A tiny SMTP client: sends each command after the server's reply to the previous one. */
async function smtpDialog(port: number, commands: string[]): Promise<string[]> {
  const sock = connect(port, '127.0.0.1');
  sock.setEncoding('utf8');
  const replies: string[] = [];
  let buf = '';
  let waiting: (() => void) | null = null;
  sock.on('data', (d: string) => {
    buf += d;
    // a complete reply ends with a line "NNN text" (no dash after the code)
    const m = /(^|\n)\d{3} [^\n]*\r\n$/.exec(buf);
    if (m) {
      replies.push(buf.trimEnd());
      buf = '';
      waiting?.();
    }
  });
  const next = () => new Promise<void>((r) => (waiting = r));
  await next();
  expect(replies.shift()).toMatch(/^220 /);
  for (const c of commands) {
    const p = next();
    sock.write(c);
    await p;
  }
  sock.end();
  return replies;
}

// What keepalived 2.2.7 sends (keepalived/core/smtp.c: helo_cmd, mail_cmd, rcpt_cmd, data_cmd,
// body_cmd with SMTP_HEADERS_CMD / SMTP_BODY_CMD / SMTP_SEND_CMD from keepalived/include/smtp.h).
const KEEPALIVED_BODY =
  'Date: Mon, 01 Mar 2021 09:44:08 +0000\r\nFrom: ha@example.com\r\nSubject: [proxy101] VRRP Instance YN_API_GATEWAY - Entering MASTER state\r\n' +
  'X-Mailer: Keepalived\r\nTo: ops@example.com\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n';

describe('the SMTP listener', () => {
  let c: Collector | null = null;
  afterEach(async () => {
    await c?.stop();
    c = null;
  });

  it("records keepalived's smtp_alert, with router_id, instance and state from the subject", async () => {
    c = await startCollectors({ smtp: { host: '127.0.0.1', port: 0 } });
    const replies = await smtpDialog(c.smtpAddress!.port, [
      'HELO localhost\r\n',
      'MAIL FROM:<ha@example.com>\r\n',
      'RCPT TO:<ops@example.com>\r\n',
      'RCPT TO:<noc@example.com>\r\n',
      'DATA\r\n',
      KEEPALIVED_BODY,
      'QUIT\r\n',
    ]);
    expect(replies.map((r) => r.slice(0, 3))).toEqual(['250', '250', '250', '250', '354', '250', '221']);
    const ev = (await c.waitFor((e) => e.channel === 'email', 1000)) as EmailEvent;
    expect(ev).toMatchObject({
      channel: 'email',
      source: 'keepalived',
      from: 'ha@example.com',
      to: ['ops@example.com', 'noc@example.com'],
      subject: '[proxy101] VRRP Instance YN_API_GATEWAY - Entering MASTER state',
      host: 'proxy101',
      instance: 'YN_API_GATEWAY',
      state: 'MASTER',
      body: '=> VRRP Instance is now owning VRRP VIPs <=',
    });
    expect(ev.receivedAt).toBeGreaterThan(Date.now() - 5000);
  });

  it('speaks EHLO, undoes dot-stuffing, and takes two messages on one connection', async () => {
    c = await startCollectors({ smtp: { host: '127.0.0.1', port: 0 } });
    const msg = (s: string) => `Subject: ${s}\r\n\r\nline\r\n..dot\r\n.\r\n`;
    const replies = await smtpDialog(c.smtpAddress!.port, [
      'EHLO client\r\n',
      'MAIL FROM:<a@x>\r\n',
      'RCPT TO:<b@x>\r\n',
      'DATA\r\n',
      msg('[haops] lb1 VI_WEB BACKUP'),
      'MAIL FROM:<a@x>\r\n',
      'RCPT TO:<b@x>\r\n',
      'DATA\r\n',
      msg('[haops] lb2 VI_WEB MASTER (test abc-lb2)'),
      'QUIT\r\n',
    ]);
    expect(replies[0]).toMatch(/^250-haops\r\n250 /);
    expect(c.events).toHaveLength(2);
    expect(c.events[0]).toMatchObject({ source: 'haops', host: 'lb1', instance: 'VI_WEB', state: 'BACKUP', body: 'line\n.dot' });
    expect(c.events[1]).toMatchObject({ host: 'lb2', state: 'MASTER', test: true, testId: 'abc-lb2' });
  });

  it('refuses DATA before RCPT and unknown commands, and never listens on the wildcard address', async () => {
    c = await startCollectors({ smtp: { host: '127.0.0.1', port: 0 } });
    const replies = await smtpDialog(c.smtpAddress!.port, ['HELO x\r\n', 'DATA\r\n', 'VRFY root\r\n', 'QUIT\r\n']);
    expect(replies.map((r) => r.slice(0, 3))).toEqual(['250', '503', '502', '221']);
    await expect(startCollectors({ smtp: { host: '0.0.0.0', port: 0 } })).rejects.toThrow(/wildcard/);
    await expect(startCollectors({ webhook: { host: '::', port: 0 } })).rejects.toThrow(/wildcard/);
  });

  it('reports a port already taken as a CollectorError naming the address', async () => {
    c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 } });
    const port = Number(new URL(c.webhookUrl!).port);
    await expect(startCollectors({ webhook: { host: '127.0.0.1', port } })).rejects.toMatchObject({
      name: 'CollectorError',
      code: 'EADDRINUSE',
      endpoint: `127.0.0.1:${port}`,
    });
  });
});

describe("keepalived's smtp_alert subjects", () => {
  it.each([
    ['[lb1] VRRP Instance VI_1 - Entering BACKUP state', { source: 'keepalived', host: 'lb1', instance: 'VI_1', state: 'BACKUP' }],
    ['[lb1] VRRP Instance VI_1 - Entering FAULT state', { state: 'FAULT' }],
    ['[lb1] VRRP Instance VI_1 - Stopping', { state: 'STOP' }],
    ['[lb1] VRRP Group G1 - Entering MASTER state', { instance: 'G1', state: 'MASTER' }],
    ['[haops] lb2 VI_1 FAULT', { source: 'haops', host: 'lb2', state: 'FAULT' }],
    ['hello', { source: 'other' }],
  ])('%s', (subject, want) => {
    expect(parseSubject(subject)).toMatchObject(want);
  });
});

describe('the webhook listener', () => {
  it('records JSON and SMS-gateway posts, refuses GET and junk, and waitFor gives up with null', async () => {
    const c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 } });
    try {
      const url = c.webhookUrl!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const ok = await fetch(`${url}k`, {
        method: 'POST',
        body: JSON.stringify({ host: 'lb1', pair: 'web', instance: 'VI', state: 'FAULT', priority: '198', time: 't' }),
      });
      expect(ok.status).toBe(200);
      expect((await fetch(url)).status).toBe(405);
      expect((await fetch(url, { method: 'POST', body: 'not json' })).status).toBe(400);
      await fetch(`${url}sms`, {
        method: 'POST',
        body: new URLSearchParams({ to: '+8613800000000', text: 'lb1 VI is now MASTER [test x1]' }),
      });
      expect(c.events).toMatchObject([
        { channel: 'webhook', path: '/k', host: 'lb1', state: 'FAULT', priority: 198, time: 't' },
        { channel: 'sms', path: '/sms', to: '+8613800000000', testId: 'x1' },
      ]);
      const t0 = Date.now();
      expect(await c.waitFor((e) => e.state === 'BACKUP', 150)).toBeNull();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      const later = c.waitFor((e) => e.state === 'BACKUP', 2000);
      await fetch(url, { method: 'POST', body: JSON.stringify({ host: 'lb2', state: 'BACKUP' }) });
      expect(await later).toMatchObject({ host: 'lb2' });
    } finally {
      await c.stop();
    }
  });
});

/** POSTs `body` from `from` (a loopback source address) with optional headers; the status code. */
function post(port: number, body: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/hook',
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const NOTE = (instance: string) =>
  JSON.stringify({ event: 'vrrp_state', host: 'lb1', pair: 'web', instance, state: 'MASTER', priority: 200, test: true, test_id: 't1' });

describe('forged notifications (real sockets: 127.0.0.2 plays a LAN neighbour)', () => {
  let c: Collector | null = null;
  afterEach(async () => {
    await c?.stop();
    c = null;
  });

  it('a POST from an address that is not a node of the run is refused (403), not counted, its sender noted', async () => {
    c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1'], token: 'tok123' });
    const port = Number(new URL(c.webhookUrl!).port);
    expect(await post(port, NOTE('VI_1'), '127.0.0.2', { 'x-haops-token': 'tok123' })).toBe(403);
    expect(c.events).toEqual([]);
    expect(c.refused).toMatchObject([{ from: '127.0.0.2', channel: 'http', reason: 'not a node of this run' }]);
  });

  it("a node's address without the run's token, or with another, is refused; with it, counted", async () => {
    c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1'], token: 'tok123' });
    const port = Number(new URL(c.webhookUrl!).port);
    expect(await post(port, NOTE('VI_1'), '127.0.0.1')).toBe(403);
    expect(await post(port, NOTE('VI_1'), '127.0.0.1', { 'x-haops-token': 'tok124' })).toBe(403);
    expect(c.events).toEqual([]);
    expect(await post(port, NOTE('VI_1'), '127.0.0.1', { 'x-haops-token': 'tok123' })).toBe(200);
    expect(c.events).toHaveLength(1);
    expect(c.refused.map((r) => r.reason)).toEqual(['no or wrong token', 'no or wrong token']);
  });

  it('keeps no terminal escape sequence: every control character of a counted notification is escaped', async () => {
    c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1'], token: 'tok123' });
    const port = Number(new URL(c.webhookUrl!).port);
    const hostile = 'VI_1\u001b[2J\u001b]0;owned\u0007\r\n\u009b31m\u202etxt';
    expect(await post(port, NOTE(hostile), '127.0.0.1', { 'x-haops-token': 'tok123' })).toBe(200);
    const ev = c.events[0] as WebhookEvent;
    const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
    for (const v of [ev.instance, ev.raw, ev.host, ev.path]) expect(v).not.toMatch(control);
    expect(ev.instance).toBe('VI_1\\u001b[2J\\u001b]0;owned\\u0007\\u000d\\n\\u009b31m\\u202etxt');
  });

  it('SMTP: a stranger is turned away with 554; a haops mail without the token is not counted; keepalived mail is heard by address', async () => {
    c = await startCollectors({ smtp: { host: '127.0.0.1', port: 0 }, allowFrom: ['127.0.0.1'], token: 'tok123' });
    const port = c.smtpAddress!.port;
    const banner = await new Promise<string>((resolve) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      s.setEncoding('utf8');
      let got = '';
      s.on('data', (d: string) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(banner).toMatch(/^554 /);
    const dialog = (body: string) =>
      smtpDialog(port, ['HELO n\r\n', 'MAIL FROM:<ha@example.com>\r\n', 'RCPT TO:<ops@example.com>\r\n', 'DATA\r\n', body, 'QUIT\r\n']);
    await dialog('Subject: [haops] lb1 VI_1 MASTER (test t1)\r\n\r\nline\r\n.\r\n');
    await dialog('Subject: [haops] lb1 VI_1 MASTER (test t1)\r\nX-Haops-Token: tok123\r\n\r\nline\r\n.\r\n');
    await dialog(KEEPALIVED_BODY);
    expect(c.events.map((e) => (e as EmailEvent).source)).toEqual(['haops', 'keepalived']);
    expect(c.refused.map((r) => `${r.from} ${r.reason}`)).toEqual(['127.0.0.2 not a node of this run', '127.0.0.1 no or wrong token']);
  });
});

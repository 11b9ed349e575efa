// The rendered notify script, run for real with /bin/sh (dash here) against loopback endpoints.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNotifyScript } from '../../src/render/notify.js';
import { renderNode } from '../../src/render/index.js';
import { startCollectors, type Collector, type WebhookEvent, type EmailEvent } from '../../src/notify/collector.js';
import { closedPort, hungServer, modelWith, run, tempDir, until, writeScript } from './helpers.js';

const readLog = (dir: string) => (existsSync(join(dir, 'notify.log')) ? readFileSync(join(dir, 'notify.log'), 'utf8') : '');

describe('the notify script with a good, a refused and a hung webhook (real /bin/sh, loopback only)', () => {
  let collector: Collector;
  let hung: Awaited<ReturnType<typeof hungServer>>;
  let dir: string;
  let refusedUrl: string;
  let hungUrl: string;
  let script: string;
  let result: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    collector = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 } });
    hung = await hungServer();
    refusedUrl = `http://127.0.0.1:${await closedPort()}/refused`;
    hungUrl = `http://127.0.0.1:${hung.port}/hung`;
    dir = tempDir();
    const model = modelWith(dir, `      webhooks: [${refusedUrl}, ${hungUrl}, ${collector.webhookUrl}hook]`);
    script = model.nodes[0]!.notify.script;
    writeScript(script, renderNotifyScript(model.nodes[0]!));
    result = await run(['/bin/sh', script, 'notify', 'INSTANCE', 'VI_WEB', 'MASTER', '200']);
  });
  afterAll(async () => {
    await collector.stop();
    await hung.close();
  });

  it('returns to keepalived in under 0.5 s, stdio closed, exit 0', () => {
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(500);
  });

  it('has written the log line before returning', () => {
    expect(readLog(dir)).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z host=lb1 pair=web instance=VI_WEB state=MASTER priority=200\n/);
  });

  it('delivers the good webhook with the JSON fields, although the other two are down', async () => {
    const ev = (await collector.waitFor((e) => e.channel === 'webhook', 3000)) as WebhookEvent | null;
    expect(ev).not.toBeNull();
    expect(ev).toMatchObject({
      channel: 'webhook',
      path: '/hook',
      host: 'lb1',
      pair: 'web',
      instance: 'VI_WEB',
      state: 'MASTER',
      priority: 200,
    });
    expect(ev!.time).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(JSON.parse(ev!.raw)).toMatchObject({ event: 'vrrp_state', type: 'INSTANCE' });
    expect(ev!.test).toBeUndefined();
    expect(await until(() => readLog(dir).includes(`channel=webhook target=${collector.webhookUrl}hook result=ok`), 3000)).toBe(true);
  });

  it('logs the refused and the hung webhook as failed on the node, after curl gives up', async () => {
    const refused = await until(
      () =>
        readLog(dir)
          .split('\n')
          .find((l) => l.includes(`target=${refusedUrl} result=failed`)),
      4000,
    );
    expect(refused).toMatch(/instance=VI_WEB state=MASTER channel=webhook target=\S+ result=failed: curl exit 7: /);
    const hungLine = await until(
      () =>
        readLog(dir)
          .split('\n')
          .find((l) => l.includes(`target=${hungUrl} result=failed`)),
      9000,
    );
    expect(hungLine).toMatch(/result=failed: curl exit 28: .*timed out/i);
    // the log line came first, the hung channel last
    const lines = readLog(dir).trim().split('\n');
    expect(lines[0]).not.toContain('channel=');
    expect(lines.at(-1)).toContain(hungUrl);
  }, 15_000);
});

describe('the notify script', () => {
  it("keeps the write-up's line for notify_master / notify_backup / notify_fault", async () => {
    const dir = tempDir();
    const model = modelWith(dir, '      webhooks: []');
    writeScript(model.nodes[1]!.notify.script, renderNotifyScript(model.nodes[1]!));
    const r = await run(['/bin/sh', model.nodes[1]!.notify.script, 'notify_backup']);
    expect(r.code).toBe(0);
    expect(readLog(dir)).toMatch(/ \[lb2\] keepalived HA role state transition: notify_backup\n$/);
  });

  it('marks a notify-test call (HAOPS_NOTIFY_TEST=1) in the JSON and in the log line', async () => {
    const c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 } });
    try {
      const dir = tempDir();
      const model = modelWith(dir, `      webhooks: [${c.webhookUrl}]`);
      writeScript(model.nodes[0]!.notify.script, renderNotifyScript(model.nodes[0]!));
      const r = await run(['/bin/sh', model.nodes[0]!.notify.script, 'notify', 'INSTANCE', 'VI_WEB', 'MASTER', '0'], {
        ...process.env,
        HAOPS_NOTIFY_TEST: '1',
        HAOPS_NOTIFY_TEST_ID: 'abc123',
      });
      expect(r.code).toBe(0);
      expect(readLog(dir)).toMatch(/ host=lb1 pair=web instance=VI_WEB state=MASTER priority=0 test=abc123\n/);
      const ev = await c.waitFor((e) => e.channel === 'webhook', 3000);
      expect(ev).toMatchObject({ test: true, testId: 'abc123' });
      expect(JSON.parse((ev as WebhookEvent).raw).test).toBe(true);
    } finally {
      await c.stop();
    }
  });

  it('runs with an empty environment (keepalived sets no PATH of ours) and keeps hostile arguments out of the JSON', async () => {
    const c = await startCollectors({ webhook: { host: '127.0.0.1', port: 0 } });
    try {
      const dir = tempDir();
      const model = modelWith(dir, `      webhooks: [${c.webhookUrl}]`);
      writeScript(model.nodes[0]!.notify.script, renderNotifyScript(model.nodes[0]!));
      const r = await run(
        ['/usr/bin/env', '-i', '/bin/sh', model.nodes[0]!.notify.script, 'notify', 'INSTANCE', 'x"}, "evil', 'MASTER', '1;rm'],
        {},
      );
      expect(r.code).toBe(0);
      const ev = await c.waitFor((e) => e.channel === 'webhook', 3000);
      expect(ev).toMatchObject({ instance: 'invalid', state: 'MASTER', priority: 0 });
    } finally {
      await c.stop();
    }
  });

  it('still returns at once, exit 0, when the log file cannot be written', async () => {
    const dir = tempDir();
    const model = modelWith(dir, '      webhooks: []');
    const node = { ...model.nodes[0]!, notify: { ...model.nodes[0]!.notify, log: join(dir, 'no-such-dir', 'notify.log') } };
    writeScript(node.notify.script, renderNotifyScript(node));
    const r = await run(['/bin/sh', node.notify.script, 'notify', 'INSTANCE', 'VI_WEB', 'FAULT', '198']);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(500);
  });

  it('mails through smtp_server (with its port) on a test call, subject "[haops] HOST INSTANCE STATE (test ID)"', async () => {
    const c = await startCollectors({ smtp: { host: '127.0.0.1', port: 0 } });
    try {
      const dir = tempDir();
      const model = modelWith(
        dir,
        '      email: { to: [ops@example.com, noc@example.com], from: ha@example.com, smtp_server: 127.0.0.1, smtp_connect_timeout: 3 }',
      );
      const node = model.nodes[0]!;
      const withPort = { ...node, notify: { ...node.notify, email: { ...node.notify.email!, port: c.smtpAddress!.port } } };
      writeScript(node.notify.script, renderNotifyScript(withPort));
      const r = await run(['/bin/sh', node.notify.script, 'notify', 'INSTANCE', 'VI_WEB', 'MASTER', '0'], {
        ...process.env,
        HAOPS_NOTIFY_TEST: '1',
        HAOPS_NOTIFY_TEST_ID: 't1',
      });
      expect(r.ms).toBeLessThan(500);
      const ev = (await c.waitFor((e) => e.channel === 'email', 5000)) as EmailEvent | null;
      expect(ev).toMatchObject({
        source: 'haops',
        from: 'ha@example.com',
        to: ['ops@example.com', 'noc@example.com'],
        subject: '[haops] lb1 VI_WEB MASTER (test t1)',
        host: 'lb1',
        instance: 'VI_WEB',
        state: 'MASTER',
        pair: 'web',
        priority: 0,
        testId: 't1',
      });
      expect(ev!.body).toMatch(/host=lb1 pair=web instance=VI_WEB state=MASTER priority=0 test=t1$/);
      expect(await until(() => readLog(dir).includes(`channel=email target=smtp://127.0.0.1:${c.smtpAddress!.port} result=ok`), 3000)).toBe(
        true,
      );
    } finally {
      await c.stop();
    }
  });

  it("leaves real state changes' e-mail to keepalived's smtp_alert (no duplicate), unless told to mail always", () => {
    const dir = tempDir();
    const model = modelWith(dir, '      email: { to: [ops@example.com], from: ha@example.com }');
    expect(renderNotifyScript(model.nodes[0]!)).toMatch(/^MAIL=test-only$/m);
    expect(renderNotifyScript(model.nodes[0]!, { mail: 'always' })).toMatch(/^MAIL=always$/m);
  });

  it('fits enable_script_security: mode 0700, an absolute #!/bin/sh, every channel detached, writes nothing but its log', () => {
    const dir = tempDir();
    const model = modelWith(
      dir,
      '      webhooks: [http://hooks.example/k]\n      sms: { url: http://sms.example/send, command: /usr/local/bin/sms, to: ["+8613800000000"] }\n      email: { to: [ops@example.com], from: ha@example.com }',
    );
    const file = renderNode(model.nodes[0]!, model).find((f) => f.path === model.nodes[0]!.notify.script)!;
    expect(file.mode).toBe('0700');
    expect(file.content.startsWith('#!/bin/sh\n')).toBe(true);
    expect(file.content).toMatch(/^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
    // In the background: the two logger calls and detach, the one way every channel is started.
    const background = file.content.split('\n').filter((l) => /&( })?$/.test(l));
    expect(background.map((l) => l.trim().replace(/ .*/, ''))).toEqual(['logger', 'logger', 'detach()']);
    expect(background[2]).toBe('detach() { ( "$@" ) </dev/null >/dev/null 2>&1 & }');
    const channelCalls = file.content
      .split('\n')
      .filter((l) => /\b(webhook|sms_url|sms_command|send_mail)\b/.test(l) && !/^\s*#|^\w+\(\) \{|outcome /.test(l));
    expect(channelCalls).toHaveLength(5); // webhook, sms url, sms command, mail (always, or on a test)
    for (const c of channelCalls) expect(c).toMatch(/\bdetach (webhook|sms_url|sms_command|send_mail)\b/);
    const writes = [...file.content.matchAll(/>>? *("?\$?[A-Za-z/_.-]+"?)/g)]
      .map((m) => m[1])
      .filter((t) => t !== '/dev/null' && t !== '&1');
    expect(new Set(writes)).toEqual(new Set(['"$LOG"']));
    expect(file.content.replace(/^LOG=.*$/m, '').replaceAll(dir, 'DIR')).not.toMatch(/\/tmp\b|mktemp/);
  });
});

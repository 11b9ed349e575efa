// `haops notify-test` against this machine standing in for two nodes (real /bin/sh, real curl,
// loopback endpoints; 127.0.0.1 counts as "this machine" only because the test says so).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeModel } from '../../src/model/derive.js';
import { formatNotifyTest, notifyTest, parseOutcome } from '../../src/notify/notify-test.js';
import { renderNotifyScript } from '../../src/render/notify.js';
import { closedPort, LocalHost, modelWith, tempDir, writeScript } from './helpers.js';

async function twoLocalNodes() {
  const shared = tempDir();
  const hookPort = await closedPort();
  const smtpPort = await closedPort();
  const downPort = await closedPort();
  writeScript(join(shared, 'sms.sh'), '#!/bin/sh\nexit 0\n');
  const model = modelWith(
    shared,
    [
      `      webhooks: [http://127.0.0.1:${hookPort}/hook, http://127.0.0.2:${downPort}/down]`,
      `      sms: { url: http://127.0.0.1:${hookPort}/sms, command: ${shared}/sms.sh, to: ["+8613800000000"] }`,
      '      email: { to: [ops@example.com], from: ha@example.com, smtp_server: 127.0.0.1, smtp_connect_timeout: 3 }',
    ].join('\n'),
  );
  // Each "node" gets its own script and log; the model gives the SMTP port (see the schema note).
  model.nodes = model.nodes.map((n): NodeModel => {
    const dir = tempDir();
    const node = {
      ...n,
      notify: {
        ...n.notify,
        script: join(dir, 'keepalived_notify.sh'),
        log: join(dir, 'notify.log'),
        email: { ...n.notify.email!, port: smtpPort },
      },
    };
    writeScript(node.notify.script, renderNotifyScript(node));
    return node;
  });
  return { model, hookPort, smtpPort, downPort };
}

describe('notify-test (this machine as both nodes)', () => {
  it('reports per node and channel: what arrived here, what the node sent elsewhere, what failed', async () => {
    const { model, downPort } = await twoLocalNodes();
    const report = await notifyTest(model, async (h) => new LocalHost(h), {
      localAddresses: ['127.0.0.1'],
      // The "nodes" send from loopback here, not from their inventory addresses.
      allowFrom: ['127.0.0.1'],
      waitMs: 6000,
      testId: 'cafe01',
    });
    expect(report.listeners.every((l) => !l.error)).toBe(true);
    expect(report.nodes.map((n) => n.host)).toEqual(['lb1', 'lb2']);
    for (const n of report.nodes) {
      expect(n.problems).toEqual([]);
      expect(n.exitCode).toBe(0);
      expect(n.scriptMs).toBeLessThan(500);
      expect(n.testId).toBe(`cafe01-${n.host}`);
      const by = (ch: string, t: RegExp) => n.channels.find((c) => c.channel === ch && t.test(c.target));
      expect(by('log', /notify\.log$/)).toMatchObject({ status: 'arrived' });
      expect(by('webhook', /\/hook$/)).toMatchObject({ status: 'arrived', observable: true });
      expect(by('webhook', /\/down$/)).toMatchObject({
        status: 'failed',
        observable: false,
        detail: expect.stringContaining('curl exit 7'),
      });
      expect(by('sms', /\/sms$/)).toMatchObject({ status: 'arrived', observable: true });
      expect(by('sms', /sms\.sh$/)).toMatchObject({ status: 'sent', detail: 'sent, not observable from here' });
      expect(by('email', /^smtp:/)).toMatchObject({ status: 'arrived' });
      expect(n.channels).toHaveLength(6);
      expect(n.logLines[0]).toMatch(new RegExp(`host=${n.host} pair=web instance=VI_WEB state=MASTER priority=0 test=cafe01-${n.host}$`));
    }
    expect(report.ok).toBe(false); // the 127.0.0.2 webhook is down
    const text = formatNotifyTest(report);
    // one line per failure: curl's message once, though it tried twice
    expect(text).toMatch(
      new RegExp(
        `FAIL webhook  http://127\\.0\\.0\\.2:${downPort}/down  the node logged: curl exit 7: curl: \\(7\\) Failed to connect [^\\n]*server\\n`,
      ),
    );
    expect(text).toMatch(/ok {3}email +smtp:\/\/127\.0\.0\.1:\d+ {2}arrived here \d+\.\d\d s after the test started/);
    expect(text).toContain('some channels did not get through');
  }, 30_000);

  it('says "not observable" for endpoints elsewhere and "deploy first" for a missing script', async () => {
    const { model } = await twoLocalNodes();
    model.nodes[1] = { ...model.nodes[1]!, notify: { ...model.nodes[1]!.notify, script: '/nonexistent/keepalived_notify.sh' } };
    const report = await notifyTest(model, async (h) => new LocalHost(h), { localAddresses: [], waitMs: 4000 });
    expect(report.listeners).toEqual([]);
    const [a, b] = report.nodes;
    expect(a!.channels.filter((c) => c.channel !== 'log').every((c) => !c.observable)).toBe(true);
    expect(a!.channels.find((c) => c.channel === 'email')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('curl exit 7'),
    });
    expect(b!.problems[0]).toMatch(/missing or not executable on lb2: deploy first/);
    expect(b!.channels.every((c) => c.status === 'unknown')).toBe(true);
  }, 30_000);

  it('reads the outcome lines the script writes', () => {
    expect(
      parseOutcome('2024-01-01T00:00:00.000Z host=a pair=p instance=I state=MASTER test=x channel=webhook target=http://h/k result=ok'),
    ).toEqual({ channel: 'webhook', target: 'http://h/k', ok: true, error: undefined });
    expect(parseOutcome('... channel=sms target=+86,http://g result=failed: curl exit 22: 500')).toMatchObject({
      ok: false,
      error: 'curl exit 22: 500',
    });
    expect(parseOutcome('2024 host=a pair=p instance=I state=MASTER priority=0')).toBeNull();
  });
});

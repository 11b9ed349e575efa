// Credentials inside URLs are secrets: never in a file another user can read, never in the node's
// log in full, never in haops's output, and they can stay out of the inventory (url_env/url_file).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maskUrl, urlCredentials } from '../../src/core/url-credentials.js';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { formatNotifyTest, notifyTest } from '../../src/notify/notify-test.js';
import { fileDiff } from '../../src/ops/diff.js';
import { archiveRepoFile } from '../../src/ops/el.js';
import { renderNode } from '../../src/render/index.js';
import { renderNotifyScript } from '../../src/render/notify.js';
import { LocalHost, modelWith, run, tempDir, until, writeScript } from './helpers.js';
import { haops } from '../fixtures/cli.js';

const TOKEN = 'Zq8hooktoken';
const API_KEY = 'K3yK3yK3yZ';

const inventory = (notify: string, top = '') => `${top}hosts:
  lb1: { address: 10.0.0.11 }
  lb2: { address: 10.0.0.12 }
pairs:
  web:
    nodes: [lb1, lb2]
    interface: eth0
    subnet: 10.0.0.0/24
    instances:
      - { name: VI_WEB, virtual_router_id: 51, vip: 10.0.0.100, master: lb1 }
    notify:
${notify}
    nginx:
      upstreams: [{ name: app, servers: [10.0.0.21:8080] }]
`;

function writeInv(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'haops-url-'));
  const f = join(dir, 'inv.yaml');
  writeFileSync(f, text);
  return f;
}

/** A loopback HTTP endpoint that records what arrived (headers included). */
async function recorder(): Promise<{ url: string; got: { url: string; headers: IncomingHttpHeaders }[]; close: () => Promise<void> }> {
  const got: { url: string; headers: IncomingHttpHeaders }[] = [];
  const s = createServer((req, res) => {
    got.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  return { url: `127.0.0.1:${port}`, got, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe('what counts as a URL credential', () => {
  it('the token of user:token@, a lone token@, and the values of key/token/password query keys', () => {
    expect(urlCredentials(`https://hook:${TOKEN}@h.example/x`)).toEqual([TOKEN]);
    expect(urlCredentials(`https://${TOKEN}@h.example/x`)).toEqual([TOKEN]);
    expect(urlCredentials(`https://h.example/sms?to=1&api_key=${API_KEY}&Token=abcd1234&x=1`)).toEqual([API_KEY, 'abcd1234']);
    expect(urlCredentials('https://h.example/sms?password=p%40ss%2Fword')).toEqual(['p%40ss%2Fword', 'p@ss/word']);
    expect(maskUrl(`https://hook:${TOKEN}@h.example/x?key=${API_KEY}&to=1`)).toBe('https://hook:********@h.example/x?key=********&to=1');
    expect(urlCredentials('https://h.example/plain?to=1')).toEqual([]);
  });
});

describe('URL credentials in the inventory', () => {
  it('are collected as secrets, so every output masks them', () => {
    const model = buildModel(
      parseInventory(
        inventory(
          `      webhooks: [http://hook:${TOKEN}@10.0.0.5/h]\n      sms: { url: "http://10.0.0.5/sms?api_key=${API_KEY}", to: ["+8613800000000"] }`,
        ),
        'x.yaml',
        {},
      ),
    );
    expect(model.secrets).toEqual(expect.arrayContaining([TOKEN, API_KEY]));
  });

  it('url_env and url_file keep them out of the inventory; the node gets the resolved URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-url-'));
    writeFileSync(join(dir, 'sms.url'), `http://10.0.0.5/sms?api_key=${API_KEY}\n`, { mode: 0o600 });
    const text = inventory(
      '      webhooks: [{ url_env: HOOK_URL }]\n      sms: { url_file: sms.url, to: ["+8613800000000"] }\n      email: { to: [a@b.c], from: a@b.c }',
    );
    const model = buildModel(parseInventory(text, join(dir, 'inv.yaml'), { HOOK_URL: `http://hook:${TOKEN}@10.0.0.5/h` }));
    expect(model.nodes[0]!.notify.webhooks).toEqual([`http://hook:${TOKEN}@10.0.0.5/h`]);
    expect(model.nodes[0]!.notify.sms?.url).toBe(`http://10.0.0.5/sms?api_key=${API_KEY}`);
    expect(model.secrets).toEqual(expect.arrayContaining([TOKEN, API_KEY]));
  });

  it('refuses an unset url_env, a bad URL from a file and a too-short credential: exit 2, the field named, the value never shown', async () => {
    const unset = await haops(['validate', writeInv(inventory('      webhooks: [{ url_env: HAOPS_TEST_UNSET_URL }]'))]);
    expect(unset.code).toBe(2);
    expect(unset.all).toMatch(/inv\.yaml:\d+:\d+: pairs\.web\.notify\.webhooks\[0\]\.url_env: .*HAOPS_TEST_UNSET_URL is not set/);

    const dir = mkdtempSync(join(tmpdir(), 'haops-url-'));
    writeFileSync(join(dir, 'bad.url'), `http://hook:${TOKEN}@10.0.0.5/a b"c\n`);
    const f = join(dir, 'inv.yaml');
    writeFileSync(f, inventory('      webhooks: [{ url_file: bad.url }]'));
    const bad = await haops(['validate', f]);
    expect(bad.code).toBe(2);
    expect(bad.all).toMatch(/webhooks\[0\]\.url_file: .*not one haops accepts/);
    expect(bad.all).not.toContain(TOKEN);

    const short = await haops(['validate', writeInv(inventory('      webhooks: ["http://u:0@10.0.0.5/h"]'))]);
    expect(short.code).toBe(2);
    expect(short.all).toMatch(/webhooks\[0\]: .*shorter than 4 characters/);

    const both = await haops(['validate', writeInv(inventory('      webhooks: [{ url_env: A, url_file: b }]'))]);
    expect(both.code).toBe(2);
    expect(both.all).toMatch(/exactly one of url_env/);
  });
});

describe('files on the node', () => {
  it('the notify script is 0700 and the EL archive repo file 0600 (their URLs may hold credentials)', () => {
    const model = buildModel(parseInventory(inventory(`      webhooks: [http://hook:${TOKEN}@10.0.0.5/h]`), 'x.yaml', {}));
    const script = renderNode(model.nodes[0]!, model).find((f) => f.path === model.nodes[0]!.notify.script)!;
    expect(script.mode).toBe('0700');
    const repo = archiveRepoFile({ centos: `http://u:${TOKEN}@vault.example/7.9.2009` });
    expect(repo.mode).toBe('0600');
    expect(repo.secrets).toContain(TOKEN);
  });

  it('--diff masks the new credential and the one the live file still holds', () => {
    const model = buildModel(parseInventory(inventory(`      webhooks: [http://hook:${TOKEN}@10.0.0.5/h]`), 'x.yaml', {}));
    const file = renderNode(model.nodes[0]!, model).find((f) => f.path === model.nodes[0]!.notify.script)!;
    const live = file.content.replaceAll(TOKEN, 'OldT0kenValue').replaceAll('10.0.0.5/h', '10.0.0.6/old');
    const diff = fileDiff({ kind: 'file', file, before: { exists: true, content: live } } as Parameters<typeof fileDiff>[0], model.secrets);
    expect(diff).toContain('********');
    expect(diff).not.toContain(TOKEN);
    expect(diff).not.toContain('OldT0kenValue');
  });
});

describe('the notify script with a credentialed webhook (real /bin/sh and curl, loopback)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('sends the credential to the endpoint, logs the URL masked, keeps the log 0600 and never puts the URL on a command line', async () => {
    const rec = await recorder();
    closers.push(rec.close);
    const dir = tempDir();
    // An older log, as umask 022 left it.
    writeFileSync(join(dir, 'notify.log'), '', { mode: 0o644 });
    const model = modelWith(dir, `      webhooks: [http://hook:${TOKEN}@${rec.url}/h]`);
    const node = model.nodes[0]!;
    writeScript(node.notify.script, renderNotifyScript(node));
    const r = await run(['/bin/sh', node.notify.script, 'notify', 'INSTANCE', 'VI_WEB', 'MASTER', '200'], {
      ...process.env,
      HAOPS_NOTIFY_TOKEN: 'abc123',
    });
    expect(r.code).toBe(0);
    expect(await until(() => readFileSync(node.notify.log, 'utf8').includes('channel=webhook'), 5000)).toBe(true);
    expect(rec.got[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`hook:${TOKEN}`).toString('base64')}`);
    expect(rec.got[0]!.headers['x-haops-token']).toBe('abc123');
    const log = readFileSync(node.notify.log, 'utf8');
    expect(log).toContain(`target=http://hook:********@${rec.url}/h result=ok`);
    expect(log).not.toContain(TOKEN);
    expect(statSync(node.notify.log).mode & 0o777).toBe(0o600);
    // The URL reaches curl on stdin (-K -): no process's arguments hold it.
    expect(
      renderNotifyScript(node)
        .split('\n')
        .filter((l) => l.includes('curl ') && l.includes('"$u"')),
    ).toEqual([]);
  });

  it('notify-test output and --json name the channel without its credential', async () => {
    const rec = await recorder();
    closers.push(rec.close);
    const dir = tempDir();
    const model = modelWith(dir, `      webhooks: [http://hook:${TOKEN}@${rec.url}/h]`);
    for (const n of model.nodes) writeScript(n.notify.script, renderNotifyScript(n));
    const report = await notifyTest({ nodes: [model.nodes[0]!] }, async (h) => new LocalHost(h), {
      localAddresses: [],
      waitMs: 4000,
      graceMs: 200,
    });
    const text = formatNotifyTest(report) + JSON.stringify(report);
    expect(text).toContain('hook:********@');
    expect(text).not.toContain(TOKEN);
  });
});

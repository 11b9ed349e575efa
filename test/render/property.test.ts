// Property: whatever string lands in any string field of the inventory, either validation
// refuses it, or every rendered file reads exactly as it does with a plain value there — same
// lines, same tokens per line (keepalived's and nginx's tokenisers), no new comment — and the
// notify script still parses (`sh -n`). Seeded, so a failure reproduces.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/inventory/errors.js';
import { parseModel } from '../../src/model/load.js';
import { renderNode } from '../../src/render/index.js';

const BASE = (v: Record<string, string>) => `hosts:
  ${v.host1}: { address: ${v.address}, user: ${v.user} }
  a2: { address: 10.9.0.12 }
pairs:
  ${v.pair}:
    nodes: [${v.host1}, a2]
    interface: ${v.iface}
    subnet: 10.9.0.0/24
    script_user: ${v.scriptUser}
    instances:
      - name: ${v.instance}
        virtual_router_id: 51
        vip: 10.9.0.100/24
        master: ${v.host1}
        priorities: { ${v.host1}: 200, a2: 199 }
        authentication: { type: PASS, password: ${v.password} }
    check: { name: ${v.check}, script: ${v.script}, weight: 2 }
    notify:
      script: ${v.notifyScript}
      log: ${v.notifyLog}
      email: { to: [${v.email}], from: ${v.email}, smtp_server: ${v.smtp} }
      webhooks: [${v.url}]
      sms: { url: ${v.url}, command: ${v.smsCommand}, to: [${v.phone}], template: ${v.template} }
    nginx:
      server_name: ${v.serverName}
      upstreams: [{ name: ${v.upstream}, servers: [${v.server}] }]
      extra: [${v.extra}]
`;

const PLAIN: Record<string, string> = {
  host1: 'a1',
  address: '10.9.0.11',
  user: 'root',
  pair: 'web',
  iface: 'eth0',
  scriptUser: 'root',
  instance: 'VI_1',
  password: 'secret1',
  check: 'chk_nginx',
  script: 'killall -0 nginx',
  notifyScript: '/usr/local/bin/notify.sh',
  notifyLog: '/var/log/notify.log',
  email: 'ops@example.com',
  smtp: '10.9.0.5',
  url: 'http://10.9.0.5/hook',
  smsCommand: '/usr/local/bin/sms',
  phone: '+8613800000000',
  template: 'x',
  serverName: 'api.example.com',
  upstream: 'be',
  server: '10.9.0.21:8080',
  extra: 'client_max_body_size 1m;',
};

/** A small seeded PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLAUSIBLE = 'abcxyzABC0189_.:@%+,=/-';
const NASTY = ' \t\n\r"\'\\`$#!;{}()[]<>|&*?~^\u0000\u001b\u00e9\u2028\ud83d\ude00';

function randomValue(r: () => number, plain: string): string {
  const len = 1 + Math.floor(r() * 8);
  let s = '';
  for (let i = 0; i < len; i++) {
    const pool = r() < 0.7 ? PLAUSIBLE : NASTY;
    s += pool[Math.floor(r() * pool.length)];
  }
  // Half the time keep the plain value's shape around it, so more values get past validation.
  return r() < 0.5 ? plain + s : s;
}

/** keepalived's and nginx's reading of a line, close enough: words, quoted strings, braces, ;. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};"']+/g;
  for (const m of line.matchAll(re)) out.push(m[0]);
  return out;
}

function shape(text: string): string[] {
  return text.split('\n').map((l) => {
    const t = tokens(l);
    // Conservative: a # or ! anywhere outside quotes may start a comment.
    const comment = t.findIndex((x) => !x.startsWith('"') && !x.startsWith("'") && /[#!]/.test(x));
    return `${t.length}:${comment}`;
  });
}

function renderAll(values: Record<string, string>): Map<string, string> | undefined {
  const text = BASE(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)])));
  let model: ReturnType<typeof parseModel>['model'];
  try {
    model = parseModel(text, 'prop.yaml', {}).model;
  } catch (e) {
    if (e instanceof InventoryError) return undefined;
    throw e;
  }
  const files = new Map<string, string>();
  for (const node of model.nodes)
    for (const f of renderNode(node, model, { version: '2.2.7' }))
      files.set(`${node.host === values.host1 ? 'n1' : 'n2'}:${f.path === values.notifyScript ? 'notify' : f.path}`, f.content);
  return files;
}

/**
 * The scripts `sh -n` refuses, with its complaint: one sh runs `sh -n` on each (one spawn from
 * here per field instead of one per value; this file spent most of its time spawning).
 */
function unparsedScripts(contents: string[]): { index: number; stderr: string }[] {
  if (contents.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'haops-prop-'));
  try {
    const files = contents.map((c, i) => {
      const f = join(dir, String(i));
      writeFileSync(f, c);
      return f;
    });
    const loop = `i=0; for f; do err=$(sh -n "$f" 2>&1) || printf '%s\\t%s\\n' "$i" "$(printf '%s' "$err" | tr '\\n' ' ')"; i=$((i + 1)); done`;
    const r = spawnSync('sh', ['-c', loop, 'sh', ...files], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sh -n loop failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ index: Number(l.split('\t')[0]), stderr: l.slice(l.indexOf('\t') + 1) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('property: any string in any field is refused or renders as exactly that one value', () => {
  const baseline = renderAll(PLAIN)!;
  it('the plain inventory renders', () => expect(baseline.size).toBe(6));

  for (const field of Object.keys(PLAIN)) {
    it(`field ${field}: 200 random values`, () => {
      const r = rng(field.length * 7919 + field.charCodeAt(0));
      let accepted = 0;
      const scripts: { value: string; content: string }[] = [];
      for (let n = 0; n < 200; n++) {
        const value = randomValue(r, PLAIN[field]!);
        const files = renderAll({ ...PLAIN, [field]: value });
        if (!files) continue;
        accepted++;
        for (const [name, content] of files) {
          const base = baseline.get(name)!;
          if (name.endsWith(':notify')) {
            expect(content.split('\n').length, `${field}=${JSON.stringify(value)} changed the notify script's lines`).toBe(
              base.split('\n').length,
            );
            scripts.push({ value, content });
          } else {
            expect(shape(content), `${field}=${JSON.stringify(value)} changed how ${name} reads`).toEqual(shape(base));
          }
        }
      }
      for (const bad of unparsedScripts(scripts.map((x) => x.content))) {
        expect.fail(`${field}=${JSON.stringify(scripts[bad.index]!.value)}: sh -n: ${bad.stderr}`);
      }
      // A field that accepts nothing random is fine; one that accepts everything would be suspicious.
      expect(accepted).toBeLessThan(200);
    });
  }
});

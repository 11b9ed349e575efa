// nginx.extra against nginx's own grammar. haops's port of ngx_conf_read_token reads every word
// and every refusal as the real nginx does (the golden table, checked on the lab's nginx by
// test/lab/nginx-grammar.test.ts); with it as the judge, any entry validate accepts renders to
// exactly its own statements inside haops's server block, and nothing reaches http level.
import { describe, expect, it } from 'vitest';
import { webPairYaml } from '../fixtures/web-pair.js';
import { type NgxStatement, parseNginx } from '../../src/core/nginx-conf.js';
import { InventoryError } from '../../src/inventory/errors.js';
import { parseModel } from '../../src/model/load.js';
import { renderNginxSite, vipListens } from '../../src/render/nginx.js';
import { BREAKOUTS, ERRORS, WORDS, wrapFile } from './nginx-golden.js';

const inventory = (extra: string[]) => webPairYaml({ nginx: [`extra: [${extra.map((e) => JSON.stringify(e)).join(', ')}]`] });

/** The site haops renders for a1 with these extras, or the refusal. */
function site(extra: string[]): { text: string } | { refused: string } {
  try {
    const { model } = parseModel(inventory(extra), 'x.yaml', {});
    return { text: renderNginxSite(model.nodes[0]!) };
  } catch (e) {
    if (e instanceof InventoryError) return { refused: e.message };
    throw e;
  }
}

/** Statements as nginx holds them: names, argument values, blocks; no positions. */
type Shape = [string, string[], Shape[]?];
const shape = (sts: NgxStatement[]): Shape[] =>
  sts.map((s) => (s.block ? [s.name.value, s.args.map((a) => a.value), shape(s.block)] : [s.name.value, s.args.map((a) => a.value)]));

function parsed(text: string): NgxStatement[] {
  const p = parseNginx(text);
  if (!p.ok) throw new Error(`${p.error.message} at ${p.error.line}:${p.error.col}`);
  return p.statements;
}

describe("haops's port of nginx's lexer reads as nginx does (golden table from the real nginx)", () => {
  it.each(WORDS)('return 200 $src is the word $value', ({ src, value }) => {
    expect(shape(parsed(`return 200 ${src};`))).toEqual([['return', ['200', value]]]);
  });
  it.each(ERRORS)('$inServer: nginx says $message at line $line', ({ inServer, message, line }) => {
    const p = parseNginx(wrapFile(inServer));
    expect(p.ok ? 'parsed' : `${p.error.message} :${p.error.line}`).toBe(`${message} :${line}`);
  });
  it.each(BREAKOUTS)('%s is, to nginx, a second and third server at http level', (b) => {
    const http = parsed(wrapFile(b))[1]!.block!;
    expect(http.filter((s) => s.name.value === 'server')).toHaveLength(3);
  });
});

describe('nginx.extra: validate accepts what stays inside the server block, as nginx reads it', () => {
  const baseline = parsed((site([]) as { text: string }).text);
  const server = (sts: NgxStatement[]) => sts.find((s) => s.name.value === 'server')!;

  it.each([
    'client_max_body_size 10m;',
    'add_header X-A "a;b}" always;',
    "add_header X-B 'c{d';",
    'return 200 a#b;',
    'location ~ ^/x$ { return 204; }',
    'location /api/ { proxy_pass http://be; if ($arg_a) { return 403; } }',
    'set $a "${host}x";',
    'access_log /var/log/nginx/api.access.log;',
    'access_log off;',
    'error_log syslog:server=10.9.0.5;',
    'listen 10.9.0.100:443;',
    'location = /haops-health2 { return 200; }',
    'rewrite "^/a b$" /c;',
  ])('%s is accepted and renders to its own tokens in the server block', (entry) => {
    const r = site([entry]);
    expect(r).not.toHaveProperty('refused');
    const sts = parsed((r as { text: string }).text);
    expect(shape(sts).filter(([n]) => n !== 'server')).toEqual(shape(baseline).filter(([n]) => n !== 'server'));
    expect(shape(server(sts).block!)).toEqual([...shape(server(baseline).block!), ...shape(parsed(entry))]);
  });

  it('vipListens reads listen as nginx does', () => {
    const { model } = parseModel(inventory(['listen 10.9.0.100:443 ssl;', 'location /x { return 204; }']), 'x.yaml', {});
    expect(vipListens(model.nodes[0]!)).toEqual(['10.9.0.100']);
  });

  it('property: 600 random entries (nginx-significant characters) are refused or render as exactly their statements', () => {
    let seed = 20261203;
    const r = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const HEADS = [
      'return 200 ',
      'add_header X ',
      'set $a ',
      'location /x ',
      'location / ',
      'if ($a) ',
      'server ',
      'log_format f ',
      'access_log ',
      'listen ',
    ];
    const BITS = [
      'a',
      'b1',
      ' ',
      '\t',
      '{',
      '}',
      ';',
      '"',
      "'",
      '\\',
      '$',
      '${',
      '#',
      ')',
      'x}',
      "a'",
      'a"',
      '/tmp/x',
      '/var/log/nginx/a',
      '80',
      'return 204;',
      ' } server { ',
    ];
    let accepted = 0;
    const breakouts: string[] = [];
    for (let n = 0; n < 600; n++) {
      let entry = HEADS[Math.floor(r() * HEADS.length)]!;
      const len = 1 + Math.floor(r() * 10);
      for (let i = 0; i < len; i++) entry += BITS[Math.floor(r() * BITS.length)]!;
      if (r() < 0.6) entry += ';';
      const result = site([entry]);
      if ('refused' in result) continue;
      accepted++;
      const full = parseNginx(result.text);
      const sts = full.ok ? full.statements : [];
      const ok =
        full.ok &&
        JSON.stringify(shape(sts).filter(([name]) => name !== 'server')) ===
          JSON.stringify(shape(baseline).filter(([name]) => name !== 'server')) &&
        sts.filter((s) => s.name.value === 'server').length === 1 &&
        JSON.stringify(shape(server(sts).block!)) === JSON.stringify([...shape(server(baseline).block!), ...shape(parsed(entry))]);
      if (!ok) breakouts.push(entry);
    }
    expect(breakouts, 'entries validate accepted that nginx reads differently').toEqual([]);
    expect(accepted).toBeGreaterThan(40);
    expect(accepted).toBeLessThan(600);
  });
});

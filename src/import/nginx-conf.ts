// `nginx -T` as import reads it: every file nginx loaded (its `# configuration file PATH:` headers),
// each split into directives and blocks; then the upstreams and the servers of the http context.
// Pure.
import type { At } from './keepalived-conf.js';

export interface NgDirective {
  name: string;
  args: string[];
  children?: NgDirective[];
  at: At;
}

/** The files `nginx -T` printed, by path, in order. */
export function splitNginxT(text: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const lines = text.split('\n');
  let cur: { path: string; lines: string[] } | null = null;
  for (const line of lines) {
    const m = /^# configuration file (.+):$/.exec(line);
    if (m) {
      if (cur) out.push({ path: cur.path, text: cur.lines.join('\n') });
      cur = { path: m[1]!, lines: [] };
      continue;
    }
    if (cur) cur.lines.push(line);
  }
  if (cur) out.push({ path: cur.path, text: cur.lines.join('\n') });
  return out;
}

/** One file's directives (nginx's grammar: `;` ends a directive, `{}` a block, `#` a comment, quotes). */
export function parseNginxFile(path: string, text: string): NgDirective[] {
  interface Tok {
    t: string;
    quoted: boolean;
    line: number;
  }
  const toks: Tok[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      toks.push({ t: c, quoted: false, line });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        if (text[j] === '\n') line++;
        s += text[j];
        j++;
      }
      toks.push({ t: s, quoted: true, line });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};"']/.test(text[j]!)) j++;
      toks.push({ t: text.slice(i, j), quoted: false, line });
      i = j;
    }
  }
  let k = 0;
  const block = (): NgDirective[] => {
    const out: NgDirective[] = [];
    while (k < toks.length) {
      const tok = toks[k]!;
      if (tok.t === '}' && !tok.quoted) {
        k++;
        return out;
      }
      const d: NgDirective = { name: tok.t, args: [], at: { file: path, line: tok.line } };
      k++;
      while (k < toks.length && !(!toks[k]!.quoted && (toks[k]!.t === ';' || toks[k]!.t === '{' || toks[k]!.t === '}'))) {
        d.args.push(toks[k]!.t);
        k++;
      }
      if (k < toks.length && toks[k]!.t === '{') {
        k++;
        d.children = block();
      } else if (k < toks.length && toks[k]!.t === ';') k++;
      out.push(d);
    }
    return out;
  };
  return block();
}

export interface NgListen {
  address?: string;
  port: number;
  ssl: boolean;
  defaultServer: boolean;
  raw: string;
}

export interface NgServer {
  listens: NgListen[];
  serverNames: string[];
  /** The upstream `location /` passes to (`proxy_pass http://NAME`), when it is one. */
  proxyTo?: string;
  /** Directives besides listen, server_name and `location /`'s proxying ones: what haops does not carry over. */
  others: NgDirective[];
  at: At;
}

export interface NgUpstream {
  name: string;
  /** `host:port` (port 80 when none is written). */
  servers: string[];
  /** Directives other than plain servers (keepalive, a unix: socket, backup...). */
  others: { text: string; at: At }[];
  at: At;
}

export interface NginxModel {
  files: string[];
  servers: NgServer[];
  upstreams: NgUpstream[];
}

/** listen's forms: `80`, `10.0.0.5:80`, `10.0.0.5` (port 80), `[::]:80`, `unix:` (none of ours). */
function listenOf(d: NgDirective): NgListen | null {
  const [spec = '', ...flags] = d.args;
  if (spec.startsWith('unix:')) return null;
  let address: string | undefined;
  let port = 80;
  const v6 = /^\[(.*)\](?::(\d+))?$/.exec(spec);
  if (v6) {
    address = `[${v6[1]}]`;
    if (v6[2]) port = Number(v6[2]);
  } else if (/^\d+$/.test(spec)) port = Number(spec);
  else {
    const [a, p] = spec.split(':');
    address = a;
    if (p) port = Number(p);
  }
  return {
    ...(address && address !== '*' ? { address } : {}),
    port,
    ssl: flags.includes('ssl') || flags.includes('quic'),
    defaultServer: flags.includes('default_server') || flags.includes('default'),
    raw: d.args.join(' '),
  };
}

/** Directives of `location /` a haops site has too (or that only proxy): not worth a warning. */
const PROXY_PLAIN = new Set(['proxy_pass', 'proxy_set_header', 'proxy_connect_timeout', 'proxy_next_upstream', 'proxy_http_version']);

function serverOf(d: NgDirective): NgServer {
  const s: NgServer = { listens: [], serverNames: [], others: [], at: d.at };
  for (const c of d.children ?? []) {
    if (c.name === 'listen') {
      const l = listenOf(c);
      if (l) s.listens.push(l);
    } else if (c.name === 'server_name') s.serverNames.push(...c.args);
    else if (c.name === 'location' && c.args.length === 1 && c.args[0] === '/') {
      for (const l of c.children ?? []) {
        const m = l.name === 'proxy_pass' ? /^https?:\/\/([A-Za-z0-9_.-]+)\/?$/.exec(l.args[0] ?? '') : null;
        if (m) s.proxyTo = m[1]!;
        else if (!PROXY_PLAIN.has(l.name)) s.others.push(l);
      }
    } else if (!['access_log', 'error_log'].includes(c.name)) s.others.push(c);
  }
  return s;
}

function upstreamOf(d: NgDirective): NgUpstream {
  const u: NgUpstream = { name: d.args[0] ?? '', servers: [], others: [], at: d.at };
  for (const c of d.children ?? []) {
    const target = c.args[0] ?? '';
    const plain = c.args.slice(1).every((a) => /^(weight|max_fails|fail_timeout)=/.test(a));
    if (c.name === 'server' && !target.startsWith('unix:') && plain) u.servers.push(/:\d+$/.test(target) ? target : `${target}:80`);
    else u.others.push({ text: `${c.name} ${c.args.join(' ')}`.trim(), at: c.at });
  }
  return u;
}

export function nginxModel(nginxT: string): NginxModel {
  const files = splitNginxT(nginxT);
  const servers: NgServer[] = [];
  const upstreams: NgUpstream[] = [];
  // Files included from stream {} would hold TCP servers: nginx -T does not say which context
  // included a file, so a file is in http unless the main file's stream block includes it by name.
  const walk = (ds: NgDirective[], inStream: boolean) => {
    for (const d of ds) {
      if (d.name === 'stream') walk(d.children ?? [], true);
      else if (d.name === 'http') walk(d.children ?? [], false);
      else if (d.name === 'server' && d.children && !inStream) servers.push(serverOf(d));
      else if (d.name === 'upstream' && d.children && !inStream) upstreams.push(upstreamOf(d));
    }
  };
  for (const f of files) walk(parseNginxFile(f.path, f.text), false);
  return { files: files.map((f) => f.path), servers, upstreams };
}

/**
 * The server that fronts the VIPs: one listening on a VIP, else one that proxies `location /` to
 * an upstream on a plain (non-TLS) port. null when nginx fronts nothing haops can read.
 */
export function frontingServer(m: NginxModel, vips: string[]): NgServer | null {
  const plain = (s: NgServer) => s.listens.some((l) => !l.ssl);
  const onVip = m.servers.find((s) => plain(s) && s.proxyTo && s.listens.some((l) => l.address && vips.includes(l.address)));
  if (onVip) return onVip;
  return m.servers.find((s) => plain(s) && s.proxyTo && m.upstreams.some((u) => u.name === s.proxyTo)) ?? null;
}

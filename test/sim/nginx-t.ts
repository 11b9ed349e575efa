// `nginx -t` of each simulated family's nginx, for what haops writes: the stock test (a line
// `invalid`), the TLS forms a given nginx does not know, and a certificate or key that is missing.
// Not an nginx parser: a targeted check per directive, each message as that release prints it
// (nginx source at the tag, see docs/el-transcripts-extra.md EX-10).

import type { Output } from './el-system.js';

/** How the node's OpenSSL words a missing file: 1.0.x/1.1.1 (EL6/7/8) or 3.x (EL9). */
export type OpensslGeneration = '1.x' | '3';

const num = (v: string) => {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return a * 1e6 + b * 1e3 + c;
};

const noFile = (path: string, openssl: OpensslGeneration) =>
  openssl === '3'
    ? `(SSL: error:80000002:system library::No such file or directory:calling fopen(${path}, r) error:10000080:BIO routines::no such file)`
    : `(SSL: error:02001002:system library:fopen:No such file or directory:fopen('${path}','r') error:2006D080:BIO routines:BIO_new_file:no such file)`;

/** One line nginx `version` refuses (`[emerg]`, or `[warn]` with the test still failing), or only warns about. */
function lineVerdict(line: string, version: number): { level: 'emerg' | 'warn'; text: string; fails: boolean } | null {
  const st = line.trim();
  if (/^invalid\b/.test(st)) return { level: 'emerg', text: 'unknown directive "invalid"', fails: true };
  // ngx_http_core_listen: `http2` is a listen parameter from 1.9.5; 1.25.1 deprecates it for `http2 on;`.
  if (/^listen\s[^;]*\shttp2\b/.test(st)) {
    if (version < 1_009_005) return { level: 'emerg', text: 'invalid parameter "http2"', fails: true };
    if (version >= 1_025_001)
      return { level: 'warn', text: 'the "listen ... http2" directive is deprecated, use the "http2" directive instead', fails: false };
  }
  if (/^http2\s/.test(st) && version < 1_025_001) return { level: 'emerg', text: 'unknown directive "http2"', fails: true };
  // ngx_conf_set_bitmask_slot logs an unknown value at warn level, then fails the directive.
  if (/^ssl_protocols\s[^;]*\bTLSv1\.3\b/.test(st) && version < 1_013_000)
    return { level: 'warn', text: 'invalid value "TLSv1.3"', fails: true };
  return null;
}

/** `nginx -t` over nginx.conf and conf.d/*.conf (what the stock nginx.conf includes). */
export function nginxTest(files: ReadonlyMap<string, { content: string }>, nginxVersion: string, openssl: OpensslGeneration): Output {
  const version = num(nginxVersion);
  const included = [...files.keys()].filter((p) => /^\/etc\/nginx\/conf\.d\/[^/]+\.conf$/.test(p)).sort();
  const failed = (lines: string[]): Output => ({
    stdout: '',
    stderr: `${lines.map((l) => `nginx: ${l}\n`).join('')}nginx: configuration file /etc/nginx/nginx.conf test failed\n`,
    code: 1,
  });
  const warnings: string[] = [];
  const certs: { cert?: string; key?: string }[] = [];
  for (const path of ['/etc/nginx/nginx.conf', ...included]) {
    const lines = (files.get(path)?.content ?? '').split('\n');
    for (const [i, line] of lines.entries()) {
      const v = lineVerdict(line, version);
      if (v) {
        const said = `[${v.level}] ${v.text} in ${path}:${i + 1}`;
        if (v.fails) return failed([...warnings, said]);
        warnings.push(said);
      }
      const cert = /^\s*ssl_certificate\s+(\S+);/.exec(line)?.[1];
      const key = /^\s*ssl_certificate_key\s+(\S+);/.exec(line)?.[1];
      if (cert) certs.push({ cert });
      if (key) certs.push({ key });
    }
  }
  // After parsing, each server loads its certificate, then its key (1.15.9 reworded both).
  for (const { cert, key } of certs) {
    const path = cert ?? key!;
    if (files.has(path)) continue;
    const what = cert ? 'certificate' : 'certificate key';
    // Before 1.15.9 the key went through SSL_CTX_use_PrivateKey_file, whose error chain is OpenSSL's own.
    const said =
      version >= 1_015_009
        ? `cannot load ${what} "${path}": BIO_new_file() failed ${noFile(path, openssl)}`
        : cert
          ? `BIO_new_file("${path}") failed ${noFile(path, openssl)}`
          : `SSL_CTX_use_PrivateKey_file("${path}") failed (SSL: error:02001002:system library:fopen:No such file or directory:fopen('${path}','r') error:20074002:BIO routines:FILE_CTRL:system lib error:140B0002:SSL routines:SSL_CTX_use_PrivateKey_file:system lib)`;
    return failed([...warnings, `[emerg] ${said}`]);
  }
  return {
    stdout: '',
    stderr: `${warnings.map((w) => `nginx: ${w}\n`).join('')}nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n`,
    code: 0,
  };
}

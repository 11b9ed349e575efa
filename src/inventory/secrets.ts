// Secrets (VRRP and sudo passwords, credentials inside URLs) come from the inventory, an
// environment variable or a file. Resolved once, at load, into values the model carries; every
// value is collected for masking. An error never shows a secret, nor a value that may be one typed
// into the wrong field.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ZodTypeAny } from 'zod';
import { MIN_URL_CREDENTIAL, urlCredentials } from '../core/url-credentials.js';
import { MIN_MASKABLE } from '../core/mask.js';
import { formatPath, type InventoryIssue, issueAt, type Locator, type PathKey } from './errors.js';
import { sudoPasswordProblem, vrrpPasswordProblem } from './rules.js';
import { sitesOf } from './sites.js';
import { certBlocks, judgeTls, keySecrets, type TlsFacts } from './tls.js';
import { type Inventory, mirrorUrl, type SecretSource, url as httpUrl, type UrlSource } from './schema.js';

export type SecretOrigin = 'inline' | 'env' | 'file' | 'default';

export interface ResolvedSecret {
  value: string;
  origin: SecretOrigin;
}

export type SecretResult = ({ ok: true } & ResolvedSecret) | { ok: false; message: string; fix: string };

export interface Secrets {
  /** By the field path of the secret's mapping, e.g. `pairs.lab.instances[0].authentication`, `hosts.h1.sudo`, `ssh.sudo`. */
  byPath: Map<string, ResolvedSecret>;
  /** Every URL that may carry credentials, resolved (inline, url_env or url_file), by field path, e.g. `pairs.lab.notify.webhooks[0]`. */
  urls: Map<string, string>;
  /** Every resolved value (passwords, the credentials inside URLs, TLS keys), for masking output. */
  values: string[];
  /** Per site with tls, by its tlsKey (the pair's name without sites): the chain and key as read at load, judged (see tls.ts). */
  tls: Map<string, ResolvedTls>;
}

export interface ResolvedTls {
  cert: string;
  key: string;
  facts: TlsFacts;
  /** tls.ca_file's PEM: what probes from this machine verify the site against. */
  ca?: string;
}

export function resolveSecret(ref: SecretSource, inventoryFile: string, env: NodeJS.ProcessEnv): SecretResult {
  if (ref.password !== undefined) return { ok: true, value: ref.password, origin: 'inline' };
  if (ref.password_env) {
    const v = env[ref.password_env];
    if (v !== undefined && v !== '') return { ok: true, value: v, origin: 'env' };
    if (ref.default !== undefined) return { ok: true, value: ref.default, origin: 'default' };
    return {
      ok: false,
      message: `environment variable ${ref.password_env} is not set`,
      fix: `export ${ref.password_env}=... before running haops, or use password_file:`,
    };
  }
  if (ref.password_file) {
    const path = resolve(dirname(inventoryFile), ref.password_file.replace(/^~(?=\/)/, env.HOME ?? '~'));
    try {
      return { ok: true, value: readFileSync(path, 'utf8').replace(/\r?\n$/, ''), origin: 'file' };
    } catch (err) {
      if (ref.default !== undefined) return { ok: true, value: ref.default, origin: 'default' };
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      // The path is not shown: a password typed into password_file: by mistake must not be echoed.
      return {
        ok: false,
        message: `cannot read the file password_file names (${code}; the path is not shown, in case it is a password)`,
        fix: 'point password_file at a readable file (mode 0600) holding the password',
      };
    }
  }
  if (ref.default !== undefined) return { ok: true, value: ref.default, origin: 'default' };
  return { ok: false, message: 'no password given', fix: 'add password_env: VAR (recommended), password_file: PATH or password: VALUE' };
}

export interface SecretsResult {
  secrets: Secrets;
  issues: InventoryIssue[];
  /** Said on every command that loads the inventory: a secret fell back to its default. */
  warnings: InventoryIssue[];
  /** Said on every command, never a refusal: a secret too short to mask in free text. */
  cautions: InventoryIssue[];
}

/** Resolves every secret of the inventory once, and checks each against what its consumer can carry. */
export function resolveSecrets(inv: Inventory, locate: Locator, env: NodeJS.ProcessEnv): SecretsResult {
  const byPath = new Map<string, ResolvedSecret>();
  const issues: InventoryIssue[] = [];
  const warnings: InventoryIssue[] = [];
  const cautions: InventoryIssue[] = [];
  const one = (path: PathKey[], ref: SecretSource, what: string, problem: (v: string) => string | undefined, fix: string) => {
    const key = formatPath(path);
    if (byPath.has(key)) return;
    const r = resolveSecret(ref, locate.file, env);
    if (!r.ok) {
      issues.push(issueAt(locate, path, `${what}: ${r.message}`, r.fix));
      return;
    }
    const bad = problem(r.value);
    if (bad) {
      const field =
        r.origin === 'inline' ? 'password' : r.origin === 'env' ? 'password_env' : r.origin === 'file' ? 'password_file' : 'default';
      issues.push(issueAt(locate, [...path, field], `${what} ${bad}`, fix));
      return;
    }
    if (r.value.length < MIN_MASKABLE)
      cautions.push(
        issueAt(
          locate,
          path,
          `${what} is ${r.value.length} character${r.value.length === 1 ? '' : 's'}: too short for haops to mask in free text (it would mask ordinary text), so a message that quoted it would show it`,
          'give the account a longer password (at least 4 characters)',
        ),
      );
    if (r.origin === 'default') {
      warnings.push(
        issueAt(
          locate,
          [...path, 'default'],
          `${what}: ${ref.password_env ? `${ref.password_env} is not set` : 'no password source'}, so the inventory's default: is used`,
          ref.password_env
            ? `export ${ref.password_env}=...; deploy refuses defaults unless allow_default_secrets: true`
            : 'add password_env:',
        ),
      );
    }
    byPath.set(key, { value: r.value, origin: r.origin });
  };
  const sudoFix = 'a sudo password is one line, not empty';
  if (inv.ssh.sudo && typeof inv.ssh.sudo === 'object') one(['ssh', 'sudo'], inv.ssh.sudo, 'sudo password', sudoPasswordProblem, sudoFix);
  for (const [name, h] of Object.entries(inv.hosts)) {
    if (h.sudo && typeof h.sudo === 'object') one(['hosts', name, 'sudo'], h.sudo, 'sudo password', sudoPasswordProblem, sudoFix);
  }
  for (const [name, pair] of Object.entries(inv.pairs)) {
    pair.instances.forEach((inst, i) => {
      if (inst.authentication) {
        one(
          ['pairs', name, 'instances', i, 'authentication'],
          inst.authentication,
          'VRRP password',
          vrrpPasswordProblem,
          'use 4 to 8 letters, digits or _ . : @ % + , = / - (the same on both nodes)',
        );
      }
    });
  }
  const urls = resolveUrls(inv, locate, env, issues);
  const tls = resolveTls(inv, locate, env, issues);
  const credentials = [...urls.values()].flatMap(urlCredentials).concat([...tls.values()].flatMap((t) => keySecrets(t.key)));
  const values = [
    ...new Set(
      [...byPath.values()]
        .map((s) => s.value)
        .concat(credentials)
        .filter((v) => v.length > 0),
    ),
  ];
  return { secrets: { byPath, urls, values, tls }, issues, warnings, cautions };
}

/** A URL given inline, or by url_env/url_file: its value, or what is wrong (never quoting the value). */
function readUrl(
  ref: string | UrlSource,
  inventoryFile: string,
  env: NodeJS.ProcessEnv,
): { ok: true; value: string; field: string } | { ok: false; field: string; message: string; fix: string } {
  if (typeof ref === 'string') return { ok: true, value: ref, field: '' };
  if (ref.url_env) {
    const v = env[ref.url_env];
    if (v !== undefined && v !== '') return { ok: true, value: v.trim(), field: 'url_env' };
    return {
      ok: false,
      field: 'url_env',
      message: `environment variable ${ref.url_env} is not set`,
      fix: `export ${ref.url_env}=https://... before running haops, or use url_file:`,
    };
  }
  const path = resolve(dirname(inventoryFile), (ref.url_file ?? '').replace(/^~(?=\/)/, env.HOME ?? '~'));
  try {
    return { ok: true, value: readFileSync(path, 'utf8').trim(), field: 'url_file' };
  } catch (err) {
    return {
      ok: false,
      field: 'url_file',
      message: `cannot read the file url_file names (${(err as NodeJS.ErrnoException).code ?? 'error'}; the path is not shown, in case it is a URL)`,
      fix: 'point url_file at a readable file (mode 0600) holding the URL on one line',
    };
  }
}

/** Resolves every URL that may hold credentials and checks each as its inline form would be. */
function resolveUrls(inv: Inventory, locate: Locator, env: NodeJS.ProcessEnv, issues: InventoryIssue[]): Map<string, string> {
  const urls = new Map<string, string>();
  /** `path`: where the URL is stored (and an inline one reported); `refAt`: the mapping holding url_env/url_file. */
  const one = (path: PathKey[], ref: string | UrlSource, schema: ZodTypeAny, what: string, refAt: PathKey[] = path) => {
    const r = readUrl(ref, locate.file, env);
    const at = r.field ? [...refAt, r.field] : path;
    if (!r.ok) {
      issues.push(issueAt(locate, at, `${what}: ${r.message}`, r.fix));
      return;
    }
    if (r.field && !schema.safeParse(r.value).success) {
      issues.push(
        issueAt(
          locate,
          at,
          `${what}: the URL ${r.field} gives is not one haops accepts here (it is not shown: it may hold credentials)`,
          'write it as the inline field would take it: scheme://[user:token@]host[:port]/path, no spaces or quotes',
        ),
      );
      return;
    }
    const short = urlCredentials(r.value).some((c) => c.length < MIN_URL_CREDENTIAL);
    if (short) {
      issues.push(
        issueAt(
          locate,
          at,
          `${what}: a credential in this URL is shorter than ${MIN_URL_CREDENTIAL} characters, too short to mask in output without masking other text`,
          'use a longer token or password',
        ),
      );
      return;
    }
    urls.set(formatPath(path), r.value);
  };
  for (const [name, pair] of Object.entries(inv.pairs)) {
    pair.notify.webhooks.forEach((w, i) => {
      one(['pairs', name, 'notify', 'webhooks', i], w, httpUrl, 'webhook URL');
    });
    const sms = pair.notify.sms;
    if (sms) {
      const given = [sms.url !== undefined, sms.url_env !== undefined, sms.url_file !== undefined].filter(Boolean).length;
      if (given > 1)
        issues.push(
          issueAt(locate, ['pairs', name, 'notify', 'sms'], 'sms: give the gateway URL once', 'keep one of url:, url_env:, url_file:'),
        );
      else if (sms.url !== undefined) one(['pairs', name, 'notify', 'sms', 'url'], sms.url, httpUrl, 'SMS gateway URL');
      else if (sms.url_env !== undefined || sms.url_file !== undefined) {
        const ref: UrlSource = sms.url_env !== undefined ? { url_env: sms.url_env } : { url_file: sms.url_file };
        // Stored under sms.url (where the model reads it), reported at sms.url_env / sms.url_file.
        one(['pairs', name, 'notify', 'sms', 'url'], ref, httpUrl, 'SMS gateway URL', ['pairs', name, 'notify', 'sms']);
      }
    }
  }
  if (inv.el_archive) {
    one(['el_archive', 'centos'], inv.el_archive.centos, mirrorUrl, 'el_archive.centos');
    if (inv.el_archive.epel !== undefined) one(['el_archive', 'epel'], inv.el_archive.epel, mirrorUrl, 'el_archive.epel');
  }
  return urls;
}

/** Reads each pair's TLS chain (cert_file) and key (key_file or key_env) and judges them; the key is never quoted. */
function resolveTls(inv: Inventory, locate: Locator, env: NodeJS.ProcessEnv, issues: InventoryIssue[]): Map<string, ResolvedTls> {
  const out = new Map<string, ResolvedTls>();
  const read = (file: string) => readFileSync(resolve(dirname(locate.file), file.replace(/^~(?=\/)/, env.HOME ?? '~')), 'utf8');
  for (const site of Object.entries(inv.pairs).flatMap(([name, pair]) => sitesOf(name, pair.nginx))) {
    const t = site.tls;
    if (!t) continue;
    const at = [...site.at, 'tls'];
    let cert: string;
    try {
      cert = read(t.cert_file);
    } catch (err) {
      issues.push(
        issueAt(
          locate,
          [...at, 'cert_file'],
          `cannot read cert_file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          'point cert_file at the PEM certificate chain on this machine (relative paths start at the inventory)',
        ),
      );
      continue;
    }
    let key: string | undefined;
    const keyField = t.key_env !== undefined ? 'key_env' : 'key_file';
    if (t.key_env !== undefined) {
      key = env[t.key_env];
      if (!key)
        issues.push(
          issueAt(
            locate,
            [...at, 'key_env'],
            `environment variable ${t.key_env} is not set`,
            `export ${t.key_env}="$(cat site.key)" before running haops, or use key_file:`,
          ),
        );
    } else {
      try {
        key = read(t.key_file ?? '');
      } catch (err) {
        // The path is not shown: a key pasted into key_file by mistake must not be echoed.
        issues.push(
          issueAt(
            locate,
            [...at, 'key_file'],
            `cannot read the file key_file names (${(err as NodeJS.ErrnoException).code ?? 'error'}; the path is not shown, in case it is a key)`,
            'point key_file at the PEM private key on this machine (mode 0600)',
          ),
        );
      }
    }
    let ca: string | undefined;
    if (t.ca_file !== undefined) {
      try {
        ca = certBlocks(read(t.ca_file));
        if (!ca) {
          issues.push(
            issueAt(
              locate,
              [...at, 'ca_file'],
              'ca_file holds no PEM certificate',
              'point ca_file at the PEM file of the CA that signed the chain (or its root)',
            ),
          );
          continue;
        }
      } catch (err) {
        issues.push(
          issueAt(
            locate,
            [...at, 'ca_file'],
            `cannot read ca_file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
            'point ca_file at the PEM CA bundle on this machine (relative paths start at the inventory)',
          ),
        );
        continue;
      }
    }
    if (!key) continue;
    const judged = judgeTls(cert, key);
    for (const p of judged.problems)
      issues.push(
        issueAt(
          locate,
          [...at, p.field === 'cert' ? 'cert_file' : keyField],
          `${site.implicit ? 'nginx.tls' : `site ${site.name} tls`}: ${p.message}`,
          p.fix,
        ),
      );
    if (!judged.problems.length && judged.facts) out.set(site.tlsKey, { cert, key, facts: judged.facts, ...(ca ? { ca } : {}) });
  }
  return out;
}

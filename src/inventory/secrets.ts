// Secrets (VRRP and sudo passwords) come from the inventory, an environment variable or a file.
// Resolved once, at load, into values the model carries; every value is collected for masking.
// An error never shows a secret, nor a value that may be one typed into the wrong field.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MIN_MASKABLE } from '../core/mask.js';
import { formatPath, type InventoryIssue, issueAt, type Locator, type PathKey } from './errors.js';
import { sudoPasswordProblem, vrrpPasswordProblem } from './rules.js';
import type { Inventory, SecretSource } from './schema.js';

export type SecretOrigin = 'inline' | 'env' | 'file' | 'default';

export interface ResolvedSecret {
  value: string;
  origin: SecretOrigin;
}

export type SecretResult = ({ ok: true } & ResolvedSecret) | { ok: false; message: string; fix: string };

export interface Secrets {
  /** By the field path of the secret's mapping, e.g. `pairs.lab.instances[0].authentication`, `hosts.h1.sudo`, `ssh.sudo`. */
  byPath: Map<string, ResolvedSecret>;
  /** Every resolved value, for masking output. */
  values: string[];
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
  const values = [...new Set([...byPath.values()].map((s) => s.value).filter((v) => v.length > 0))];
  return { secrets: { byPath, values }, issues, warnings, cautions };
}

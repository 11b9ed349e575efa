// Secrets (VRRP and sudo passwords) come from the inventory, an environment variable or a file.
// Resolved once; every resolved value is also collected so output can mask it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SecretRef {
  password?: string;
  password_env?: string;
  password_file?: string;
  default?: string;
}

export type SecretResult = { ok: true; value: string } | { ok: false; message: string; fix: string };

export function resolveSecret(ref: SecretRef, inventoryFile: string, env: NodeJS.ProcessEnv): SecretResult {
  if (ref.password !== undefined) return { ok: true, value: ref.password };
  if (ref.password_env) {
    const v = env[ref.password_env];
    if (v !== undefined && v !== '') return { ok: true, value: v };
    if (ref.default !== undefined) return { ok: true, value: ref.default };
    return { ok: false, message: `environment variable ${ref.password_env} is not set`, fix: `export ${ref.password_env}=... before running haops, or use password_file:` };
  }
  if (ref.password_file) {
    const path = resolve(dirname(inventoryFile), ref.password_file.replace(/^~(?=\/)/, env.HOME ?? '~'));
    try {
      return { ok: true, value: readFileSync(path, 'utf8').replace(/\r?\n$/, '') };
    } catch {
      if (ref.default !== undefined) return { ok: true, value: ref.default };
      return { ok: false, message: `cannot read password_file ${path}`, fix: 'create the file (mode 0600) or point password_file at an existing one' };
    }
  }
  if (ref.default !== undefined) return { ok: true, value: ref.default };
  return { ok: false, message: 'no password given', fix: 'add password_env: VAR (recommended), password_file: PATH or password: VALUE' };
}

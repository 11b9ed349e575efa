// The inventory import writes: YAML with a header naming what each node runs, and the check that
// it loads as written (schema, pairs, secrets given in memory) before anything is written.
import { stringify } from 'yaml';
import { maskText } from '../core/mask.js';
import { formatIssue } from '../inventory/errors.js';
import { parseModel } from '../model/load.js';
import type { ImportResult } from './adopt.js';
import type { NodeReading } from './read.js';

export function renderInventory(result: ImportResult, readings: NodeReading[]): string {
  const head = [
    '# Written by haops import from the running nodes:',
    ...readings.map(
      (r) =>
        `#   ${r.name}: ${r.os?.pretty ?? 'unknown OS'}, keepalived ${r.keepalivedVersion ?? 'not installed'}${r.running.keepalived ? '' : ' (not running)'}, nginx ${r.nginxVersion ?? 'not installed'}${r.running.nginx ? '' : ' (not running)'}`,
    ),
    '# `haops deploy --check --diff` shows every file haops would change and whether VRRP behaviour changes.',
    '# The first deploy keeps what it replaces under /var/backups/haops/TIME/ (adopt: lists the sites it moves aside).',
  ];
  return `${head.join('\n')}\n${stringify(result.inventory, { lineWidth: 0 })}`;
}

/** null when the text loads; else the problems, one per line (secrets masked). */
export function validateText(text: string, file: string, result: ImportResult, env: NodeJS.ProcessEnv): string | null {
  // password_file: paths are relative to the inventory: validate against the values in hand.
  const inMemory = text.replace(/password_file: (\S+)/g, (_m, path: string) => {
    const s = result.secrets.find((x) => x.file === path);
    return s ? `password_env: HAOPS_IMPORT_CHECK_${result.secrets.indexOf(s)}` : `password_file: ${path}`;
  });
  result.secrets.forEach((s, i) => {
    env[`HAOPS_IMPORT_CHECK_${i}`] = s.value;
  });
  try {
    parseModel(inMemory, file, env);
    return null;
  } catch (e) {
    const issues = (e as { issues?: Parameters<typeof formatIssue>[0][] }).issues;
    const msg = issues ? issues.map((i) => formatIssue(i)).join('\n') : (e as Error).message;
    return maskText(
      msg,
      result.secrets.map((s) => s.value),
    );
  }
}

// `haops import`: read a running pair (or the hosts of an Ansible inventory) and write the haops
// inventory that reproduces it. The inventory goes to stdout or -o; findings, where the secrets
// went and what the inventory cannot say go to stderr. Exit 0 written, 1 a node failed, 2 bad input.
import { readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { maskText } from '../core/mask.js';
import type { Inventory } from '../inventory/schema.js';
import { hostConnections, type NodeFlags } from '../nodes/connector.js';
import { parseAnsibleInventory } from '../import/ansible.js';
import { buildInventory, type Finding, type ImportTarget } from '../import/adopt.js';
import { readNode, type NodeReading } from '../import/read.js';
import { targetOfDest, targetsOfAnsible } from '../import/targets.js';
import { renderInventory, validateText } from '../import/write.js';
import { nodeOptions } from './options.js';

export interface ImportFlags extends NodeFlags {
  ansibleInventory?: string;
  limit?: string;
  output?: string;
  secrets?: string;
}

/** What the command writes to and returns through (the CLI's io, declared in commands.ts). */
interface ImportIo {
  out: (s: string) => void;
  err: (s: string) => void;
  setCode: (c: number) => void;
}

export function registerImportCommand(program: Command, io: ImportIo): void {
  nodeOptions(program.command('import'))
    .description('read a running keepalived + nginx pair and write the haops inventory that reproduces it (secrets kept out)')
    .argument('[dest...]', 'SSH destinations of the nodes: node1, root@10.0.0.5, ops@proxy101:2222')
    .option(
      '--ansible-inventory <file>',
      'take the hosts (and their user, key, port, jump host, become) from an Ansible inventory, INI or YAML',
    )
    .option('--limit <pattern>', 'with --ansible-inventory: only these hosts or groups (Ansible pattern: a,b  group:!x  web*)')
    .option('-o, --output <file>', 'write the inventory here (default: stdout)')
    .option('--secrets <where>', 'VRRP passwords: file (a 0600 file beside the inventory, password_file:) or env (password_env:)', 'file')
    .action(async (dests: string[], flags: ImportFlags) => io.setCode(await importCommand(dests, flags, io.out, io.err)));
}

function targetsOf(dests: string[], flags: ImportFlags, err: (s: string) => void): ImportTarget[] {
  if (flags.limit && !flags.ansibleInventory)
    throw new UsageError('--limit selects hosts of an Ansible inventory', 'add --ansible-inventory FILE, or name the nodes');
  if (flags.ansibleInventory) {
    if (dests.length) throw new UsageError('give either SSH destinations or --ansible-inventory, not both');
    let text: string;
    try {
      text = readFileSync(flags.ansibleInventory, 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read ${flags.ansibleInventory} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        'check the path',
      );
    }
    const { targets, warnings } = targetsOfAnsible(
      parseAnsibleInventory(text, flags.ansibleInventory),
      flags.ansibleInventory,
      flags.limit,
    );
    for (const w of warnings) err(`note: ${w}`);
    return targets;
  }
  if (!dests.length) throw new UsageError('no nodes to import', 'haops import NODE1 NODE2, or --ansible-inventory FILE');
  const targets = dests.map(targetOfDest);
  const dup = targets.find((t, i) => targets.findIndex((x) => x.name === t.name) !== i);
  if (dup) throw new UsageError(`${dup.name} is named twice`);
  return targets;
}

/** hostConnections wants an inventory: the targets as its hosts. */
function inventoryOf(targets: ImportTarget[]): Inventory {
  const hosts: Inventory['hosts'] = {};
  for (const t of targets)
    hosts[t.name] = {
      address: t.address,
      ...(t.user ? { user: t.user } : {}),
      ...(t.port ? { port: t.port } : {}),
      ...(t.identityFile ? { identity_file: t.identityFile } : {}),
      ...(t.jump ? { jump: t.jump } : {}),
    };
  return { ssh: {}, hosts, pairs: {}, allow_default_secrets: false };
}

const where = (f: Finding) => (f.line > 0 ? `${f.file}:${f.line}` : f.file);

export async function importCommand(
  dests: string[],
  flags: ImportFlags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (flags.secrets !== 'file' && flags.secrets !== 'env') throw new UsageError(`--secrets ${flags.secrets}: expected file or env`);
  const targets = targetsOf(dests, flags, err);
  // Relative key paths of an Ansible inventory are relative to where ansible runs (here).
  const hosts = hostConnections(
    inventoryOf(targets),
    join(process.cwd(), 'import'),
    flags,
    [],
    Object.fromEntries(targets.filter((t) => t.sudo).map((t) => [t.name, { prompt: true }])),
  );
  let readings: NodeReading[];
  const failed: string[] = [];
  try {
    const results = await Promise.all(
      targets.map(async (t) => {
        try {
          return await readNode(await hosts.get(t.name));
        } catch (e) {
          const x = e as { message: string; hint?: string };
          err(`haops: ${x.message}${x.hint ? `\n    fix: ${x.hint}` : ''}`);
          failed.push(t.name);
          return null;
        }
      }),
    );
    readings = results.filter((r): r is NodeReading => r !== null);
  } finally {
    await hosts.closeAll();
  }
  if (failed.length) {
    err(`import: could not read ${failed.join(', ')}; nothing written`);
    return 1;
  }
  for (const r of readings) {
    if (!r.files.size) err(`warning: ${r.name}: no ${'/etc/keepalived/keepalived.conf'}`);
    for (const p of r.conf.problems) err(`warning: ${r.name}: ${p.at.file}:${p.at.line}: ${p.message}`);
  }
  const outFile = flags.output ? resolve(flags.output) : undefined;
  const stem = outFile ? basename(outFile, extname(outFile)) : 'haops-import';
  // Beside the inventory (relative, so the pair moves with it); with stdout, absolute in the working directory.
  const secretPrefix = outFile ? `${stem}.` : `${join(process.cwd(), stem)}.`;
  const result = buildInventory(readings, targets, { secrets: flags.secrets, secretPrefix });
  const text = renderInventory(result, readings);
  const secretValues = result.secrets.map((s) => s.value);

  // The inventory must load as written (with its secrets given), or nothing is written.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const s of result.secrets) if (s.env) env[s.env] = s.value;
  const check = validateText(text, outFile ?? join(process.cwd(), 'haops-import.yaml'), result, env);

  for (const f of result.findings) err(`import: ${f.node}: ${where(f)}: ${maskText(f.what, secretValues)} -> ${f.handling}`);
  const base = outFile ? dirname(outFile) : process.cwd();
  for (const s of result.secrets) {
    if (s.file) {
      const path = resolve(base, s.file);
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, `${s.value}\n`, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, path);
      err(
        `secret: the VRRP password of ${s.pair}/${s.instance} is in ${relative(process.cwd(), path) || path} (mode 0600), referenced by password_file:`,
      );
    } else
      err(
        `secret: the VRRP password of ${s.pair}/${s.instance} is read from $${s.env} (password_env:): export it before deploy (the value is not shown)`,
      );
  }
  for (const p of result.pairs)
    for (const [inst, h] of Object.entries(p.holders))
      err(`pair ${p.name}: ${inst} VIP held by ${h ?? 'nobody'} now${h ? ' (written as master)' : ''}`);
  // The running pair's own settings can fail haops' checks (a weight that never moves the VIP):
  // written as they run, with the refusal and its fix, so the user decides.
  if (check) err(`warning: the pair as it runs today does not pass haops validate:\n${check}`);
  if (outFile) {
    writeFileSync(outFile, text, { mode: 0o644 });
    err(`wrote ${relative(process.cwd(), outFile) || outFile}: check it with haops validate, then haops deploy --check --diff`);
  } else out(text.trimEnd());
  return 0;
}

// `haops deploy` and `haops run`: load, connect, converge, report. Exit 0 converged, 1 a node
// or a VIP check failed, 2 bad input.
import { dirname, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { Inventory } from '../inventory/schema.js';
import type { Model, SudoModel } from '../model/derive.js';
import { own } from '../inventory/checks.js';
import { connect, type ConnectOptions, type SshTarget } from '../ssh/connect.js';
import { canPrompt, memo, promptHidden } from './prompt.js';
import type { Host } from '../ssh/host.js';
import { deploy, type DeployReport } from '../runner/deploy.js';
import { loadPlaybook } from '../runner/playbook.js';
import { UsageError } from '../core/errors.js';
import { loadModel } from './offline.js';
import { masked } from './mask.js';

export interface NodeFlags {
  acceptNew?: boolean;
  sshConfig?: string;
  connectTimeout?: string;
}

export interface DeployFlags extends NodeFlags {
  check?: boolean;
  diff?: boolean;
  limit?: string[];
  concurrency?: string;
  json?: boolean;
  allowDefaultSecrets?: boolean;
}

function expand(path: string | undefined, base: string): string | undefined {
  if (!path) return undefined;
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(base, path);
}

/** The SSH target of an inventory host: its own settings over the inventory's ssh: defaults. */
export function sshTarget(inv: Inventory, file: string, name: string, sudo?: SudoModel): SshTarget {
  const h = own(inv.hosts, name)!;
  const d = inv.ssh;
  const base = dirname(resolve(file));
  return {
    name,
    address: h.address,
    user: h.user ?? d.user,
    port: h.port ?? d.port,
    identityFile: expand(h.identity_file ?? d.identity_file, base),
    knownHosts: expand(h.known_hosts ?? d.known_hosts, base),
    jump: h.jump ?? d.jump,
    // sudo: true asks on the terminal, when there is one, if sudo wants a password; a password
    // source (inline, env, file, default) was resolved once when the inventory was loaded.
    sudo: sudo && { prompt: sudo.prompt, password: sudo.password },
  };
}

/** One connection per host for the whole run, opened on first use. */
/** `secrets` collects what the user types at a prompt, so output masks it too. */
export function connector(inv: Inventory, file: string, flags: NodeFlags, secrets: string[] = [], sudo: Record<string, SudoModel> = {}) {
  const open = new Map<string, Promise<Host>>();
  // One options object for the run: a key's passphrase is asked once, whatever the host count.
  const ask = canPrompt()
    ? memo(async (q: string) => {
        const answer = await promptHidden(q);
        secrets.push(answer);
        return answer;
      })
    : undefined;
  const options: ConnectOptions = {
    acceptNew: flags.acceptNew,
    sshConfigPath: flags.sshConfig,
    connectTimeoutMs: flags.connectTimeout ? Number(flags.connectTimeout) * 1000 : undefined,
    passphrase: ask && (() => ask('passphrase for your SSH key: ')),
    sudoPassword: ask && ((_host: string, user: string) => ask(`sudo password for ${user}: `)),
  };
  const get = (name: string) => {
    let p = open.get(name);
    if (!p) {
      p = connect(sshTarget(inv, file, name, own(sudo, name)), options);
      open.set(name, p);
    }
    return p;
  };
  const closeAll = async () => {
    await Promise.all([...open.values()].map((p) => p.then((h) => h.close()).catch(() => undefined)));
  };
  return { get, closeAll };
}

export function checkLimit(model: Model, limit: string[] | undefined): void {
  for (const l of limit ?? []) {
    if (!model.nodes.some((n) => n.host === l)) throw new UsageError(`--limit ${l}: no such host in the inventory`, `use one of: ${model.nodes.map((n) => n.host).join(', ')}`);
  }
}

export async function deployCommand(file: string, playbookFile: string | undefined, flags: DeployFlags, out: (s: string) => void): Promise<number> {
  const { inventory, model } = loadModel(file, process.env, { changesNodes: !flags.check, allowDefaultSecrets: flags.allowDefaultSecrets });
  const playbook = loadPlaybook(playbookFile);
  checkLimit(model, flags.limit);
  const concurrency = flags.concurrency ? Number(flags.concurrency) : 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency ${flags.concurrency}: expected a whole number of at least 1`);
  const hosts = connector(inventory, file, flags, model.secrets, model.sudo);
  const restore = masked(model.secrets);
  let report: DeployReport;
  try {
    report = await deploy(model, {
      playbook,
      connect: hosts.get,
      check: flags.check,
      diff: flags.diff,
      limit: flags.limit,
      concurrency,
      // The VIP check needs keepalived: only for playbooks that deploy its config.
      verify: playbook.steps.some((s) => 'file' in s && 'render' in s.file && s.file.render === 'keepalived-conf'),
      renderer: flags.json ? 'silent' : process.stdout.isTTY ? 'default' : 'simple',
    });
    out(flags.json ? JSON.stringify(report, null, 2) : summary(report));
  } finally {
    await hosts.closeAll();
    restore();
  }
  return report.ok ? 0 : 1;
}

function summary(r: DeployReport): string {
  const lines: string[] = [''];
  for (const h of r.hosts) {
    for (const s of h.steps) {
      if (s.diff) lines.push(`${h.host}: ${s.title}`, s.diff.trimEnd());
      for (const w of s.warnings ?? []) lines.push(`warning: ${h.host}: ${w}`);
    }
  }
  for (const h of r.hosts) {
    const state = !h.ok ? 'FAILED' : h.changed ? (r.check ? `${h.changed} to change` : `${h.changed} changed`) : 'ok, nothing to change';
    lines.push(`${h.host.padEnd(12)} ${h.role.padEnd(20)} ${state}  (${h.roundTrips} round trip${h.roundTrips === 1 ? '' : 's'})`);
    if (h.error) lines.push(`    ${h.error}${h.hint ? `\n    fix: ${h.hint}` : ''}`);
  }
  for (const p of r.pairs) {
    for (const v of p.vips) lines.push(`${p.pair}/${v.instance}: VIP ${v.vip} on ${v.holders.join(' and ') || 'nobody'}${v.servedBy ? `, HTTP answered by ${v.servedBy}` : ''}${v.problem ? `  <- ${v.problem}` : ''}`);
  }
  const pairsOk = r.pairs.filter((p) => p.ok).map((p) => p.pair);
  const pairsBad = r.pairs.filter((p) => !p.ok).map((p) => p.pair);
  lines.push(
    `${r.ok ? 'converged' : 'NOT converged'}: changed ${r.changed}${r.check ? ' (check mode: nothing applied)' : ''} in ${(r.durationMs / 1000).toFixed(1)} s; pairs ok: ${pairsOk.join(', ') || 'none'}${pairsBad.length ? `; failed: ${pairsBad.join(', ')}` : ''}`,
  );
  return lines.join('\n');
}

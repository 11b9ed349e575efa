// Turns an inventory target into concrete connection settings, honouring ~/.ssh/config the way
// OpenSSH does (HostName, User, Port, IdentityFile, ProxyJump, known hosts files); the inventory wins.

import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';

export interface SshTarget {
  /** Inventory name, used in messages. */
  name: string;
  /** IP, host name, or a Host alias of ~/.ssh/config. */
  address: string;
  user?: string;
  port?: number;
  identityFile?: string;
  knownHosts?: string;
  /** A bastion: `[user@]host[:port]` or an alias; a comma list chains hops. */
  jump?: string;
  /**
   * The bastion when `jump` names an inventory host: dialled with that host's own inventory
   * address, user, port and key (not the name through DNS or ~/.ssh/config).
   */
  jumpTarget?: SshTarget;
  /** A non-root login user runs commands through sudo with this password (read from the env var, or given). */
  sudo?: { passwordEnv?: string; password?: string; prompt?: boolean };
}

/** One SSH hop, ready to dial. */
export interface ResolvedHop {
  /** What was asked for: the address or alias. */
  alias: string;
  hostname: string;
  port: number;
  user: string;
  /** Private key files to try, in order; the defaults when none is configured. */
  identityFiles: string[];
  /** Known hosts files; the first is where new keys are recorded. */
  knownHostsFiles: string[];
  /** Read-only known hosts files (the system-wide ones). */
  globalKnownHostsFiles: string[];
  /** The bastion to go through, itself resolved. */
  jump?: ResolvedHop;
}

const MAX_HOPS = 5;

/** Resolves a target against the ssh config file (missing file = no config). */
export async function resolveTarget(target: SshTarget, configPath: string | undefined, env: NodeJS.ProcessEnv): Promise<ResolvedHop> {
  const home = env.HOME ?? homedir();
  const config = await loadConfig(configPath ?? join(home, '.ssh', 'config'));
  return resolveTargetHop(config, home, target, 0);
}

function resolveTargetHop(config: SSHConfig, home: string, target: SshTarget, depth: number): ResolvedHop {
  if (depth > MAX_HOPS) throw new Error(`more than ${MAX_HOPS} jump hosts (a jump loop?) at ${target.name}`);
  const overrides = {
    user: target.user,
    port: target.port,
    identityFile: target.identityFile,
    knownHosts: target.knownHosts,
  };
  if (!target.jumpTarget) return resolveHop(config, home, target.address, overrides, target.jump, depth);
  // The inventory names the bastion: its settings win over any ProxyJump the config gives.
  const hop = resolveHop(config, home, target.address, overrides, 'none', depth);
  return { ...hop, jump: resolveTargetHop(config, home, target.jumpTarget, depth + 1) };
}

/** Splits a ProxyJump hop `[ssh://][user@]host[:port]` (IPv6 in brackets). */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
  const host = m ? m[1] : rest;
  const port = m?.[2] ? Number(m[2]) : undefined;
  return { ...(user && { user }), host, ...(port && { port }) };
}

interface Overrides {
  user?: string;
  port?: number;
  identityFile?: string;
  knownHosts?: string;
}

function resolveHop(
  config: SSHConfig,
  home: string,
  alias: string,
  overrides: Overrides,
  jumpSpec: string | undefined,
  depth: number,
): ResolvedHop {
  if (depth > MAX_HOPS) throw new Error(`more than ${MAX_HOPS} jump hosts (a ProxyJump loop?) at ${alias}`);
  const c = config.compute(alias, { ignoreCase: true, matchExec: false });
  const one = (k: string): string | undefined => (Array.isArray(c[k]) ? c[k][0] : (c[k] as string | undefined));
  const many = (k: string): string[] =>
    (Array.isArray(c[k]) ? c[k] : c[k] ? [c[k] as string] : []).flatMap((v) => v.split(/\s+/)).filter(Boolean);

  const hostname = one('hostname')?.replaceAll('%h', alias) ?? alias;
  const port = overrides.port ?? (one('port') ? Number(one('port')) : 22);
  const user = overrides.user ?? one('user') ?? userInfo().username;
  const expand = (p: string): string =>
    p
      .replace(/^~(?=$|\/)/, home)
      .replace(
        /%(.)/g,
        (all, t: string) => ({ '%': '%', d: home, h: hostname, p: String(port), r: user, u: userInfo().username })[t] ?? all,
      );

  const configured = many('identityfile').map(expand);
  const identityFiles = overrides.identityFile
    ? [expand(overrides.identityFile)]
    : configured.length > 0
      ? configured
      : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f));
  const userKnown = many('userknownhostsfile').map(expand);
  const knownHostsFiles = overrides.knownHosts
    ? [expand(overrides.knownHosts)]
    : userKnown.length > 0
      ? userKnown
      : [join(home, '.ssh', 'known_hosts')];
  const globalKnown = many('globalknownhostsfile').map(expand);
  const globalKnownHostsFiles = globalKnown.length > 0 ? globalKnown : ['/etc/ssh/ssh_known_hosts'];

  const chain =
    (jumpSpec ?? one('proxyjump'))
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  let jump: ResolvedHop | undefined;
  if (chain.length > 0 && chain[0] !== 'none') {
    const last = parseJumpSpec(chain[chain.length - 1]);
    const earlier = chain.length > 1 ? chain.slice(0, -1).join(',') : undefined;
    // The bastion shares the target's known hosts override; it uses the target's key only
    // when its own config names none.
    const jumpConfigured = config.compute(last.host, { ignoreCase: true, matchExec: false }).identityfile;
    jump = resolveHop(
      config,
      home,
      last.host,
      {
        user: last.user,
        port: last.port,
        identityFile: jumpConfigured ? undefined : overrides.identityFile,
        knownHosts: overrides.knownHosts,
      },
      earlier,
      depth + 1,
    );
  }

  return {
    alias,
    hostname,
    port,
    user,
    identityFiles,
    knownHostsFiles,
    globalKnownHostsFiles,
    ...(jump && { jump }),
  };
}

async function loadConfig(path: string): Promise<SSHConfig> {
  try {
    return SSHConfig.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return SSHConfig.parse('');
    throw e;
  }
}

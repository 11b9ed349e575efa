// One SSH connection per inventory host for a whole command, opened on first use: the
// inventory's ssh settings become connect options, prompts for secrets are asked once. A
// Connector is what parts are handed: a host's name in, its open connection out.
import { dirname, resolve } from 'node:path';
import { homedir } from 'node:os';
import type { Inventory } from '../inventory/schema.js';
import type { SudoModel } from '../model/derive.js';
import { own } from '../inventory/cross-checks.js';
import { connect, type ConnectOptions, type SshTarget } from '../ssh/connect.js';
import type { Host } from '../ssh/host.js';
import { canPrompt, memo, promptHidden } from './prompt.js';

/** Opens (or returns the open) connection to one inventory host. */
export type Connector = (host: string) => Promise<Host>;

export interface NodeFlags {
  acceptNew?: boolean;
  sshConfig?: string;
  connectTimeout?: string;
}

function expand(path: string | undefined, base: string): string | undefined {
  if (!path) return undefined;
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(base, path);
}

/**
 * The SSH target of an inventory host: its own settings over the inventory's ssh: defaults. A
 * name that is no inventory host (a probe host given as an SSH destination) takes the defaults
 * and ~/.ssh/config, like a jump host; the default jump host itself is dialled directly.
 */
export function sshTarget(inv: Inventory, file: string, name: string, sudo?: SudoModel, seen: string[] = []): SshTarget {
  const d = inv.ssh;
  const base = dirname(resolve(file));
  const listed = own(inv.hosts, name);
  const h = listed ?? { address: name };
  const jump = listed?.jump ?? (d.jump === name || seen.length > 0 ? undefined : d.jump);
  // A jump host that is an inventory host (SSH matches host names without case) is dialled as
  // the inventory says: its address, user, port and key. A loop is left to the hop limit.
  const jumpName = jump ? inventoryHostNamed(inv, jump) : undefined;
  const jumpTarget =
    jumpName && !seen.includes(jumpName) && jumpName !== name ? sshTarget(inv, file, jumpName, undefined, [...seen, name]) : undefined;
  return {
    ...(jumpTarget ? { jumpTarget } : {}),
    name,
    address: h.address,
    user: h.user ?? d.user,
    port: h.port ?? d.port,
    identityFile: expand(h.identity_file ?? d.identity_file, base),
    knownHosts: expand(h.known_hosts ?? d.known_hosts, base),
    jump,
    // sudo: true asks on the terminal, when there is one, if sudo wants a password; a password
    // source (inline, env, file, default) was resolved once when the inventory was loaded.
    sudo: sudo && { prompt: sudo.prompt, password: sudo.password },
  };
}

/** The inventory host a name means, matched as OpenSSH matches Host names (case-insensitively). */
export function inventoryHostNamed(inv: Pick<Inventory, 'hosts'>, name: string): string | undefined {
  if (own(inv.hosts, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(inv.hosts).find((h) => h.toLowerCase() === lower);
}

/** The connections of one command: `get` is its Connector; `closeAll` ends every one opened. */
export interface HostConnections {
  get: Connector;
  closeAll: () => Promise<void>;
}

/**
 * One connection per host for the whole run, opened on first use. `secrets` collects what the
 * user types at a prompt, so output masks it too.
 */
export function hostConnections(
  inv: Inventory,
  file: string,
  flags: NodeFlags,
  secrets: string[] = [],
  sudo: Record<string, SudoModel> = {},
): HostConnections {
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

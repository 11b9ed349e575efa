// Whom import connects to: SSH destinations as given on the command line, or the hosts of an
// Ansible inventory with the connection variables haops can use. Pure.
import { UsageError } from '../core/errors.js';
import { HOST_RE } from '../inventory/rules.js';
import { ansibleHost, limitHosts, type AnsibleInventory } from './ansible.js';
import type { ImportTarget } from './adopt.js';

/** `[user@]host[:port]` or an ~/.ssh/config alias. */
export function targetOfDest(dest: string): ImportTarget {
  const m = /^(?:([A-Za-z_][A-Za-z0-9_.-]*)@)?([^@:\s]+)(?::(\d{1,5}))?$/.exec(dest);
  if (!m || !HOST_RE.test(m[2]!))
    throw new UsageError(`${JSON.stringify(dest)} is not an SSH destination`, 'write it like node1, root@10.0.0.5 or ops@proxy101:2222');
  const port = m[3] ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`${dest}: port ${port} is not 1..65535`);
  return { name: m[2]!, address: m[2]!, ...(m[1] ? { user: m[1] } : {}), ...(port ? { port } : {}) };
}

export interface AnsibleTargets {
  targets: ImportTarget[];
  /** What import could not use, per host (passwords, another connection plugin, become_user). */
  warnings: string[];
}

export function targetsOfAnsible(inv: AnsibleInventory, file: string, limit?: string): AnsibleTargets {
  const names = limitHosts(inv, limit);
  if (!names.length)
    throw new UsageError(
      `${file}: no host${limit ? ` matches --limit ${limit}` : 's in the inventory'}`,
      limit ? `hosts: ${inv.hosts.join(', ') || 'none'}` : 'add the nodes under a group',
    );
  const warnings: string[] = [];
  const targets = names.map((name) => {
    const h = ansibleHost(inv, name);
    if (!HOST_RE.test(h.address))
      throw new UsageError(
        `${file}: host ${name}: ansible_host ${JSON.stringify(h.address)} is not a host name or address`,
        'fix ansible_host',
      );
    for (const k of h.ignored)
      warnings.push(`${name}: ${k} is not used (haops uses keys or the SSH agent, and asks for a sudo password when sudo wants one)`);
    if (h.becomeUser && h.becomeUser !== 'root')
      warnings.push(`${name}: ansible_become_user ${h.becomeUser} is not used: haops runs its commands as root`);
    return {
      name,
      address: h.address,
      ...(h.user ? { user: h.user } : {}),
      ...(h.port ? { port: h.port } : {}),
      ...(h.identityFile ? { identityFile: h.identityFile } : {}),
      ...(h.jump ? { jump: h.jump } : {}),
      ...(h.become ? { sudo: true } : {}),
    };
  });
  return { targets, warnings };
}

// Operations, pure half: (wanted state, facts) -> the changes needed, nothing when converged.
// Order: packages, enable, files, start, handlers (Ansible-style: once per service, at the end).

import { createHash } from 'node:crypto';
import { ADOPT_BACKUP_DIR, type Change, type Facts, type ManagedFile, type WantedState } from '../core/state.js';
import { adoptBackup } from '../protocol/system.js';
import { ARCHIVE_REPO_FILE, planEl, renderedCheckScript, type ElPlan } from './el.js';

const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

/** The node cannot be made right by haops: what is wrong and the fix (deploy stops before touching it). */
export class RefusalError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'RefusalError';
  }
}

/** The pending marker (see PENDING_DIR) of a daemon-reload still owed. */
export const DAEMON_RELOAD = 'systemd.daemon-reload';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const sameMode = (a: string | undefined, b: string) => a !== undefined && parseInt(a, 8) === parseInt(b, 8);

function fileChange(file: ManagedFile, facts: Facts): Change | null {
  const before = facts.files[file.path] ?? { exists: false };
  const contentChanged = !before.exists || before.sha256 !== sha256(file.content);
  if (!contentChanged && sameMode(before.mode, file.mode) && before.owner === 'root:root') return null;
  return { kind: 'file', file, before, contentChanged };
}

/** What the EL operations plan for this node (null without `wanted.el`); throws RefusalError. */
export function planElHost(wanted: WantedState, facts: Facts, fileChanges: Change[] = []): ElPlan | null {
  if (!wanted.el || !facts.el) return null;
  const notifyChanging = fileChanges.some((c) => c.kind === 'file' && c.contentChanged && c.file.path === wanted.el!.notifyScript);
  // Once keepalived.conf is rendered, its own check line is the truth (track_process runs none).
  const conf = wanted.files.find((f) => f.path === KEEPALIVED_CONF && f.content !== '');
  const w = conf ? { ...wanted.el, checkScript: renderedCheckScript(conf.content) } : wanted.el;
  const el = planEl(w, facts.el, facts.os.family, { notifyChanging });
  if (el.refusals.length) throw new RefusalError(el.refusals.map((r) => r.message).join('; '), el.refusals.map((r) => r.hint).join('; '));
  return el;
}

/**
 * An adopted node's first deploy: files someone else wrote that haops is about to replace are
 * copied, and the nginx sites that would clash with haops' own are moved, to one directory per
 * run under ADOPT_BACKUP_DIR (mode 0700: keepalived.conf holds the VRRP password). Nothing once
 * every file is haops' own and the sites are gone.
 */
export function planAdopt(wanted: WantedState, facts: Facts, fileChanges: Change[]): Change | null {
  const owner = facts.ownership;
  if (!wanted.adopt || !owner) return null;
  const replaced = fileChanges.flatMap((c) =>
    c.kind === 'file' && c.contentChanged && owner[c.file.path] === 'foreign' ? [c.file.path] : [],
  );
  const moved = wanted.adopt.moveAside.filter((p) => owner[p] !== undefined && owner[p] !== 'missing');
  if (!replaced.length && !moved.length) return null;
  const commands = adoptBackup(ADOPT_BACKUP_DIR, replaced, moved);
  const what = [
    replaced.length && `back up ${replaced.join(', ')} (not written by haops)`,
    moved.length && `move aside ${moved.join(', ')}`,
  ].filter(Boolean);
  return { kind: 'system', area: 'adopt', title: `${what.join('; ')} to ${ADOPT_BACKUP_DIR}/TIME/`, commands };
}

/** A node's plan: every change in order, and what the EL plan says it does and why (one line each). */
export interface NodePlan {
  changes: Change[];
  systemNotes: string[];
}

/** The changes that bring a node from `facts` to `wanted`, nothing when converged; throws RefusalError. */
export function planHost(wanted: WantedState, facts: Facts): Change[] {
  return planNode(wanted, facts).changes;
}

/** planHost with the EL plan's notes: one pass over (wanted, facts). */
export function planNode(wanted: WantedState, facts: Facts): NodePlan {
  // haops' archive repo file serves end-of-life CentOS only, and goes in before any install.
  const eol = facts.os.family === 'el6' || facts.os.family === 'el7';
  const repoFiles = wanted.files.filter((f) => f.path === ARCHIVE_REPO_FILE);
  wanted = { ...wanted, files: wanted.files.filter((f) => f.path !== ARCHIVE_REPO_FILE) };
  const repos = eol ? repoFiles.map((f) => fileChange(f, facts)).filter((c): c is Change => c !== null) : [];
  const fileChanges = wanted.files.map((f) => fileChange(f, facts)).filter((c): c is Change => c !== null);
  const el = planElHost(wanted, facts, fileChanges);
  // nftables (the drain's handoff) where the family packages a kernel with its socket match; EL6/7 do not (el.ts says what is lost).
  const missing = [...wanted.packages.filter((p) => !facts.packages[p] && !(p === 'nftables' && eol)), ...(el?.packages ?? [])];
  const packages: Change[] = [
    ...repos,
    ...(el?.pre ?? []),
    ...(missing.length ? [{ kind: 'packages' as const, install: missing, ...(el?.onlyRepos ? { onlyRepos: el.onlyRepos } : {}) }] : []),
  ];
  const enable: Change[] = wanted.services
    .filter((s) => s.enabled && !facts.services[s.name]?.enabled)
    .map((s) => ({ kind: 'enable', service: s.name }));
  const files = wanted.files.map((f) => fileChange(f, facts)).filter((c): c is Change => c !== null);
  const adopt = planAdopt(wanted, facts, files);
  const starting = wanted.services.filter((s) => s.running && !facts.services[s.name]?.active).map((s) => s.name);
  // Debian's packages start their service on install, with the packaged config: restart
  // (which also starts a stopped one) so it reads our files. EL packages start nothing.
  const startsOnInstall = missing.length > 0 && facts.os.family === 'debian';
  const start: Change[] = starting.map((service) =>
    startsOnInstall ? { kind: 'handler', service, action: 'restart' } : { kind: 'start', service },
  );

  // A changed unit or drop-in: systemd reads it again once, before any service starts or reloads.
  const daemonReload =
    files.some((c) => c.kind === 'file' && c.contentChanged && c.file.notify?.some((n) => n.action === 'daemon-reload')) ||
    (facts.pending ?? []).includes(DAEMON_RELOAD);
  const reload: Change[] = daemonReload ? [{ kind: 'handler', service: 'systemd', action: 'daemon-reload' }] : [];

  // A service started in this run reads its new files anyway; one that was running needs a handler.
  const handlers = new Map<string, 'reload' | 'restart'>();
  for (const c of files) {
    if (c.kind !== 'file' || !c.contentChanged) continue;
    for (const n of c.file.notify ?? []) {
      if (n.action === 'daemon-reload') continue;
      if (!facts.services[n.service]?.active || starting.includes(n.service)) continue;
      if (handlers.get(n.service) !== 'restart') handlers.set(n.service, n.action);
    }
  }
  // A site moved aside is read by nginx at its next reload.
  if (
    adopt?.kind === 'system' &&
    wanted.adopt!.moveAside.some((p) => p.startsWith('/etc/nginx/') && facts.ownership?.[p] !== 'missing') &&
    facts.services.nginx?.active &&
    !starting.includes('nginx') &&
    !handlers.has('nginx')
  )
    handlers.set('nginx', 'reload');
  for (const marker of facts.pending ?? []) {
    if (marker === DAEMON_RELOAD) continue;
    const [service, action] = [marker.slice(0, marker.lastIndexOf('.')), marker.slice(marker.lastIndexOf('.') + 1) as 'reload' | 'restart'];
    if (!facts.services[service]?.active || starting.includes(service)) continue;
    if (handlers.get(service) !== 'restart') handlers.set(service, action);
  }
  const handlerChanges: Change[] = [...handlers].map(([service, action]) => ({ kind: 'handler', service, action }));
  return {
    changes: [...packages, ...enable, ...(adopt ? [adopt] : []), ...files, ...(el?.system ?? []), ...reload, ...start, ...handlerChanges],
    systemNotes: el?.notes ?? [],
  };
}

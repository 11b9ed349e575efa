// Playbooks are data: a list of step kinds (packages, file, service) turned into one node's
// wanted state. The default one is playbooks/keepalived-nginx.yaml.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Model, NodeModel } from '../model/derive.js';
import { renderNode, PATHS, type RenderTarget } from '../render/index.js';
import { NGINX_TRACK_DROPIN } from '../render/nginx-track.js';
import { tlsPaths, vipListens } from '../render/nginx.js';
import { NOTIFY_WRAPPER_DIR, notifyWrapperPath, WRAPPED_STATES } from '../render/notify-wrappers.js';
import type { ManagedFile, WantedState } from '../core/state.js';
import { UsageError } from '../core/errors.js';
import type { ElWanted } from '../core/el-state.js';
import { checkScriptOf } from '../core/os-hints.js';
import type { OsFamily } from '../core/state.js';
import { archiveRepoFile } from '../ops/el.js';

const notify = z.array(z.object({ service: z.string().regex(/^[A-Za-z0-9_.@-]+$/), action: z.enum(['reload', 'restart']) }).strict());
const step = z.union([
  z.object({ packages: z.array(z.string().regex(/^[A-Za-z0-9_.+-]+$/)).min(1) }).strict(),
  z.object({ file: z.object({ render: z.enum(['keepalived-conf', 'nginx-site', 'notify-script']) }).strict() }).strict(),
  z
    .object({
      file: z
        .object({
          path: z.string().regex(/^\/[A-Za-z0-9_.\/-]+$/),
          content: z.string(),
          mode: z
            .string()
            .regex(/^0?[0-7]{3}$/)
            .default('0644'),
          validate: z.enum(['keepalived', 'nginx']).optional(),
          notify: notify.default([]),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      service: z
        .object({ name: z.string().regex(/^[A-Za-z0-9_.@-]+$/), enabled: z.boolean().default(true), running: z.boolean().default(true) })
        .strict(),
    })
    .strict(),
]);
const playbookSchema = z.object({ name: z.string(), description: z.string().optional(), steps: z.array(step).min(1) }).strict();
export type Playbook = z.infer<typeof playbookSchema>;

export const DEFAULT_PLAYBOOK = join(dirname(fileURLToPath(import.meta.url)), '../../playbooks/keepalived-nginx.yaml');

export function loadPlaybook(file: string = DEFAULT_PLAYBOOK): Playbook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`playbook ${file} not found`, 'pass the path of a playbook YAML file (see playbooks/keepalived-nginx.yaml)');
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new UsageError(`${file}: YAML syntax: ${doc.errors[0]!.message.split('\n')[0]}`, 'fix the YAML syntax');
  const r = playbookSchema.safeParse(doc.toJS());
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(
      `${file}: ${i.path.join('.')}: ${i.message}`,
      'each step is one of packages:, file:, service: (see playbooks/keepalived-nginx.yaml)',
    );
  }
  return r.data;
}

const RENDER_KEY: Record<string, (n: NodeModel) => string> = {
  'keepalived-conf': () => PATHS.keepalived,
  'nginx-site': () => PATHS.nginxSite,
  'notify-script': (n) => n.notify.script,
};

/**
 * What a keepalived + nginx node needs of its system (firewall, SELinux, repositories), for a
 * playbook that renders keepalived.conf; null for any other playbook.
 */
export function elWanted(
  playbook: Playbook,
  node: NodeModel,
  model: Partial<Pick<Model, 'elArchive' | 'elNginxStream' | 'pairs'>> = {},
  family?: OsFamily,
): ElWanted | null {
  if (!playbook.steps.some((s) => 'file' in s && 'render' in s.file && s.file.render === 'keepalived-conf')) return null;
  const first = node.instances[0]!;
  return {
    vrrp: {
      interface: first.interface,
      peers: [...new Set(node.instances.map((i) => i.peerIp))],
      ah: node.instances.some((i) => i.auth?.type === 'AH'),
    },
    firewall: model.pairs?.find((p) => p.name === node.pair)?.spec.manage_firewall ?? true,
    // A TLS site listens on its TLS port as well (443 by default): clients reach both through the VIP.
    listenPorts: [...new Set([node.nginx.listen, ...node.sites.flatMap((s) => (s.tls ? [s.tls.listen] : []))])],
    upstreams: node.nginx.upstreams.length > 0,
    notifyScript: node.notify.script,
    // Before facts: the EL7+ default when the inventory names no check (planHost reads the rendered one).
    checkScript: node.failover.track === 'process' ? null : checkScriptOf(node.check, family ?? 'el7'),
    // The site listens on every address (listen PORT); only an extra `listen VIP:PORT` binds the VIP itself.
    bindsVip: vipListens(node).length > 0,
    nginx: playbook.steps.some((s) => 'packages' in s && s.packages.includes('nginx')),
    ...(model.elArchive ? { archive: model.elArchive } : {}),
    ...(model.elNginxStream ? { nginxStream: model.elNginxStream } : {}),
  };
}

/** What the facts script needs before anything is rendered: packages, services, file paths. */
export function wantedSkeleton(
  playbook: Playbook,
  node: NodeModel,
  model: Partial<Pick<Model, 'elArchive' | 'elNginxStream' | 'pairs'>> = {},
): WantedState {
  const wanted: WantedState = { packages: [], services: [], files: [] };
  for (const s of playbook.steps) {
    if ('packages' in s) wanted.packages.push(...s.packages.filter((p) => !wanted.packages.includes(p)));
    else if ('service' in s) wanted.services.push(s.service);
    else if ('render' in s.file) {
      // Each TLS site's key and chain go just before it (renderNode's order: nginx -t sees them).
      if (s.file.render === 'nginx-site')
        for (const site of node.sites.filter((x) => x.tls && x.resolvedTls)) {
          const tls = tlsPaths(site.tlsKey);
          wanted.files.push({ path: tls.key, content: '', mode: '0600' }, { path: tls.cert, content: '', mode: '0644' });
        }
      wanted.files.push({ path: RENDER_KEY[s.file.render]!(node), content: '', mode: '0644' });
    } else wanted.files.push(s.file as ManagedFile);
  }
  // Not a playbook step: whether the fast profile needs the drop-in depends on facts (systemd, a
  // container), so its path is always asked about and wantedState keeps it only when rendered.
  if (node.failover.profile === 'fast') wanted.files.push({ path: NGINX_TRACK_DROPIN, content: '', mode: '0644' });
  // Likewise keepalived 1.x's per-state notify wrappers: asked about always, kept when the installed version needs them.
  if (playbook.steps.some((s) => 'file' in s && 'render' in s.file && s.file.render === 'keepalived-conf'))
    for (const i of node.instances)
      for (const st of WRAPPED_STATES) wanted.files.push({ path: notifyWrapperPath(i.name, st), content: '', mode: '0755' });
  const el = elWanted(playbook, node, model);
  if (el) wanted.el = el;
  // An adopted pair (haops import): its first deploy keeps what it replaces and moves clashing sites aside.
  const adopt = model.pairs?.find((p) => p.name === node.pair)?.spec.adopt;
  if (adopt) wanted.adopt = { moveAside: Object.hasOwn(adopt.move_aside, node.host) ? adopt.move_aside[node.host]! : [] };
  // The archive repo file is whole from the start (nothing rendered): planHost puts it before any install.
  if (el?.archive) wanted.files.push(archiveRepoFile(el.archive));
  return wanted;
}

/** The whole wanted state of a node: every rendered file once, fitted to `target` (the installed keepalived). */
export function wantedState(
  playbook: Playbook,
  node: NodeModel,
  model: Pick<Model, 'secrets'> & Partial<Pick<Model, 'elArchive' | 'elNginxStream' | 'pairs'>>,
  target: RenderTarget = {},
): WantedState {
  const rendered = renderNode(node, model, target);
  const wanted = wantedSkeleton(playbook, node, model);
  const fileSteps = playbook.steps.flatMap((s) => ('file' in s ? [s.file] : []));
  // A playbook's literal file stays as written; every other path is rendered (or dropped when not
  // rendered for this node: the drop-in, 1.x wrappers), including nginx.tls's key and chain.
  const literal = new Set(fileSteps.flatMap((f) => ('render' in f ? [] : [f.path])));
  wanted.files = wanted.files.flatMap((f) => {
    if (literal.has(f.path)) return [f];
    const r = rendered.filter((x) => x.path === f.path);
    return r.length || f.path === NGINX_TRACK_DROPIN || f.path.startsWith(`${NOTIFY_WRAPPER_DIR}/`) ? r : [f];
  });
  return wanted;
}

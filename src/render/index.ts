// Every file one node receives, by absolute path: the pure end of the pipeline.
import { MANAGED_PATHS } from '../inventory/rules.js';
import type { Model, NodeModel } from '../model/derive.js';
import type { ManagedFile } from '../core/state.js';
import { fitNode, renderKeepalived, type KeepalivedTarget } from './keepalived.js';
import { NGINX_TRACK_DROPIN, renderNginxTrackDropIn } from './nginx-track.js';
import { renderNginxSite, tlsPaths } from './nginx.js';
import { renderNotifyScript } from './notify.js';
import { notifyWrapperFiles } from './notify-wrappers.js';
import { ASSUMED_KEEPALIVED } from '../model/keepalived-versions.js';
import { FailoverFitError } from '../model/profile.js';
import { versionRefusals } from './version-check.js';

/** A rendered file is a managed file: path, content, mode, validation, handlers, secrets. */
export type RenderedFile = ManagedFile;

const [keepalivedConf, nginxSite] = MANAGED_PATHS;
export const PATHS = { keepalived: keepalivedConf, nginxSite } as const;

/** What a node's files are fitted to: its keepalived, and its nginx (`nginxVersion`: deploy's installed one; unset, the forms 1.9.5 and later read). */
export type RenderTarget = KeepalivedTarget & { nginxVersion?: string };

export function renderNode(node: NodeModel, model: Pick<Model, 'secrets'>, target: RenderTarget = {}): RenderedFile[] {
  const conf = renderKeepalived(node, target);
  // On a known keepalived (deploy's installed one), what it would not run as written stops the node here.
  if (target.version) {
    const [first, ...more] = versionRefusals(node, conf, target.version);
    if (first)
      throw new FailoverFitError(
        `${first.message}${more.length ? ` (and ${more.length} more: haops validate --keepalived-version ${target.version})` : ''}`,
        first.fix,
      );
  }
  return [
    {
      path: PATHS.keepalived,
      content: conf,
      mode: '0640',
      validate: 'keepalived',
      notify: [{ service: 'keepalived', action: 'reload' }],
      secrets: model.secrets,
    },
    // TLS before the site, per site with tls: the key (0600), then the chain, tested in place by nginx -t with the
    // key beside it (a rotated chain always changes, so a rotation is always tested), then the site.
    ...node.sites.flatMap((site) =>
      site.tls && site.resolvedTls
        ? [
            {
              path: tlsPaths(site.tlsKey).key,
              content: site.resolvedTls.key,
              mode: '0600',
              makeDir: true,
              notify: [{ service: 'nginx', action: 'reload' as const }],
              secrets: model.secrets,
            },
            {
              path: tlsPaths(site.tlsKey).cert,
              content: site.resolvedTls.cert,
              mode: '0644',
              makeDir: true,
              validate: 'nginx' as const,
              notify: [{ service: 'nginx', action: 'reload' as const }],
            },
          ]
        : [],
    ),
    {
      path: PATHS.nginxSite,
      content: renderNginxSite(node, target.nginxVersion),
      mode: '0644',
      validate: 'nginx',
      notify: [{ service: 'nginx', action: 'reload' }],
    },
    // 0700: its URLs may hold credentials; keepalived runs it as root (see the notify lines).
    { path: node.notify.script, content: renderNotifyScript(node), mode: '0700', secrets: model.secrets },
    // keepalived 1.x: the per-state wrappers its notify_master/backup/fault run (no generic notify with arguments).
    ...notifyWrapperFiles(node, target.version ?? ASSUMED_KEEPALIVED.version),
    // track: file (fast profile, systemd, no proc events): systemd tells keepalived that nginx stopped.
    ...(fitNode(node, target).track === 'file'
      ? [
          {
            path: NGINX_TRACK_DROPIN,
            content: renderNginxTrackDropIn(node),
            mode: '0644',
            makeDir: true,
            notify: [{ service: 'systemd', action: 'daemon-reload' as const }],
          },
        ]
      : []),
  ];
}

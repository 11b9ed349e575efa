// Every file one node receives, by absolute path: the pure end of the pipeline.
import { MANAGED_PATHS } from '../inventory/rules.js';
import type { Model, NodeModel } from '../model/derive.js';
import type { ManagedFile } from '../core/state.js';
import { fitNode, renderKeepalived, type KeepalivedTarget } from './keepalived.js';
import { NGINX_TRACK_DROPIN, renderNginxTrackDropIn } from './nginx-track.js';
import { renderNginxSite } from './nginx.js';
import { renderNotifyScript } from './notify.js';

/** A rendered file is a managed file: path, content, mode, validation, handlers, secrets. */
export type RenderedFile = ManagedFile;

const [keepalivedConf, nginxSite] = MANAGED_PATHS;
export const PATHS = { keepalived: keepalivedConf, nginxSite } as const;

export function renderNode(node: NodeModel, model: Pick<Model, 'secrets'>, target: KeepalivedTarget = {}): RenderedFile[] {
  return [
    {
      path: PATHS.keepalived,
      content: renderKeepalived(node, target),
      mode: '0640',
      validate: 'keepalived',
      notify: [{ service: 'keepalived', action: 'reload' }],
      secrets: model.secrets,
    },
    {
      path: PATHS.nginxSite,
      content: renderNginxSite(node),
      mode: '0644',
      validate: 'nginx',
      notify: [{ service: 'nginx', action: 'reload' }],
    },
    // 0700: its URLs may hold credentials; keepalived runs it as root (see the notify lines).
    { path: node.notify.script, content: renderNotifyScript(node), mode: '0700', secrets: model.secrets },
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

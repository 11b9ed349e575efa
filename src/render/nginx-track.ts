// The systemd drop-in behind `track: file` (fast profile where keepalived gets no proc events):
// nginx.service writes a flag when nginx stops or dies, and clears it once nginx has started.
import type { NodeModel } from '../model/derive.js';
import { NGINX_DOWN_FLAG, NGINX_TRACK } from '../model/profile.js';
import { clearDownFlag, writeDownFlag } from '../protocol/commands.js';

export const NGINX_TRACK_DROPIN = '/etc/systemd/system/nginx.service.d/haops-track.conf';

export function renderNginxTrackDropIn(node: NodeModel): string {
  return [
    `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.`,
    `# keepalived watches ${NGINX_DOWN_FLAG} (track_file ${NGINX_TRACK}, weight 0): while it holds 1 this node`,
    '# is in FAULT and holds no VIP. systemd runs ExecStopPost when nginx stops, is killed or fails to',
    '# start, so the flag is written within milliseconds; written whole (rename) so inotify never reads half.',
    '# On disk, not in /run: after a reboot the flag still says whether nginx came up.',
    '[Service]',
    `ExecStartPost=${clearDownFlag(NGINX_DOWN_FLAG)}`,
    `ExecStopPost=${writeDownFlag(NGINX_DOWN_FLAG)}`,
    '',
  ].join('\n');
}

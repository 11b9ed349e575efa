// keepalived before 2.0.0 runs the generic `notify "SCRIPT notify"` as one path, arguments and all
// (1.2.13 vrrp_notify.c script_open_litteral fails to open it and skips the call; 1.3.5 disables it at
// load), so the web and SMS alerts that ride on it never fire. There, each instance and state gets a
// wrapper without arguments that calls the notify script with the state in it: the form every 1.x
// runs. Pure: model -> files.
import type { NodeInstance, NodeModel } from '../model/derive.js';
import type { ManagedFile } from '../core/state.js';
import { compareVersions } from '../model/keepalived-versions.js';
import { NOTIFY_WRAPPER } from '../protocol/notify.js';
import { bind } from '../protocol/script.js';

/** Root-owned and not writable by others, as 1.3+'s enable_script_security wants every directory above a script. */
export const NOTIFY_WRAPPER_DIR = '/etc/keepalived/haops-notify';

/** The first release whose generic `notify` splits the script from its arguments (vrrp_notify.c, v2.0.0). */
export const NOTIFY_ARGS_SINCE = '2.0.0';

export const WRAPPED_STATES = ['MASTER', 'BACKUP', 'FAULT'] as const;
export type WrappedState = (typeof WRAPPED_STATES)[number];

/** Whether keepalived VERSION needs per-state wrappers (no generic notify with arguments). */
export function usesNotifyWrappers(version: string): boolean {
  return compareVersions(version, NOTIFY_ARGS_SINCE) < 0;
}

export function notifyWrapperPath(instance: string, state: WrappedState): string {
  return `${NOTIFY_WRAPPER_DIR}/${instance}.${state.toLowerCase()}`;
}

/** The wrapper keepalived 1.x runs on STATE of instance `i` (the protocol room's asset, bound). */
export function renderNotifyWrapper(node: NodeModel, i: NodeInstance, state: WrappedState): string {
  return bind(NOTIFY_WRAPPER, {
    SCRIPT: node.notify.script,
    HOOK: `notify_${state.toLowerCase()}`,
    INSTANCE: i.name,
    STATE: state,
    PRIORITY: i.priority,
  });
}

export function notifyWrapperFiles(node: NodeModel, version: string): ManagedFile[] {
  if (!usesNotifyWrappers(version)) return [];
  return node.instances.flatMap((i) =>
    WRAPPED_STATES.map((state) => ({
      path: notifyWrapperPath(i.name, state),
      content: renderNotifyWrapper(node, i, state),
      mode: '0755',
      makeDir: true,
    })),
  );
}

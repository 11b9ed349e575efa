// keepalived before 2.0.0 runs the generic `notify "SCRIPT notify"` as one path, arguments and all
// (1.2.13 vrrp_notify.c script_open_litteral fails to open it and skips the call; 1.3.5 disables it at
// load), so the web and SMS alerts that ride on it never fire. There, each instance and state gets a
// wrapper without arguments that calls the notify script with the state in it: the form every 1.x
// runs. Pure: model -> files.
import type { NodeInstance, NodeModel } from '../model/derive.js';
import type { ManagedFile } from '../core/state.js';
import { compareVersions } from '../model/keepalived-versions.js';
import { shellQuote } from '../core/quote.js';

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

/**
 * Calls the notify script twice, as 2.x's two hooks do: `notify_master` (the write-up's log line),
 * then `notify INSTANCE NAME STATE PRIORITY` (log line and every channel). 1.x passes a per-state
 * script no arguments, so the priority is the configured one, not the effective one.
 */
export function renderNotifyWrapper(node: NodeModel, i: NodeInstance, state: WrappedState): string {
  const s = shellQuote(node.notify.script);
  return [
    '#!/bin/sh',
    `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.`,
    `# keepalived 1.x runs this on ${state} of ${i.name}: its generic notify cannot pass arguments.`,
    `${s} notify_${state.toLowerCase()}`,
    `exec ${s} notify INSTANCE ${shellQuote(i.name)} ${state} ${i.priority}`,
    '',
  ].join('\n');
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

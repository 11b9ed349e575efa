// keepalived.conf for one node, from its derived model. Pure and deterministic. A typed
// function, not a template: a misspelt field is a compile error, never an empty line.
import type { NodeInstance, NodeModel } from '../model/derive.js';
import { drainKeepalived, type DrainConf } from './drain.js';

export interface KeepalivedTarget {
  /** The installed (or expected) keepalived version; keywords are gated by it. Unknown: none added. */
  version?: string | null;
}

/** script_user and enable_script_security exist from keepalived 1.3.0; 2.x refuses scripts without them. */
export function hasScriptSecurity(version: string | null | undefined): boolean {
  if (!version) return false;
  const [major, minor] = version.split('.').map(Number);
  return major! > 1 || (major === 1 && minor! >= 3);
}

/** Lines joined with newlines; `false`/`undefined` entries (unset optional keywords) are left out. */
const lines = (...ls: (string | false | undefined)[]) => ls.filter((l): l is string => typeof l === 'string').join('\n');

function globalDefs(node: NodeModel, scriptSecurity: boolean): string {
  const email = node.notify.email;
  return lines(
    'global_defs {',
    email &&
      lines(
        '    notification_email {',
        ...email.to.map((to) => `        ${to}`),
        '    }',
        `    notification_email_from ${email.from}`,
        `    smtp_server ${email.smtp_server.replace(':', ' ')}`,
        `    smtp_connect_timeout ${email.smtp_connect_timeout}`,
      ),
    `    router_id ${node.routerId}`,
    scriptSecurity &&
      lines(
        '    # Scripts run as this user, and only when root owns them and every directory above them.',
        `    script_user ${node.scriptUser ?? 'root'}`,
        '    enable_script_security',
      ),
    '}',
  );
}

function vrrpScript(node: NodeModel): string {
  const c = node.check;
  return lines(
    '# A cheap liveness check: killall -0 sends no signal, it only asks whether nginx runs.',
    `vrrp_script ${c.name} {`,
    `    script "${c.script}"`,
    `    interval ${c.interval}`,
    c.timeout !== undefined && `    timeout ${c.timeout}`,
    `    weight ${c.weight}`,
    `    fall ${c.fall}`,
    `    rise ${c.rise}`,
    '}',
  );
}

function vrrpInstance(node: NodeModel, i: NodeInstance, drain: DrainConf): string {
  const script = node.notify.script;
  return lines(
    `vrrp_instance ${i.name} {`,
    `    state ${i.state}`,
    `    interface ${i.interface}`,
    `    virtual_router_id ${i.virtualRouterId}`,
    `    priority ${i.priority}`,
    `    advert_int ${i.advertInt}`,
    i.nopreempt && '    nopreempt',
    i.garpMasterDelay !== undefined && `    garp_master_delay ${i.garpMasterDelay}`,
    '    # Unicast, so other keepalived groups on this LAN never hear this one.',
    `    unicast_src_ip ${i.srcIp}`,
    '    unicast_peer {',
    `        ${i.peerIp}`,
    '    }',
    i.auth && lines('    authentication {', `        auth_type ${i.auth.type}`, `        auth_pass ${i.auth.password}`, '    }'),
    '    virtual_ipaddress {',
    `        ${i.vip}`,
    '    }',
    '    track_script {',
    `        ${node.check.name}`,
    drain.trackScript && `        ${drain.trackScript}`,
    '    }',
    drain.trackFile && lines('    track_file {', `        ${drain.trackFile}`, '    }'),
    `    notify_master "${script} notify_master"`,
    `    notify_backup "${script} notify_backup"`,
    `    notify_fault "${script} notify_fault"`,
    `    notify "${script} notify"`,
    node.notify.email && '    smtp_alert',
    '}',
  );
}

export function renderKeepalived(node: NodeModel, target: KeepalivedTarget = {}): string {
  const scriptSecurity = hasScriptSecurity(target.version) || Boolean(node.scriptUser);
  const head = `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.`;
  // The drain hook (haops drain/switchover) is in every node's config, fitted to the version.
  const drain = drainKeepalived(target.version);
  return `${[head + '\n' + globalDefs(node, scriptSecurity), vrrpScript(node), drain.block, ...node.instances.map((i) => vrrpInstance(node, i, drain))].join('\n\n')}\n`;
}

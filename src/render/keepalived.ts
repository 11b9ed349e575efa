// keepalived.conf for one node, from its derived model. Pure and deterministic. A typed
// function, not a template: a misspelt field is a compile error, never an empty line.
import type { NodeInstance, NodeModel } from '../model/derive.js';
import { ASSUMED_KEEPALIVED, describeVersion, SINCE } from '../model/keepalived-versions.js';
import { knows } from '../model/keepalived-syntax.js';
import { notifyWrapperPath, usesNotifyWrappers } from './notify-wrappers.js';
import { drainKeepalived, drainMethod, type DrainConf } from './drain.js';
import {
  FailoverFitError,
  fitFailover,
  NGINX_DOWN_FLAG,
  NGINX_TRACK,
  type FittedFailover,
  type KeepalivedTarget,
} from '../model/profile.js';

export type { KeepalivedTarget } from '../model/profile.js';

/** script_user and enable_script_security: in the parser from 1.3 (not in 1.2.13's); 2.x refuses scripts without them. Unknown version: none. */
export function hasScriptSecurity(version: string | null | undefined): boolean {
  return Boolean(version) && knows(version!, 'global_defs', 'enable_script_security');
}

/** Lines joined with newlines; `false`/`undefined` entries (unset optional keywords) are left out. */
const lines = (...ls: (string | false | undefined)[]) => ls.filter((l): l is string => typeof l === 'string').join('\n');

function globalDefs(node: NodeModel, scriptSecurity: boolean | 'absent', f: FittedFailover, version: string): string {
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
    scriptSecurity === 'absent' && `    # keepalived ${version} has no script_user/enable_script_security: every script here runs as root.`,
    scriptSecurity === true &&
      lines(
        '    # Scripts run as this user, and only when root owns them and every directory above them.',
        `    script_user ${node.scriptUser ?? 'root'}`,
        '    enable_script_security',
      ),
    f.versionKeyword === 'global' && '    vrrp_version 3',
    (f.checkUnicastSrc || checkUnicastSrc6(node, version)) &&
      lines('    # VRRPv3 has no authentication: accept adverts from the unicast peer only.', '    vrrp_check_unicast_src'),
    f.garpMasterDelay !== undefined && `    vrrp_garp_master_delay ${f.garpMasterDelay}`,
    f.garpMasterRepeat !== undefined && `    vrrp_garp_master_repeat ${f.garpMasterRepeat}`,
    f.garpMasterRefresh !== undefined && `    vrrp_garp_master_refresh ${f.garpMasterRefresh}`,
    f.higherPrioSendAdvert &&
      lines(
        '    # A MASTER that hears a lower-priority MASTER answers at once: split brain heals in one advert.',
        '    vrrp_higher_prio_send_advert',
      ),
    f.rtPriority !== undefined &&
      lines(
        '    # Realtime scheduling: a busy host must not delay sub-second adverts into a false failover.',
        `    vrrp_rt_priority ${f.rtPriority}`,
      ),
    f.nicePriority !== undefined &&
      lines(
        '    # No realtime scheduling before keepalived 2.0.0: the VRRP process at the highest nice priority instead.',
        `    vrrp_priority ${f.nicePriority}`,
      ),
    '}',
  );
}

/** An IPv6 instance is VRRPv3 even in a v2 pair: adverts only from the unicast peer, where keepalived can. */
function checkUnicastSrc6(node: NodeModel, version: string): boolean {
  return node.instances.some((i) => i.family === 6) && knows(version, 'global_defs', 'vrrp_check_unicast_src');
}

/**
 * keepalived runs an IPv6 instance as VRRPv3 (vrrp.c: IPv6 with VRRP version 2 is not allowed);
 * haops says so in the instance unless global_defs already does. Before `version` (1.2.17): refused.
 */
function instanceVersion(i: NodeInstance, f: FittedFailover, version: string): string | undefined {
  if (i.family !== 6) return f.versionKeyword === 'instance' ? '    version 3' : undefined;
  if (f.versionKeyword === 'global') return undefined;
  if (!knows(version, 'vrrp_instance', 'version'))
    throw new FailoverFitError(
      `instance ${i.name}: an IPv6 VIP needs VRRPv3, which keepalived ${describeVersion(version)} does not have`,
      `upgrade keepalived to ${SINCE.vrrpv3Instance} or later, or use an IPv4 VIP`,
    );
  return lines('    # An IPv6 VIP: keepalived speaks VRRPv3 for it (VRRPv2 is IPv4 only).', '    version 3');
}

function vrrpScript(node: NodeModel, f: FittedFailover, version: string | null | undefined): string {
  const c = f.check;
  if (f.track === 'file') {
    return lines(
      '# systemd writes this flag when nginx stops or dies (ExecStopPost, drop-in haops-track.conf) and',
      '# clears it when nginx has started; keepalived watches it with inotify. Weight 0: FAULT, priority-0 advert.',
      // The keyword is the drain's: vrrp_track_file on 2.0.x, track_file from 2.1.0.
      `${drainMethod(version ?? ASSUMED_KEEPALIVED.version) === 'vrrp_track_file' ? 'vrrp_track_file' : 'track_file'} ${NGINX_TRACK} {`,
      `    file "${NGINX_DOWN_FLAG}"`,
      '    weight 0',
      '}',
    );
  }
  if (f.track === 'process') {
    return lines(
      "# nginx is watched through the kernel's proc events, not polled: its death is seen at once.",
      '# Weight 0: a dead nginx puts the instance in FAULT, whose priority-0 advert moves the VIP after the skew alone.',
      'vrrp_track_process nginx {',
      '    process nginx',
      '    weight 0',
      '}',
    );
  }
  return lines(
    node.failover.profile === 'fast'
      ? '# Weight 0: the first failed check puts the instance in FAULT; its priority-0 advert moves the VIP after the skew alone.'
      : '# A cheap liveness check: killall -0 nginx only asks whether nginx runs; where SELinux confines keepalived, pgrep -x nginx (it only reads /proc).',
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

function vrrpInstance(
  node: NodeModel,
  i: NodeInstance,
  f: FittedFailover,
  drain: DrainConf,
  scriptSecurity: boolean,
  version: string,
): string {
  const script = node.notify.script;
  const asRoot = scriptSecurity ? ' root' : '';
  const wrapped = usesNotifyWrappers(version);
  return lines(
    `vrrp_instance ${i.name} {`,
    instanceVersion(i, f, version),
    `    state ${i.state}`,
    `    interface ${i.interface}`,
    `    virtual_router_id ${i.virtualRouterId}`,
    `    priority ${i.priority}`,
    `    advert_int ${f.advertInt(i.advertInt)}`,
    f.downTimerAdverts !== undefined && `    down_timer_adverts ${f.downTimerAdverts}`,
    i.nopreempt && '    nopreempt',
    i.garpMasterDelay !== undefined && `    garp_master_delay ${i.garpMasterDelay}`,
    '    # Unicast, so other keepalived groups on this LAN never hear this one.',
    `    unicast_src_ip ${i.srcIp}`,
    '    unicast_peer {',
    `        ${i.peerIp}`,
    '    }',
    i.auth &&
      i.family === 4 &&
      lines('    authentication {', `        auth_type ${i.auth.type}`, `        auth_pass ${i.auth.password}`, '    }'),
    '    virtual_ipaddress {',
    ...i.vips.map((v) => `        ${v.written}${v.dev !== undefined ? ` dev ${v.dev}` : ''}`),
    '    }',
    f.track === 'file'
      ? drain.trackScript && lines('    track_script {', `        ${drain.trackScript}`, '    }')
      : f.track === 'process'
        ? lines(
            '    track_process {',
            '        nginx',
            '    }',
            drain.trackScript && lines('    track_script {', `        ${drain.trackScript}`, '    }'),
          )
        : lines('    track_script {', `        ${f.check.name}`, drain.trackScript && `        ${drain.trackScript}`, '    }'),
    (drain.trackFile || f.track === 'file') &&
      lines('    track_file {', f.track === 'file' && `        ${NGINX_TRACK}`, drain.trackFile && `        ${drain.trackFile}`, '    }'),
    // The notify script is root's alone (0700: its URLs may hold credentials): whatever script_user
    // says, keepalived runs it (and 1.x's wrappers that call it) as root (keepalived.conf(5): SCRIPT [username [groupname]]).
    wrapped
      ? lines(
          `    # keepalived ${version} runs a generic notify with arguments as one path (never): one wrapper per state instead.`,
          `    notify_master "${notifyWrapperPath(i.name, 'MASTER')}"${asRoot}`,
          `    notify_backup "${notifyWrapperPath(i.name, 'BACKUP')}"${asRoot}`,
          `    notify_fault "${notifyWrapperPath(i.name, 'FAULT')}"${asRoot}`,
        )
      : lines(
          `    notify_master "${script} notify_master"${asRoot}`,
          `    notify_backup "${script} notify_backup"${asRoot}`,
          `    notify_fault "${script} notify_fault"${asRoot}`,
          `    notify "${script} notify"${asRoot}`,
        ),
    node.notify.email && '    smtp_alert',
    '}',
  );
}

/** The node's profile fitted to the target keepalived (throws FailoverFitError for a setting it cannot take). */
export function fitNode(node: NodeModel, target: KeepalivedTarget = {}): FittedFailover {
  return fitFailover(
    node.failover,
    node.check,
    target,
    node.instances.map((i) => i.advertInt),
  );
}

export function renderKeepalived(node: NodeModel, target: KeepalivedTarget = {}): string {
  const version = target.version ?? ASSUMED_KEEPALIVED.version;
  const scriptSecurity: boolean | 'absent' = !knows(version, 'global_defs', 'script_user')
    ? 'absent'
    : hasScriptSecurity(target.version) || Boolean(node.scriptUser);
  const f = fitNode(node, target);
  const head = `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.
# Rendered for keepalived ${describeVersion(version)}${target.version ? '' : ' (assumed: the installed version was not known)'}.`;
  // The drain hook (haops drain/switchover) is in every node's config, fitted to the version.
  const drain = drainKeepalived(target.version);
  const profile =
    node.failover.profile === 'fast'
      ? `\n# Failover profile: fast (VRRPv${f.vrrpVersion}${f.fallbacks.length ? `; fell back to ${f.fallbacks.join('; ')}` : ''}).`
      : '';
  return `${[head + profile + '\n' + globalDefs(node, scriptSecurity, f, version), vrrpScript(node, f, target.version), drain.block, ...node.instances.map((i) => vrrpInstance(node, i, f, drain, scriptSecurity === true, version))].join('\n\n')}\n`;
}

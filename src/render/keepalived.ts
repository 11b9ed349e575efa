// keepalived.conf for one node, from its derived model. Pure and deterministic.
import Handlebars from 'handlebars';
import type { NodeModel } from '../model/derive.js';

const hb = Handlebars.create();

const TEMPLATE = `# Managed by haops: pair {{pair}}, node {{host}}. Changes here are overwritten on the next deploy.
global_defs {
{{#if email}}
    notification_email {
{{#each email.to}}
        {{this}}
{{/each}}
    }
    notification_email_from {{email.from}}
    smtp_server {{smtpServer}}
    smtp_connect_timeout {{email.smtp_connect_timeout}}
{{/if}}
    router_id {{routerId}}
{{#if scriptSecurity}}
    # Scripts run as this user, and only when root owns them and every directory above them.
    script_user {{scriptUser}}
    enable_script_security
{{/if}}
}

# A cheap liveness check: killall -0 sends no signal, it only asks whether nginx runs.
vrrp_script {{check.name}} {
    script "{{check.script}}"
    interval {{check.interval}}
{{#if check.timeout}}
    timeout {{check.timeout}}
{{/if}}
    weight {{check.weight}}
    fall {{check.fall}}
    rise {{check.rise}}
}
{{#each instances}}

vrrp_instance {{name}} {
    state {{state}}
    interface {{interface}}
    virtual_router_id {{virtualRouterId}}
    priority {{priority}}
    advert_int {{advertInt}}
{{#if nopreempt}}
    nopreempt
{{/if}}
{{#if garpMasterDelay}}
    garp_master_delay {{garpMasterDelay}}
{{/if}}
    # Unicast, so other keepalived groups on this LAN never hear this one.
    unicast_src_ip {{srcIp}}
    unicast_peer {
        {{peerIp}}
    }
{{#if auth}}
    authentication {
        auth_type {{auth.type}}
        auth_pass {{auth.password}}
    }
{{/if}}
    virtual_ipaddress {
        {{vip}}
    }
    track_script {
        {{../check.name}}
    }
    notify_master "{{../notify.script}} notify_master"
    notify_backup "{{../notify.script}} notify_backup"
    notify_fault "{{../notify.script}} notify_fault"
    notify "{{../notify.script}} notify"
{{#if ../email}}
    smtp_alert
{{/if}}
}
{{/each}}
`;

const render = hb.compile(TEMPLATE, { noEscape: true, strict: false });

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

export function renderKeepalived(node: NodeModel, target: KeepalivedTarget = {}): string {
  const scriptSecurity = hasScriptSecurity(target.version) || Boolean(node.scriptUser);
  const smtpServer = node.notify.email?.smtp_server.replace(':', ' ');
  return render({ ...node, email: node.notify.email, smtpServer, scriptSecurity, scriptUser: node.scriptUser ?? 'root' });
}

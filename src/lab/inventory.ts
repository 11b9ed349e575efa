// The text of inventory/lab.yaml for a lab (pure): the lab's hosts and one keepalived+nginx
// pair per two nodes, in the same shape a user writes by hand.
import { BACKEND_PORT } from './backend.js';
import { LAB_SUDO_PASSWORD_ENV } from './kinds.js';
import { SUDO_PASSWORD_FILE } from './paths.js';
import type { LabInfo, LabNode, LabPair } from './plan.js';
import { ip6At, OFFSET } from './subnet.js';
import { CA_CERT, LAB_CA_FILE, LAB_SITE_NAME } from './tls.js';

export const INVENTORY_FILE = 'inventory/lab.yaml';
/** The virtual_router_id of the lab's IPv6 instance (VRIDs are per family: it could be 51 too, but a distinct one reads better). */
export const LAB_V6_VRID = 61;

export interface LabInventoryOptions {
  /** `fast`: the pairs use the fast failover profile (VRRPv3 has no authentication; priorities derived). */
  failover?: 'classic' | 'fast';
}

export function labInventoryYaml(info: LabInfo, opts: LabInventoryOptions = {}): string {
  const hosts = info.nodes.map(hostYaml).join('');
  const servers = info.backends.map((b) => `${b.address}:${BACKEND_PORT}`).join(', ');
  return [
    "# Written by `haops lab up`: the built-in lab's pairs. Do not edit by hand; `haops lab up` rewrites it.\n",
    '# A lab may deploy the default VRRP password below; a real inventory sets HAOPS_VRRP_PASSWORD.\n',
    ...(info.nodes.some((n) => n.sudoPassword)
      ? [`# The sudo nodes need: export ${LAB_SUDO_PASSWORD_ENV}=$(cat ${SUDO_PASSWORD_FILE})\n`]
      : []),
    'allow_default_secrets: true\n',
    'ssh:\n',
    '  user: root\n',
    `  identity_file: ${info.identityFile}\n`,
    `  known_hosts: ${info.knownHosts}\n`,
    'hosts:\n',
    hosts,
    'pairs:\n',
    ...info.pairs.map((p, k) =>
      pairYaml(
        p,
        info.subnet,
        servers,
        info.hostAddress,
        opts.failover === 'fast',
        info.tls,
        k === 0 && info.nodes[0]?.address6 ? info.subnet6 : undefined,
      ),
    ),
  ].join('');
}

/** A host entry; a node of another kind than plain systemd says how to log in to it. */
function hostYaml(n: LabNode): string {
  const lines = [`  ${n.name}:`, `    address: ${n.address}`];
  // Quoted: a bare IPv6 address is a YAML plain scalar, but quotes read the same everywhere.
  if (n.address6) lines.push(`    ip6: "${n.address6}"`);
  // A lab booted by an older haops has no kind or user in its state: a plain root node.
  if (n.kind && n.kind !== 'systemd') lines.push(`    # kind: ${n.kind}`);
  if (n.user && n.user !== 'root') lines.push(`    user: ${n.user}`);
  if (n.sudoPassword) lines.push(`    sudo: { password_env: ${LAB_SUDO_PASSWORD_ENV} }`);
  if (n.identityFile) lines.push(`    identity_file: ${n.identityFile}`);
  return `${lines.join('\n')}\n`;
}

/** Ports on the lab host where haops itself listens for the nodes' notifications (drill, notify-test). */
export const LAB_WEBHOOK_PORT = 8025;
export const LAB_SMTP_PORT = 2525;

function pairYaml(
  pair: LabPair,
  subnet: string,
  servers: string,
  hostAddress: string,
  fast: boolean,
  tls: LabInfo['tls'],
  /** The first pair of a lab with IPv6: an IPv6 instance too (VRRPv3, derived from its VIP's family). */
  subnet6?: string,
): string {
  const [master, backup] = pair.nodes;
  const text = `  ${pair.name}:${pair.kind === 'systemd' ? '' : `  # ${pair.kind} nodes`}
    nodes: [${master}, ${backup}]
    interface: eth0
    subnet: ${subnet}
${subnet6 ? `    subnet6: "${subnet6}"\n` : ''}    instances:
      - name: VI_${pair.name.toUpperCase()}
        virtual_router_id: ${pair.virtualRouterId}
${pair.secondVip ? `        # Two addresses, moved together.\n        vips: [${pair.vip}, ${pair.secondVip}]` : `        vip: ${pair.vip}`}
        master: ${master}
        priorities: { ${master}: 200, ${backup}: 199 }
        advert_int: 1
        authentication: { type: PASS, password_env: HAOPS_VRRP_PASSWORD, default: labpass }
${
  pair.activeActive
    ? `      # Active-active: the other node is MASTER of this one.
      - name: VI_${pair.name.toUpperCase()}_B
        virtual_router_id: ${pair.activeActive.virtualRouterId}
        vip: ${pair.activeActive.vip}
        master: ${backup}
        priorities: { ${backup}: 200, ${master}: 199 }
        advert_int: 1
        authentication: { type: PASS, password_env: HAOPS_VRRP_PASSWORD, default: labpass }
`
    : ''
}${
  subnet6
    ? `      # An IPv6 VIP: haops makes it a VRRPv3 instance between the nodes' ip6 addresses.
      - name: VI_${pair.name.toUpperCase()}_V6
        virtual_router_id: ${LAB_V6_VRID}
        vip: "${ip6At(subnet6, OFFSET.vips[0])}/64"
        master: ${master}
        priorities: { ${master}: 200, ${backup}: 199 }
        advert_int: 1
`
    : ''
}    check:
      name: chk_nginx
      script: killall -0 nginx
      interval: 1
      weight: 2
      fall: 2
      rise: 1
    notify:
      script: /usr/local/bin/keepalived_notify.sh
      log: /var/log/keepalived.notify.log
      # haops listens on the lab host for these during a drill or notify-test.
      webhooks: [http://${hostAddress}:${LAB_WEBHOOK_PORT}/keepalived]
      email:
        to: [oncall@lab.invalid]
        from: keepalived@lab.invalid
        smtp_server: ${hostAddress}:${LAB_SMTP_PORT}
        smtp_connect_timeout: 5
    nginx:
      listen: 80
      upstreams:
        - name: backends
          servers: [${servers}]
      # Two sites, asked by name: the default one (HTTPS too when the lab issued its certificate)
      # answers every other name; a second one has a health path of its own.
      sites:
        - name: lab
          server_name: ${LAB_SITE_NAME}
          upstream: backends
          default: true
${
  tls
    ? `          # curl --cacert inventory/${LAB_CA_FILE} https://VIP/
          tls:
            cert_file: ${tls.certFile}
            key_file: ${tls.keyFile}
            ca_file: ${CA_CERT}
`
    : ''
}        - name: www
          server_name: www.${LAB_SITE_NAME}
          upstream: backends
          health_path: /healthz
`;
  if (!fast) return text;
  // VRRPv3 has no authentication, and the fast profile derives 254/253 and its own advert_int.
  return text.replace(/^ {8}(priorities|advert_int|authentication): .*\n/gm, '').replace(/^( {4}check:\n)/m, '    failover: fast\n$1');
}

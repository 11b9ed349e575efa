// The wanted state the simulated-host tests converge to: the keepalived + nginx pair node.

import type { WantedState } from '../../src/core/state.js';
import type { Playbook } from '../../src/runner/playbook.js';

/** The deploy playbook for simulated hosts: they answer neither `ip` nor curl, so no psmisc/curl and no VIP check. */
export const SIM_PLAYBOOK: Playbook = {
  name: 'sim',
  steps: [
    { packages: ['keepalived', 'nginx'] },
    { file: { render: 'nginx-site' } },
    { file: { render: 'keepalived-conf' } },
    { service: { name: 'nginx', enabled: true, running: true } },
    { service: { name: 'keepalived', enabled: true, running: true } },
  ],
};

export const KEEPALIVED_PATH = '/etc/keepalived/keepalived.conf';
export const SITE_PATH = '/etc/nginx/conf.d/haops.conf';
export const AUTH_PASS = 's3cr3tpw';

export const keepalivedConf = (priority = 200) => `vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass ${AUTH_PASS}
    }
    virtual_ipaddress {
        192.168.100.123
    }
}
`;

export const SITE = `server {
    listen 80;
    location / { return 200 "ok\\n"; }
}
`;

export function wantedState(over: { keepalived?: string; site?: string } = {}): WantedState {
  return {
    packages: ['keepalived', 'nginx'],
    services: [
      { name: 'keepalived', enabled: true, running: true },
      { name: 'nginx', enabled: true, running: true },
    ],
    files: [
      {
        path: KEEPALIVED_PATH,
        content: over.keepalived ?? keepalivedConf(),
        mode: '0644',
        validate: 'keepalived',
        notify: [{ service: 'keepalived', action: 'reload' }],
        secrets: [AUTH_PASS],
      },
      { path: SITE_PATH, content: over.site ?? SITE, mode: '0644', validate: 'nginx', notify: [{ service: 'nginx', action: 'reload' }] },
    ],
  };
}

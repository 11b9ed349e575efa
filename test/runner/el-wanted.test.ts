// What an inventory asks of an EL node's system: whether nginx binds a VIP itself (so the node
// that does not hold it needs ip_nonlocal_bind), and the nginx module stream, from the YAML.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCerts } from '../tls-certs.js';
import { parseModel } from '../../src/model/load.js';
import { loadPlaybook, elWanted } from '../../src/runner/playbook.js';

const inv = (extra: string[], top = '') => `hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1 }
      - { name: VI_2, virtual_router_id: 52, vip: 10.9.0.101/24, master: a2 }
    nginx:
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
      extra: ${JSON.stringify(extra)}
${top}`;

const playbook = loadPlaybook();
const wanted = (extra: string[], top = '') => {
  const { model } = parseModel(inv(extra, top), 'inv.yaml');
  return elWanted(playbook, model.nodes.find((n) => n.host === 'a1')!, model)!;
};

describe('nginx binding the VIP itself (ip_nonlocal_bind)', () => {
  it('the site alone (listen PORT on every address) never binds a VIP', () => {
    expect(wanted([]).bindsVip).toBe(false);
  });

  it('an extra listen on either VIP binds it; a listen on another address or a port does not', () => {
    expect(wanted(['listen 10.9.0.101:443 ssl;']).bindsVip).toBe(true);
    expect(wanted(['listen 10.9.0.100;']).bindsVip).toBe(true);
    expect(wanted(['listen 10.9.0.11:8443;', 'listen 8443;']).bindsVip).toBe(false);
    expect(wanted(['location /x { return 204; }']).bindsVip).toBe(false);
  });
});

describe('el_nginx_stream', () => {
  it('reaches the node wanted state; a value that is not a stream is refused at load with the field named', () => {
    expect(wanted([], 'el_nginx_stream: "1.24"\n').nginxStream).toBe('1.24');
    expect(wanted([]).nginxStream).toBeUndefined();
    expect(() => parseModel(inv([], 'el_nginx_stream: "1.24; rm -rf /"\n'), 'inv.yaml')).toThrow(/el_nginx_stream/);
    // Unquoted, YAML would hand over 1.2 for 1.20: refused with the quoted form as the fix.
    expect(() => parseModel(inv([], 'el_nginx_stream: 1.20\n'), 'inv.yaml')).toThrow(
      /el_nginx_stream: YAML reads this as the number 1\.2, not a stream/,
    );
  });
});

describe('the ports the EL firewall and SELinux open', () => {
  it("every TLS site's port beside the plain one, also with nginx.sites (a site on 8443 of its own)", () => {
    const c = makeCerts(30, 'api.example.com');
    writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
    const sites = inv([]).replace(
      '      extra: []\n',
      `      sites:
        - { name: www, server_name: www.example.com, upstream: be }
        - name: api
          server_name: api.example.com
          upstream: be
          tls: { cert_file: ${join(c.dir, 'chain.pem')}, key_file: ${join(c.dir, 'site.key')}, listen: 8443 }
`,
    );
    const { model } = parseModel(sites, 'inv.yaml');
    expect(elWanted(playbook, model.nodes[0]!, model)!.listenPorts).toEqual([80, 8443]);
    expect(wanted([]).listenPorts).toEqual([80]);
  });
});

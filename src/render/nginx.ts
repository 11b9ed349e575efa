// The nginx site: upstreams of real servers and one reverse-proxying server. Pure.
import Handlebars from 'handlebars';
import type { NodeModel } from '../model/derive.js';

const hb = Handlebars.create();

// server_name ~^ matches every Host, so this site wins over a distribution's default server
// (Debian's sites-enabled/default, EL's built-in one) without fighting over default_server.
const TEMPLATE = `# Managed by haops: pair {{pair}}, node {{host}}. Changes here are overwritten on the next deploy.
{{#each nginx.upstreams}}
upstream {{name}} {
{{#each servers}}
    server {{this}} max_fails=1 fail_timeout=5s;
{{/each}}
}

{{/each}}
server {
    listen {{nginx.listen}};
    server_name {{serverName}};
    # Which node served a request: the drill and status read this header.
    add_header X-Haops-Node {{host}} always;

    location = /haops-health {
        access_log off;
        default_type text/plain;
        return 200 "{{host}}\\n";
    }

    location / {
        proxy_pass http://{{firstUpstream}};
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_connect_timeout 2s;
        proxy_next_upstream error timeout http_502 http_503;
    }
{{#each nginx.extra}}
    {{this}}
{{/each}}
}
`;

const render = hb.compile(TEMPLATE, { noEscape: true, strict: false });

export function renderNginxSite(node: NodeModel): string {
  const serverName = node.nginx.server_name === '_' ? '~^' : node.nginx.server_name;
  return render({ ...node, serverName, firstUpstream: node.nginx.upstreams[0]!.name });
}

// The nginx site: upstreams of real servers and one reverse-proxying server. Pure; a typed
// function, so a misspelt field is a compile error, never an empty line.
import { parseNginx } from '../core/nginx-conf.js';
import type { NodeModel, SiteModel } from '../model/derive.js';
import { CLOSING_FLAG } from '../protocol/bridge.js';

/** The status code that sends a request to its closing twin (never sent to a client). */
const CLOSING_CODE = 599;

/** Where a site's certificate chain and key live on each node (pushed by haops, root-owned): by the site's tlsKey,
 * the pair's name for a pair without sites (<pair>.crt, as before sites), `<pair>/<site>` with them. */
export const TLS_DIR = '/etc/nginx/haops/tls';
export const tlsPaths = (tlsKey: string) => ({ cert: `${TLS_DIR}/${tlsKey}.crt`, key: `${TLS_DIR}/${tlsKey}.key` });

/** nginx >= 1.9.5 takes `listen ... http2`; 1.25.1 moved it to `http2 on;` (the listen flag still works, with a warning). */
export type Http2Form = 'listen' | 'directive' | 'none';
export function http2Form(nginxVersion?: string): Http2Form {
  if (!nginxVersion) return 'listen';
  const [a = 0, b = 0, c = 0] = nginxVersion.split('.').map(Number);
  const v = a * 1e6 + b * 1e3 + c;
  if (v < 1_009_005) return 'none';
  return v >= 1_025_001 ? 'directive' : 'listen';
}

/** One site's server block(s): the plain port, the TLS port when it has tls (or a 301 server and a TLS one). */
function renderSite(node: NodeModel, site: SiteModel, serverName: string, nginxVersion: string | undefined): string {
  const n = node.nginx;
  const tls = site.tls && site.resolvedTls ? site.tls : undefined;
  const health = `        access_log off;\n        default_type text/plain;\n        return 200 "${node.host}\\n";\n`;
  const proxy = [
    `proxy_pass http://${site.upstream};`,
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    ...(tls ? ['proxy_set_header X-Forwarded-Proto $scheme;'] : []),
    'proxy_connect_timeout 2s;',
    'proxy_next_upstream error timeout http_502 http_503;',
  ]
    .map((l) => `        ${l}\n`)
    .join('');
  const redirect = '        return 301 https://$host$request_uri;\n';
  /** One server: the health location and the site's own, each with its Connection: close twin. */
  const server = (listens: string[], body: string, head: string[] = [], extra: string[] = []) => `server {
${listens.map((l) => `    listen ${l};\n`).join('')}    server_name ${serverName};
${head.map((l) => `    ${l}\n`).join('')}    # Which node served a request: the drill and status read this header.
    add_header X-Haops-Node ${node.host} always;
    # Draining (${CLOSING_FLAG}): the same answer from a twin location with keepalive_timeout 0,
    # so nginx says Connection: close and the client's next request opens a new connection.
    error_page ${CLOSING_CODE} = @haops_closing;

    location = /haops-health {
        error_page ${CLOSING_CODE} = @haops_closing_health;
        if (-f ${CLOSING_FLAG}) { return ${CLOSING_CODE}; }
${health}    }

    location @haops_closing_health {
        keepalive_timeout 0;
${health}    }

    location / {
        if (-f ${CLOSING_FLAG}) { return ${CLOSING_CODE}; }
${body}    }

    location @haops_closing {
        keepalive_timeout 0;
${body}    }
${extra.map((e) => `    ${e}\n`).join('')}}
`;
  // `listen PORT` binds IPv4 only: a pair with an IPv6 VIP listens on [::]:PORT too (ipv6only, nginx's default).
  const both = (l: string) => (node.instances.some((i) => i.family === 6) ? [l, `[::]:${l}`] : [l]);
  if (!tls) return server(both(String(n.listen)), proxy, [], site.extra);
  const form = tls.http2 ? http2Form(nginxVersion) : 'none';
  const paths = tlsPaths(site.tlsKey);
  const tlsListen = `${tls.listen} ssl${form === 'listen' ? ' http2' : ''}`;
  const tlsHead = [
    ...(form === 'directive' ? ['http2 on;'] : []),
    `ssl_certificate ${paths.cert};`,
    `ssl_certificate_key ${paths.key};`,
    'ssl_session_cache shared:haops_ssl:10m;',
  ];
  if (!tls.redirect_http) return server([...both(String(n.listen)), ...both(tlsListen)], proxy, tlsHead, site.extra);
  // Plain HTTP answers 301 to https://, except /haops-health (keepalived's view, status and the drill read it).
  return `${server(both(String(n.listen)), redirect)}\n${server(both(tlsListen), proxy, tlsHead, site.extra)}`;
}

/**
 * The nginx file: the upstreams, then one server block per site (two for a site whose plain
 * port redirects). The default site comes first and adds `~^` to its names: a regex that matches
 * every Host and SNI, tried after the other sites' exact names, so it takes the hosts no site
 * names without `default_server` (which a distribution's own default site already claims on
 * port 80: nginx -t refuses two). Every server block keeps haops's /haops-health and drain twins.
 * `nginxVersion`: the node's nginx when known (deploy); unset, the forms every supported family's nginx reads.
 */
export function renderNginxSite(node: NodeModel, nginxVersion?: string): string {
  const n = node.nginx;
  const upstreams = n.upstreams
    .map((u) => `upstream ${u.name} {\n${u.servers.map((s) => `    server ${s} max_fails=1 fail_timeout=5s;\n`).join('')}}\n\n`)
    .join('');
  const header = `# Managed by haops: pair ${node.pair}, node ${node.host}. Changes here are overwritten on the next deploy.\n${upstreams}`;
  const [first] = node.sites;
  if (node.sites.length === 1 && first?.implicit) {
    // server_name ~^ matches every Host, so this site wins over a distribution's default server
    // (Debian's sites-enabled/default, EL's built-in one) without fighting over default_server.
    const serverName = first.serverNames[0] === '_' ? '~^' : first.serverNames[0]!;
    return header + renderSite(node, { ...first, ...(node.tls ? { resolvedTls: node.tls } : {}) }, serverName, nginxVersion);
  }
  const ordered = [...node.sites.filter((s) => s.isDefault), ...node.sites.filter((s) => !s.isDefault)];
  return (
    header +
    ordered
      .map((site) => {
        const names = site.isDefault ? [...site.serverNames, '~^'] : site.serverNames;
        return `# site ${site.name}${site.isDefault ? ' (default: answers every host no other site names)' : ''}\n${renderSite(node, site, names.join(' '), nginxVersion)}`;
      })
      .join('\n')
  );
}

/**
 * The VIPs nginx binds itself: `listen` directives among the site's extra lines that name one of
 * the node's VIPs (`listen 10.0.0.100:443 ssl;`). The site's own `listen PORT` binds every address.
 * On the node that does not hold such a VIP, nginx starts only with net.ipv4.ip_nonlocal_bind=1.
 */
export function vipListens(node: NodeModel): string[] {
  const vips = new Set(node.instances.flatMap((i) => i.vips.map((v) => v.address)));
  const out = new Set<string>();
  for (const line of node.sites.flatMap((s) => s.extra)) {
    const parsed = parseNginx(line);
    if (!parsed.ok) continue; // validate refused it
    for (const st of parsed.statements) {
      if (st.name.value !== 'listen' || !st.args[0]) continue;
      const addr = /^([0-9.]+)(?::\d+)?$/.exec(st.args[0].value)?.[1];
      if (addr && vips.has(addr)) out.add(addr);
    }
  }
  return [...out];
}

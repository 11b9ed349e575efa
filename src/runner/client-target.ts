// Where a probe from this machine (status and deploy's VIP check, the drill, the switchover) sends its requests: the VIP on the site's port, over plain
// HTTP or, for a pair with nginx.tls, over HTTPS with the site's name (SNI and Host) and
// verified against the CA the inventory names (tls.ca_file; Node's own CAs without it).
import { urlHost } from '../core/ipv6.js';
import http from 'node:http';
import https from 'node:https';
import type { HealthModel, ProbeTls } from '../model/derive.js';

export type { ProbeTls };

/** Where a GET goes: the site's port, and its TLS (HTTPS) or, for a plain site of nginx.sites, its name (Host). */
export type SiteTarget = Pick<HealthModel, 'port' | 'tls' | 'host'>;

/** One GET to the VIP as a client of the site asks it (HTTPS when `tls`), as http.get takes its options. */
export function getOn(
  vip: string,
  site: SiteTarget,
  options: Omit<http.RequestOptions, 'host' | 'port'>,
  onResponse: (res: http.IncomingMessage) => void,
): http.ClientRequest {
  const tls = site.tls;
  if (!tls) {
    const headers = site.host ? { ...options.headers, host: site.host } : options.headers;
    return http.get({ ...options, ...(headers ? { headers } : {}), host: vip, port: site.port }, onResponse);
  }
  return https.get(
    {
      ...options,
      host: vip,
      port: tls.port,
      servername: tls.servername,
      // As a browser sends it: the port only when it is not 443.
      headers: { ...options.headers, host: tls.port === 443 ? tls.servername : `${tls.servername}:${tls.port}` },
      ...(tls.ca ? { ca: tls.ca } : {}),
    },
    onResponse,
  );
}

/** A kept-alive agent for the scheme the target speaks. */
export function keptAliveAgent(tls: ProbeTls | undefined): http.Agent {
  return tls ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** How a report names what a probe of this site asks: a plain site of nginx.sites by its name (Host), at the VIP. */
export function siteProbeUrl(vip: string, health: HealthModel): string {
  if (health.host && !health.tls) return `http://${health.host}:${health.port}${health.path} (at ${vip})`;
  return probeUrl(vip, health.port, health.tls, health.path);
}

/** How a probe report names the scheme: `https://NAME:PORT` or `http://VIP:PORT`. */
export function probeUrl(vip: string, port: number, tls: ProbeTls | undefined, path: string): string {
  return tls ? `https://${tls.servername}:${tls.port}${path} (at ${vip})` : `http://${urlHost(vip)}:${port}${path}`;
}

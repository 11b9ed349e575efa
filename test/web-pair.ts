// The two-node pair most unit tests start from: a1/a2 on 10.9.0.0/24 (never dialled), VIP .100,
// one upstream; `top` goes above hosts:, `nginx` lines under the pair's nginx: (indented for it),
// `upstreams` lines instead of the one upstream (TWO_UPSTREAMS: www_be and api_be, for sites).
export function webPairYaml(o: { top?: string; nginx?: string[]; upstreams?: string[] } = {}): string {
  return `${o.top ? `${o.top}\n` : ''}hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances: [{ name: VI_1, virtual_router_id: 51, vip: 10.9.0.100/24, master: a1 }]
    nginx:
${(o.upstreams ?? ['upstreams: [{ name: be, servers: [10.9.0.21:8080] }]']).map((l) => `      ${l}\n`).join('')}${(o.nginx ?? []).map((l) => `      ${l}\n`).join('')}`;
}

/** Two upstreams for a pair with nginx.sites: www_be (.21) and api_be (.22). */
export const TWO_UPSTREAMS = [
  'upstreams:',
  '  - { name: www_be, servers: [10.9.0.21:8080] }',
  '  - { name: api_be, servers: [10.9.0.22:8080] }',
];

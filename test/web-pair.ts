// The two-node pair most unit tests start from: a1/a2 on 10.9.0.0/24 (never dialled), VIP .100,
// one upstream; `top` goes above hosts:, `nginx` lines under the pair's nginx: (indented for it).
export function webPairYaml(o: { top?: string; nginx?: string[] } = {}): string {
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
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
${(o.nginx ?? []).map((l) => `      ${l}\n`).join('')}`;
}

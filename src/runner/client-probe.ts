// HTTP through the VIP from where clients are (this machine): the user's path, not nginx's own
// /haops-health on the node. Compared with the node-side answer, it tells a firewall from an outage.
import http from 'node:http';
import type { HealthModel } from '../model/derive.js';

/** Why a request through the VIP failed, as a user would tell it. */
export type ProbeFailure = 'refused' | 'reset' | 'timeout' | 'unreachable' | '5xx' | '4xx' | 'other';

/** Classifies a Node.js socket error or an HTTP status the way the report names failures. */
export function probeFailure(err: { code?: string; message?: string } | null, status?: number): ProbeFailure | undefined {
  if (err) {
    const code = err.code ?? '';
    if (code === 'ECONNREFUSED') return 'refused';
    if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
    if (code === 'ETIMEDOUT' || /timeout/i.test(err.message ?? '')) return 'timeout';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') return 'unreachable';
    return 'other';
  }
  if (status === undefined) return undefined;
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return undefined;
}

export interface ClientProbe {
  url: string;
  ok: boolean;
  status?: number;
  /** The node that answered (nginx adds X-Haops-Node). */
  node: string | null;
  failure?: ProbeFailure;
  error?: string;
  ms: number;
}

export const NODE_HEADER = 'x-haops-node';

const NODE_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;

/** One GET of the inventory's health_path through the VIP; never rejects. */
export function probeVip(vip: string, health: HealthModel, timeoutMs = 2000): Promise<ClientProbe> {
  const url = `http://${vip}:${health.port}${health.path}`;
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<ClientProbe, 'url' | 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ url, ms: Date.now() - started, ...r });
    };
    const req = http.get(
      { host: vip, port: health.port, path: health.path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'haops-status' } },
      (res) => {
        const status = res.statusCode ?? 0;
        const h = res.headers[NODE_HEADER];
        const node = typeof h === 'string' && NODE_RE.test(h) ? h : null;
        res.resume();
        const ok = status >= health.min && status <= health.max;
        const failure = ok ? undefined : (probeFailure(null, status) ?? 'other');
        res.on('end', () => done({ ok, status, node, ...(failure ? { failure, error: `answered ${status}` } : {}) }));
        res.on('error', (e) => done({ ok: false, status, node, failure: probeFailure(e as NodeJS.ErrnoException), error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) =>
      done({ ok: false, node: null, failure: probeFailure(e), error: e.code === 'ECONNREFUSED' ? 'connection refused' : e.message }),
    );
  });
}

/**
 * The verdict on the user's path, from the client's answer and the nodes' own (second opinion):
 * null when clients are served as expected, else what is wrong in a user's words.
 */
export function clientProblem(vip: string, health: HealthModel, client: ClientProbe, nodeSide: string | null): string | null {
  if (client.ok) return null;
  const where = `http://${vip}:${health.port}${health.path}`;
  if (client.status !== undefined) {
    const by = client.node ? ` by ${client.node}` : '';
    const why = client.status === 502 || client.status === 504 ? ': nginx cannot reach its upstream servers' : '';
    return `${where} answered ${client.status}${by}, expected ${health.min === health.max ? health.min : `${health.min}-${health.max}`}${why}`;
  }
  if (nodeSide)
    return `nginx answers through ${vip} on the node (${nodeSide}), but clients cannot reach ${where} from here (${client.error ?? client.failure}): firewall?`;
  return `${where} does not answer from here (${client.error ?? client.failure})`;
}

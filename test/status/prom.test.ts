import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeLabel, statusToProm, writePromFile, type PromPair } from '../../src/status/prom.js';

// Prometheus's own Python client parses the text format (Debian's python3-prometheus-client).
// Debian's package lands in /usr/bin/python3's path; a pyenv python3 earlier on PATH lacks it.
const PYTHON = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' }).status === 0,
);
const hasParser = PYTHON !== undefined;
if (!hasParser)
  console.warn('prom.test: no python3 with prometheus_client (apt-get install -y python3-prometheus-client): parser tests skipped');
const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        out.append({"family": f.name, "type": f.type, "help": f.documentation, "name": s.name, "labels": s.labels, "value": s.value, "timestamp": s.timestamp})
print(json.dumps(out))
`;
interface Parsed {
  family: string;
  type: string;
  help: string;
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp: number | null;
}
const parse = (text: string): Parsed[] => JSON.parse(execFileSync(PYTHON!, ['-c', PARSE], { input: text, encoding: 'utf8' })) as Parsed[];

const T = Date.UTC(2026, 10, 25, 18, 0, 0);
const pair = (over: Partial<PromPair> = {}): PromPair => ({
  pair: 'web',
  ok: false,
  nodes: [
    {
      host: 'a1',
      reachable: true,
      keepalived: true,
      nginx: true,
      instances: { VI_1: { state: 'MASTER', priority: 200, expectedPriority: 202 } },
      upstreams: [
        { upstream: 'be', server: '10.9.0.21:8080', up: false },
        { upstream: 'be', server: '10.9.0.22:8080', up: true },
      ],
      checks: [{ name: 'chk_nginx', ok: false }],
    },
    { host: 'a2', reachable: true, keepalived: false, nginx: true, instances: { VI_1: { state: 'STOPPED', priority: null } } },
  ],
  instances: [
    { pair: 'web', instance: 'VI_1', vip: '10.9.0.100', holders: ['a1'], verdict: 'degraded', servedBy: 'a1', client: { ok: false } },
  ],
  ...over,
});
const ctx = { instances: { web: { VI_1: { intf: 'eth0', vrid: 51 } } }, takenAt: T };

describe('status --prom (node_exporter textfile format)', () => {
  it.skipIf(!hasParser)('parses with the Prometheus client parser: exporter labels, haops families, no timestamps', () => {
    const text = statusToProm([pair()], ctx);
    const s = parse(text);
    const one = (name: string, labels: Record<string, string> = {}) =>
      s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    expect(one('keepalived_vrrp_state')).toEqual([
      expect.objectContaining({
        type: 'gauge',
        labels: { iname: 'VI_1', intf: 'eth0', vrid: '51', ip_address: '10.9.0.100', pair: 'web', node: 'a1' },
        value: 2,
      }),
    ]);
    expect(one('keepalived_up', { node: 'a2' })[0]!.value).toBe(0);
    expect(one('haops_vip_holders')[0]).toMatchObject({ labels: { pair: 'web', iname: 'VI_1', vip: '10.9.0.100' }, value: 1 });
    // Asked from this machine (the probe's answer carries no probe host): from="local".
    expect(one('haops_vip_http_ok')).toEqual([
      expect.objectContaining({ labels: { pair: 'web', iname: 'VI_1', vip: '10.9.0.100', from: 'local' }, value: 0 }),
    ]);
    expect(one('haops_vip_http_node_ok')[0]!.value).toBe(1);
    expect(one('haops_upstream_up').map((x) => [x.labels.server, x.value])).toEqual([
      ['10.9.0.21:8080', 0],
      ['10.9.0.22:8080', 1],
    ]);
    expect(one('haops_check_ok')[0]).toMatchObject({ labels: { pair: 'web', node: 'a1', check: 'chk_nginx' }, value: 0 });
    expect(one('haops_vrrp_expected_priority')[0]!.value).toBe(202);
    expect(one('haops_instance_ok')[0]).toMatchObject({ labels: expect.objectContaining({ verdict: 'degraded' }), value: 0 });
    expect(one('haops_pair_healthy')[0]!.value).toBe(0);
    // The reading's time is a value; a sample timestamp would make node_exporter skip the file.
    expect(one('haops_status_last_run_timestamp_seconds')[0]!.value).toBe(T / 1000);
    expect(s.every((x) => x.timestamp === null)).toBe(true);
    // One HELP and one TYPE per family, every line ends in a newline.
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP '));
    expect(new Set(helps.map((l) => l.split(' ')[2])).size).toBe(helps.length);
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE ')).length).toBe(helps.length);
    expect(text.endsWith('\n')).toBe(true);
  });

  it.skipIf(!hasParser)('escapes backslash, quote and newline in label values so the parser reads them back', () => {
    const nasty = 'a\\b"c\nd';
    const text = statusToProm(
      [
        pair({
          pair: nasty,
          instances: [{ pair: nasty, instance: 'VI_1', vip: '10.9.0.100', holders: [], verdict: 'outage', servedBy: null }],
        }),
      ],
      ctx,
    );
    expect(text).toContain(`pair="${escapeLabel(nasty)}"`);
    expect(parse(text).find((x) => x.name === 'haops_pair_healthy')!.labels.pair).toBe(nasty);
  });

  it.skipIf(!hasParser)('labels the client path with where it was asked from, so files written from several places differ', () => {
    // One pair probed from this machine, one from its probe host node3 (what status puts in `client`).
    const here = pair();
    const there = pair({
      pair: 'api',
      instances: [
        {
          pair: 'api',
          instance: 'VI_1',
          vip: '10.9.0.200',
          holders: ['a1'],
          verdict: 'ok',
          servedBy: 'a1',
          client: { ok: true, from: 'node3' },
        },
      ],
    });
    const s = parse(statusToProm([here, there], { ...ctx, instances: { ...ctx.instances, api: ctx.instances.web } }));
    const http = s.filter((x) => x.name === 'haops_vip_http_ok').map((x) => [x.labels, x.value]);
    expect(http).toEqual([
      [{ pair: 'web', iname: 'VI_1', vip: '10.9.0.100', from: 'local' }, 0],
      [{ pair: 'api', iname: 'VI_1', vip: '10.9.0.200', from: 'node3' }, 1],
    ]);
    // Only the client path says where it was asked from; the node-side series keep their labels.
    expect(s.filter((x) => x.name !== 'haops_vip_http_ok' && 'from' in x.labels)).toEqual([]);
  });

  it.skipIf(!hasParser)(
    'writes no client-path series when the client path was not asked (probe: none, or the probe host could not)',
    () => {
      const p = pair();
      delete p.instances[0]!.client; // status leaves `client` out when nothing was asked
      const s = parse(statusToProm([p], ctx));
      expect(s.filter((x) => x.name === 'haops_vip_http_ok')).toEqual([]);
      // The nodes' own answer is still there, unlabelled by a place it was not asked from.
      expect(s.filter((x) => x.name === 'haops_vip_http_node_ok').map((x) => [x.labels, x.value])).toEqual([
        [{ pair: 'web', iname: 'VI_1', vip: '10.9.0.100' }, 1],
      ]);
    },
  );

  it('leaves out nodes it could not reach except for their reachability, and STOPPED states', () => {
    const p = pair();
    p.nodes[1]!.reachable = false;
    const text = statusToProm([p], ctx);
    expect(text).toContain('haops_node_reachable{pair="web",node="a2"} 0\n');
    expect(text).not.toContain('keepalived_up{pair="web",node="a2"}');
    expect(text).not.toMatch(/keepalived_vrrp_state\{[^}]*node="a2"/);
  });

  it('replaces the file in one rename: a reader sees the old file or the new one, and no temp file stays', () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-prom-'));
    const file = join(dir, 'haops.prom');
    writeFileSync(file, 'old\n');
    writePromFile(file, statusToProm([pair()], ctx));
    expect(readFileSync(file, 'utf8')).toContain('keepalived_vrrp_state{');
    expect(readdirSync(dir)).toEqual(['haops.prom']);
  });
});

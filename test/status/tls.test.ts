// status for nginx.tls: the served certificate read the way the status script reads it on a node
// (the script's TLS lines run here, in sh, against a real chain file), its expiry per node, the
// warnings (under --cert-warn-days, nodes serving different certificates), and the Prometheus
// family parsed by Prometheus's own Python parser.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { webPairYaml } from '../fixtures/web-pair.js';
import { parseModel } from '../../src/model/load.js';
import type { Model } from '../../src/model/derive.js';
import { judgePair, parseStatus, STATUS_MARK, tlsScript, type NodeStatus } from '../../src/status/status.js';
import { statusToProm } from '../../src/status/prom.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';

let c: TestCerts;
let model: Model;
beforeAll(() => {
  c = makeCerts(30);
  writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
  model = parseModel(webPairYaml({ nginx: ['tls: { cert_file: chain.pem, key_file: site.key }'] }), join(c.dir, 'x.yaml'), {}).model;
});

/** The node's answer: the real TLS lines of the status script, run by sh over `file`. */
const nodeLines = (file: string) => execFileSync('sh', ['-c', tlsScript(file)], { encoding: 'utf8' });
const node = (host: string, tlsLines: string): NodeStatus =>
  parseStatus(host, model.pairs[0]!, `${STATUS_MARK}\nsvc keepalived up\nsvc nginx up\n${tlsLines}`);
const siteNotAfter = () =>
  Date.parse(
    execFileSync('openssl', ['x509', '-enddate', '-noout', '-in', join(c.dir, 'chain.pem')], { encoding: 'utf8' }).replace(
      /^notAfter=/,
      '',
    ),
  );

describe('status: the served certificate', () => {
  it("reads the node's file: its hash and openssl's notAfter", () => {
    const n = node('a1', nodeLines(join(c.dir, 'chain.pem')));
    expect(n.tls!.sha256).toBe(model.pairs[0]!.tls!.facts.sha256);
    expect(n.tls!.notAfter).toBe(siteNotAfter());
    expect(n.tls!.notAfter).toBe(model.pairs[0]!.tls!.facts.notAfter);
  });

  it('a fake node without openssl: the date comes from the inventory only when the file is the same chain', () => {
    const hashOnly = nodeLines(join(c.dir, 'chain.pem'))
      .split('\n')
      .filter((l) => l.startsWith('tls sha256'))
      .join('\n');
    expect(node('a1', hashOnly).tls!.notAfter).toBe(model.pairs[0]!.tls!.facts.notAfter);
    expect(node('a1', `tls sha256 ${'0'.repeat(64)}`).tls!.notAfter).toBeNull();
  });

  it('a missing file says so and warns', () => {
    const n = node('a1', nodeLines(join(c.dir, 'nope.pem')));
    expect(n.tls).toEqual({ sha256: null, notAfter: null });
    expect(judgePair(model.pairs[0]!, [n], {}).warnings.join('\n')).toMatch(/a1: no TLS certificate/);
  });

  it('warns under --cert-warn-days (30-day certificate: silent at 14, warned at 60)', () => {
    const both = [node('a1', nodeLines(join(c.dir, 'chain.pem'))), node('a2', nodeLines(join(c.dir, 'chain.pem')))];
    expect(judgePair(model.pairs[0]!, both, {}, 14).warnings.filter((w) => /TLS/.test(w))).toEqual([]);
    const w = judgePair(model.pairs[0]!, both, {}, 60).warnings.filter((w) => /TLS/.test(w));
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^a1: the TLS certificate expires in (29|30)\.\d days/);
  });

  it('warns when the two nodes serve different certificates', () => {
    const other = makeCerts(90);
    writeFileSync(join(other.dir, 'x.pem'), other.chain);
    const w = judgePair(
      model.pairs[0]!,
      [node('a1', nodeLines(join(c.dir, 'chain.pem'))), node('a2', nodeLines(join(other.dir, 'x.pem')))],
      {},
      14,
    ).warnings;
    expect(w.some((x) => /the nodes serve different TLS certificates/.test(x))).toBe(true);
    expect(w.some((x) => /a2: serves a TLS certificate other than the inventory's/.test(x))).toBe(true);
  });
});

const PYTHON = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' }).status === 0,
);
describe.skipIf(!PYTHON)('status --prom: haops_tls_cert_not_after_seconds', () => {
  it("parses with Prometheus's parser: one gauge per node, notAfter in seconds", () => {
    const nodes = [node('a1', nodeLines(join(c.dir, 'chain.pem'))), node('a2', nodeLines(join(c.dir, 'chain.pem')))];
    const text = statusToProm([judgePair(model.pairs[0]!, nodes, {})], { instances: {}, takenAt: Date.now() });
    const out = JSON.parse(
      execFileSync(
        PYTHON!,
        [
          '-c',
          'import json,sys\nfrom prometheus_client.parser import text_string_to_metric_families\nprint(json.dumps([{"f":f.name,"t":f.type,"l":s.labels,"v":s.value} for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples if f.name.startswith("haops_tls")]))',
        ],
        { input: text, encoding: 'utf8' },
      ),
    ) as { f: string; t: string; l: Record<string, string>; v: number }[];
    const secs = Math.floor(siteNotAfter() / 1000);
    expect(out).toEqual([
      { f: 'haops_tls_cert_not_after_seconds', t: 'gauge', l: { pair: 'web', node: 'a1' }, v: secs },
      { f: 'haops_tls_cert_not_after_seconds', t: 'gauge', l: { pair: 'web', node: 'a2' }, v: secs },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { webPairYaml } from '../fixtures/web-pair.js';
import { issuesOf } from '../fixtures/issues.js';

/** The web pair with two upstreams (one by name) and `extra` lines under its nginx:. */
const withNginx = (...extra: string[]) =>
  webPairYaml({
    upstreams: ["upstreams: [{ name: be, servers: [10.9.0.21:8080, 'app.internal:9000'] }, { name: old, servers: [10.9.0.22:80] }]"],
    nginx: extra,
  });
const refusal = (text: string) => {
  const [first] = issuesOf(text);
  if (!first) throw new Error('accepted');
  return first;
};

describe('the user path: health_path, health_status and the upstream servers in the model', () => {
  it('defaults to / and any 2xx or 3xx answer, and lists every upstream server for the node checks', () => {
    const pair = parseModel(withNginx(), 'inv.yaml', {}).model.pairs[0]!;
    expect(pair.health).toEqual({ path: '/', port: 80, min: 200, max: 399 });
    expect(pair.upstreams).toEqual([
      { upstream: 'be', server: '10.9.0.21:8080', host: '10.9.0.21', port: 8080 },
      { upstream: 'be', server: 'app.internal:9000', host: 'app.internal', port: 9000 },
      { upstream: 'old', server: '10.9.0.22:80', host: '10.9.0.22', port: 80 },
    ]);
  });

  it('takes one status or a range', () => {
    expect(
      parseModel(withNginx("health_path: '/healthz?full=1'", 'health_status: 204'), 'inv.yaml', {}).model.pairs[0]!.health,
    ).toMatchObject({ path: '/healthz?full=1', min: 204, max: 204 });
    expect(parseModel(withNginx("health_status: '200-299'"), 'inv.yaml', {}).model.pairs[0]!.health).toMatchObject({
      min: 200,
      max: 299,
    });
  });

  it('refuses a path that is not a plain URL path, and a backwards range, naming the line and the fix', () => {
    const text = withNginx(`health_path: "/x'; rm -rf /"`);
    const bad = refusal(text);
    expect(bad).toMatchObject({ file: 'inv.yaml', path: 'pairs.web.nginx.health_path' });
    expect(bad.message).toMatch(/URL path/);
    expect(bad.line).toBe(text.split('\n').findIndex((l) => l.includes('health_path')) + 1);
    const range = refusal(withNginx("health_status: '399-200'"));
    expect(range.message).toMatch(/not a status or a range/);
    expect(range.fix).toMatch(/200-399/);
  });
});

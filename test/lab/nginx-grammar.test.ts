// The real nginx (the lab's Debian 12 package) reads configuration text as haops's port of its
// lexer says (test/render/nginx-golden.ts): the value of each word, the message and line of each
// refusal, and the break-outs that validate refuses really are a second server to nginx. Runs a
// throwaway nginx on 127.0.0.1 of a lab node, beside the deployed one; leaves nothing behind.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { IDENTITY_FILE, KNOWN_HOSTS } from '../../src/lab/index.js';
import { parseModel } from '../../src/model/load.js';
import { parseNginx } from '../../src/core/nginx-conf.js';
import { BREAKOUTS, ERRORS, WORDS, wrapFile } from '../render/nginx-golden.js';
import { labSkipReason, useLab } from './shape.js';
import { haops } from './cli.js';

const run = promisify(execFile);
const LAB = 'inventory/lab.yaml';
const skip = labSkipReason({ nodes: 2 });
const DIR = '/tmp/haops-grammar';

async function onNode(command: string, input?: string): Promise<{ code: number; out: string }> {
  const ip = parseModel(readFileSync(LAB, 'utf8'), LAB, { HAOPS_VRRP_PASSWORD: 'unused' }).model.nodes[0]!.ip;
  const args = ['-i', IDENTITY_FILE, '-o', `UserKnownHostsFile=${KNOWN_HOSTS}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  const child = run('ssh', [...args, `root@${ip}`, command]);
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  try {
    const r = await child;
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? 1, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

/** nginx -t on a file of this text; its output. */
const nginxT = (text: string) =>
  onNode(`mkdir -p ${DIR} && cat > ${DIR}/t.conf && nginx -t -c ${DIR}/t.conf -g 'pid ${DIR}/t.pid; error_log stderr;' 2>&1`, text);

afterAll(async () => {
  if (skip) return;
  await onNode(`test -f ${DIR}/w.pid && kill $(cat ${DIR}/w.pid); rm -rf ${DIR}`);
});

describe.skipIf(skip)("nginx's own reading of configuration text (real nginx on a lab node)", () => {
  useLab({ nodes: 2 });
  it('nginx is installed (haops deploy)', async () => {
    if ((await onNode('command -v nginx')).code !== 0) expect((await haops(['deploy', LAB])).code).toBe(0);
  }, 600_000);

  it('each word reads as the golden table (and as haops reads it): nginx answers return 200 WORD with it', async () => {
    const locations = WORDS.map((w, i) => `location = /w${i} { return 200 ${w.src}; }`).join('\n');
    const conf = wrapFile(locations, 18181);
    const t = await nginxT(conf);
    expect(t.out).toMatch(/test is successful/);
    // The daemon keeps no descriptor of the ssh session (else ssh waits for it).
    const start = await onNode(
      `nginx -c ${DIR}/t.conf -g 'pid ${DIR}/w.pid; error_log ${DIR}/e.log;' </dev/null >${DIR}/start.log 2>&1 || { cat ${DIR}/start.log; exit 1; }`,
    );
    expect(start.code, start.out).toBe(0);
    const bodies = await onNode(WORDS.map((_, i) => `curl -s http://127.0.0.1:18181/w${i} | base64 -w0; echo`).join('; '));
    const got = bodies.out
      .trim()
      .split('\n')
      .map((b) => Buffer.from(b, 'base64').toString('utf8'));
    expect(got).toEqual(WORDS.map((w) => w.value));
    const mine = WORDS.map((w) => {
      const p = parseNginx(`return 200 ${w.src};`);
      return p.ok ? p.statements[0]!.args[1]!.value : `error: ${p.error.message}`;
    });
    expect(mine).toEqual(got);
  }, 60_000);

  it("each refusal is nginx -t's: same message, same line", async () => {
    for (const e of ERRORS) {
      const t = await nginxT(wrapFile(e.inServer));
      expect(t.out, e.inServer).toContain(`${e.message} in ${DIR}/t.conf:${e.line}`);
      const mine = parseNginx(wrapFile(e.inServer));
      expect(mine.ok ? 'parsed' : `${mine.error.message} :${mine.error.line}`).toBe(`${e.message} :${e.line}`);
    }
  }, 60_000);

  it('the break-outs pass nginx -t as a second server at http level, as the port reads them', async () => {
    for (const b of BREAKOUTS) {
      const t = await nginxT(wrapFile(b));
      expect(t.out, b).toMatch(/test is successful/);
      const mine = parseNginx(wrapFile(b));
      expect(mine.ok && mine.statements[1]!.block!.filter((s) => s.name.value === 'server').length).toBe(3);
    }
  }, 60_000);
});

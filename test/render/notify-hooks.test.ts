// notify.hooks (written by haops import for a user's own notify scripts): the rendered notify
// script, run by sh as keepalived runs it, calls each hook on its state change only.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { renderNotifyScript } from '../../src/render/notify.js';

const dir = mkdtempSync(join(tmpdir(), 'haops-hooks-'));
const hook = (name: string) => {
  const path = join(dir, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\necho "$*" >> ${join(dir, `${name}.out`)}\n`);
  chmodSync(path, 0o755);
  return path;
};

/** The hook's whole line: the shell creates the file before it writes to it, so an empty file is not an answer yet. */
async function eventually(path: string): Promise<string> {
  const line = () => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  for (let i = 0; i < 100 && !line().endsWith('\n'); i++) await new Promise((r) => setTimeout(r, 50));
  return line();
}

describe('notify.hooks', () => {
  const master = hook('master');
  const any = hook('any');
  const { model } = parseModel(readFileSync('inventory/seed.yaml', 'utf8'), 'seed.yaml', {}, { allowDefaultSecrets: true });
  const node = model.nodes[0]!;
  const script = join(dir, 'notify.sh');
  writeFileSync(
    script,
    renderNotifyScript({
      ...node,
      notify: {
        ...node.notify,
        email: undefined,
        log: join(dir, 'notify.log'),
        hooks: [
          { on: 'master', run: `${master} up` },
          { on: 'any', run: any },
        ],
      },
    }),
  );
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => execFileSync('sh', [script, ...args], { env: { ...process.env, ...env } });

  it('a BACKUP transition runs only the any-hook, with TYPE NAME STATE PRIORITY appended', async () => {
    run(['notify', 'INSTANCE', 'VI_1', 'BACKUP', '199']);
    expect(await eventually(join(dir, 'any.out'))).toBe('INSTANCE VI_1 BACKUP 199\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(dir, 'master.out'))).toBe(false);
  });

  it('a MASTER transition runs the master-hook as written, and notify-test runs no hook', async () => {
    run(['notify', 'INSTANCE', 'VI_1', 'MASTER', '200']);
    expect(await eventually(join(dir, 'master.out'))).toBe('up\n');
    run(['notify', 'INSTANCE', 'VI_1', 'MASTER', '200'], { HAOPS_NOTIFY_TEST: '1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(join(dir, 'master.out'), 'utf8')).toBe('up\n');
  });

  it('the inventory refuses a hook that is not a plain path with plain arguments', () => {
    const text = readFileSync('inventory/seed.yaml', 'utf8').replace(
      '      script: /usr/local/bin/keepalived_notify.sh\n',
      '      script: /usr/local/bin/keepalived_notify.sh\n      hooks: [{ on: master, run: "/bin/echo $(id)" }]\n',
    );
    expect(() => parseModel(text, 'seed.yaml', {}, { allowDefaultSecrets: true })).toThrow(/hook "\/bin\/echo \$\(id\)" has an argument/);
  });
});

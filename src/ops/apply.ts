// Operations, I/O half: carries out one planned Change on a host in one exec and reports the
// outcome as a value (host, file and the tool's own message on failure, plus a hint).

import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { ExecResult, Host } from '../ssh/host.js';
import { platformFor, type Platform } from '../platforms/commands.js';
import { hintFor, toolMessage } from '../platforms/hints.js';
import { DAEMON_RELOAD, settled } from '../protocol/commands.js';
import { nginxReload } from '../protocol/nginx-reload.js';
import { PUT, parsePut, type PutValidation } from '../protocol/put.js';
import { bind } from '../protocol/script.js';
import { systemScript } from '../protocol/system.js';
import type { Change, ChangeOutcome, Facts } from '../core/state.js';

type FileChange = Extract<Change, { kind: 'file' }>;

function failure(host: Host, what: string, r: ExecResult, hintSource: ExecResult = r): ChangeOutcome {
  return {
    ok: false,
    summary: `${what} failed`,
    error: { message: `${host.name}: ${what} failed: ${toolMessage(r)}`, hint: hintFor(hintSource), stderr: r.stderr || undefined },
  };
}

async function run(host: Host, command: string, what: string, done: string): Promise<ChangeOutcome> {
  const r = await host.exec(command);
  // yum exits 0 when only some of the named packages exist: the missing ones are a failure too.
  if (r.code !== 0 || /^No package \S+ available\./m.test(r.stdout)) return failure(host, what, r);
  return { ok: true, summary: done };
}

/** The temp file a put writes first: beside the target, so the final mv is atomic. */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.haops-${randomBytes(3).toString('hex')}`);
}

async function putFile(change: FileChange, host: Host, facts: Facts, platform: Platform): Promise<ChangeOutcome> {
  const { file } = change;
  const warnings: string[] = [];
  const tmp = tempPathFor(file.path);
  let validate: PutValidation = '';
  let validator = '';
  if (file.validate === 'keepalived') {
    // The engine gathers facts again after installing packages: the version here is the installed one.
    const v = platform.validateKeepalived(tmp, facts.keepalivedVersion);
    if (v.command === null) warnings.push(`${file.path}: ${v.reason}`);
    else [validate, validator] = ['keepalived', v.command];
  } else if (file.validate === 'nginx') {
    [validate, validator] = ['nginx', platform.validateNginx()];
  }

  const script = bind(PUT, {
    FILE: file.path,
    TEMP: tmp,
    MODE: file.mode,
    MAKE_DIR: file.makeDir ?? false,
    VALIDATE: validate,
    PENDING: change.contentChanged ? (file.notify ?? []).map((n) => `${n.service}.${n.action}`) : [],
  });
  const r = await host.exec(script, { stdin: file.content });
  const out = parsePut(r.stdout);
  if (out.failed?.step === 'validate') {
    return failure(host, `${file.path}: ${file.validate} -t`, r, { ...r, command: validator, code: out.failed.code });
  }
  if (out.failed || !out.done) return failure(host, `${file.path}: ${out.failed ? out.failed.step : 'put'}`, r);
  if (out.unvalidated !== undefined) {
    warnings.push(
      `${file.path}: keepalived -t was terminated (exit ${out.unvalidated}, keepalived 2.2.7 bug with script_user): not validated`,
    );
  }
  return { ok: true, summary: `${change.before.exists ? 'updated' : 'created'} ${file.path}`, ...(warnings.length ? { warnings } : {}) };
}

export async function applyChange(change: Change, host: Host, facts: Facts): Promise<ChangeOutcome> {
  const platform = platformFor(facts.os.family, facts.init);
  switch (change.kind) {
    case 'packages': {
      const list = change.install.join(' ');
      return run(host, platform.install(change.install, change.onlyRepos), `installing ${list}`, `installed ${list}`);
    }
    case 'system':
      return run(host, systemScript(change.commands), change.title, change.title);
    case 'enable':
      return run(host, platform.enable(change.service), `enabling ${change.service}`, `enabled ${change.service}`);
    case 'start':
      return run(host, settled(platform.start(change.service), change.service), `starting ${change.service}`, `started ${change.service}`);
    case 'handler': {
      if (change.action === 'daemon-reload') return run(host, settled(DAEMON_RELOAD, 'systemd'), DAEMON_RELOAD, 'reloaded systemd units');
      // nginx's reload returns before the old workers stop taking connections: waited for (protocol/nginx-reload.ts).
      if (change.action === 'reload' && change.service === 'nginx')
        return run(host, nginxReload(platform.reload('nginx')), 'reloading nginx', 'reloaded nginx');
      const cmd = change.action === 'reload' ? platform.reload(change.service) : platform.restart(change.service);
      return run(
        host,
        settled(cmd, change.service),
        `${change.action === 'reload' ? 'reloading' : 'restarting'} ${change.service}`,
        `${change.action}ed ${change.service}`,
      );
    }
    case 'file':
      return putFile(change, host, facts, platform);
  }
}

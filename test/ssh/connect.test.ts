// connect() against simulated sshds (ssh2 Server in-process, real `sh -c` behind it).

import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ConnectOptions, type SshTarget } from '../../src/ssh/connect.js';
import { HostError, type Host } from '../../src/ssh/host.js';
import { fingerprint, knownHostsLine } from '../../src/ssh/known-hosts.js';
import { makeHome, newKey, startSimSshd, type SimSshdOptions } from './sim-sshd.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A simulated sshd, a home whose key it accepts, and (unless told) its host key in known_hosts. */
async function lab(opts: Partial<SimSshdOptions> & { known?: boolean } = {}) {
  const home = makeHome();
  const sshd = await startSimSshd({ authorizedKeys: [home.publicKey], ...opts });
  cleanup.push(() => sshd.close());
  const knownHosts = join(home.sshDir, 'known_hosts');
  if (opts.known !== false) writeFileSync(knownHosts, `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0])}\n`);
  const target: SshTarget = { name: 'node1', address: '127.0.0.1', port: sshd.port, user: 'root' };
  const options: ConnectOptions = { env: { HOME: home.home }, connectTimeoutMs: 5000 };
  return { home, sshd, knownHosts, target, options };
}

async function open(target: SshTarget, options: ConnectOptions): Promise<Host> {
  const host = await connect(target, options);
  cleanup.push(() => host.close());
  return host;
}

async function refusal(p: Promise<unknown>): Promise<HostError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HostError);
  return e as HostError;
}

describe('simulated sshd: exec', () => {
  it('returns stdout, stderr and the exit code exactly, and resolves on a non-zero exit', async () => {
    const { target, options } = await lab();
    const host = await open(target, options);
    const r = await host.exec("printf ' out\\n\\n'; printf 'err \\n' >&2; exit 3");
    expect(r).toMatchObject({ code: 3, stdout: ' out\n\n', stderr: 'err \n' });
    expect(r.command).toBe("printf ' out\\n\\n'; printf 'err \\n' >&2; exit 3");
    expect(host.roundTrips).toBe(1);
  });

  it('times a command from send to exit: at least its own run time, at most the wall time of the call', async () => {
    const { target, options } = await lab();
    const host = await open(target, options);
    const started = Date.now();
    const r = await host.exec('sleep 0.3');
    const wall = Date.now() - started;
    expect(r.code).toBe(0);
    expect(r.durationMs).toBeGreaterThanOrEqual(300);
    expect(r.durationMs).toBeLessThanOrEqual(wall);
  });
});

describe('simulated sshd: host keys', () => {
  it('refuses an unknown host, naming the fingerprint, and runs nothing', async () => {
    const { sshd, target, options, knownHosts } = await lab({ known: false });
    const e = await refusal(connect(target, options));
    expect(e.host).toBe('node1');
    expect(e.message).toContain(`node1 (127.0.0.1:${sshd.port}): host key not in ${knownHosts}`);
    expect(e.message).toContain(`ssh-ed25519 ${fingerprint(sshd.hostKeys[0])}`);
    expect(e.hint).toMatch(/ssh-keyscan .*--accept-new/);
    expect(sshd.logins).toEqual([]);
    expect(sshd.execs).toEqual([]);
  });

  it('with acceptNew records the key, and the next connect needs no acceptNew', async () => {
    const { sshd, target, options, knownHosts } = await lab({ known: false });
    writeFileSync(knownHosts, '# mine, no newline at the end');
    await (await connect(target, { ...options, acceptNew: true })).close();
    const lines = readFileSync(knownHosts, 'utf8').split('\n');
    expect(lines[1]).toBe(knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0]));
    const host = await open(target, options);
    expect((await host.exec('echo again')).stdout).toBe('again\n');
  });

  it('refuses a changed host key even with acceptNew, naming both fingerprints and file:line', async () => {
    const { sshd, target, options, knownHosts } = await lab({ known: false });
    const old = ssh2PublicBlob();
    writeFileSync(knownHosts, `# comment\n${knownHostsLine(`[127.0.0.1]:${sshd.port}`, old)}\n`);
    const e = await refusal(connect(target, { ...options, acceptNew: true }));
    expect(e.message).toContain('HOST KEY CHANGED');
    expect(e.message).toContain(`${knownHosts}:2`);
    expect(e.message).toContain(fingerprint(old));
    expect(e.message).toContain(fingerprint(sshd.hostKeys[0]));
    expect(e.hint).toContain('ssh-keygen -R');
    expect(readFileSync(knownHosts, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(sshd.execs).toEqual([]);
  });

  it('accepts a hashed known_hosts entry', async () => {
    const { sshd, target, options, knownHosts } = await lab({ known: false });
    writeFileSync(knownHosts, `${hashedLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0])}\n`);
    const host = await open(target, options);
    expect((await host.exec('echo ok')).code).toBe(0);
  });

  it('needs the [host]:port form on a non-22 port: a bare 127.0.0.1 entry does not count', async () => {
    const { sshd, target, options, knownHosts } = await lab({ known: false });
    writeFileSync(knownHosts, `${knownHostsLine('127.0.0.1', sshd.hostKeys[0])}\n`);
    await refusal(connect(target, options));
    writeFileSync(knownHosts, `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0])}\n`);
    await (await connect(target, options)).close();
  });

  it('refuses a key marked @revoked', async () => {
    const { sshd, target, options, knownHosts } = await lab();
    writeFileSync(knownHosts, `@revoked ${knownHostsLine('*', sshd.hostKeys[0])}\n`, { flag: 'a' });
    const e = await refusal(connect(target, { ...options, acceptNew: true }));
    expect(e.message).toContain('@revoked');
  });

  it('refuses a key of a type the host is not known by, even with acceptNew', async () => {
    const rsa = newKey('rsa');
    const { sshd, target, options, knownHosts } = await lab({ known: false, hostKeys: [rsa.private] });
    writeFileSync(knownHosts, `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, ssh2PublicBlob())}\n`);
    const e = await refusal(connect(target, { ...options, acceptNew: true }));
    expect(e.message).toMatch(/offered ssh-rsa SHA256:\S+, but .* knows this host only by ssh-ed25519/);
  });

  it('asks a server with several keys for the type already known', async () => {
    const rsa = newKey('rsa');
    const ed = newKey();
    const { sshd, target, options, knownHosts } = await lab({ known: false, hostKeys: [ed.private, rsa.private] });
    writeFileSync(knownHosts, `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[1])}\n`);
    await (await connect(target, options)).close();
  });
});

describe('simulated sshd: old servers', () => {
  it('connects to a CentOS 6 style server (group14-sha1 kex and ssh-rsa host key only)', async () => {
    const rsa = newKey('rsa');
    const { target, options } = await lab({
      hostKeys: [rsa.private],
      algorithms: { kex: ['diffie-hellman-group14-sha1'], serverHostKey: ['ssh-rsa'] },
    });
    const host = await open(target, options);
    expect((await host.exec('echo el6')).stdout).toBe('el6\n');
  });

  it('still agrees on a modern key exchange with a modern server', async () => {
    const { sshd, target, options } = await lab();
    await (await connect(target, options)).close();
    expect(sshd.kex[0]).not.toMatch(/sha1/);
  });

  it('says so when the server shares no algorithm', async () => {
    const { target, options } = await lab({ algorithms: { kex: ['diffie-hellman-group1-sha1'] } });
    const e = await refusal(connect(target, options));
    expect(e.message).toMatch(/SSH handshake failed/);
  });
});

describe('simulated sshd: ~/.ssh/config and jump hosts', () => {
  it('resolves a Host alias: HostName, Port, User and IdentityFile (with ~)', async () => {
    const other = newKey();
    const { home, sshd, options, knownHosts } = await lab({ known: false });
    const sshd2 = await startSimSshd({ authorizedKeys: [other.public], hostKeys: [newKey().private] });
    cleanup.push(() => sshd2.close());
    writeFileSync(join(home.sshDir, 'deploy_key'), other.private, { mode: 0o600 });
    writeFileSync(
      join(home.sshDir, 'config'),
      `Host web1\n  HostName 127.0.0.1\n  Port ${sshd2.port}\n  User deployer\n  IdentityFile ~/.ssh/deploy_key\n`,
    );
    // recorded under the alias, as `ssh web1` would have it
    writeFileSync(knownHosts, `${knownHostsLine(`[web1]:${sshd2.port}`, sshd2.hostKeys[0])}\n`);
    const host = await open({ name: 'web', address: 'web1', sudo: { password: 'x' } }, options);
    expect((await host.exec('echo hi', { root: false })).stdout).toBe('hi\n');
    expect(sshd2.logins).toEqual(['deployer']);
    expect(sshd.logins).toEqual([]);
  });

  it('lets inventory fields win over the ssh config', async () => {
    const { home, sshd, options } = await lab();
    writeFileSync(join(home.sshDir, 'config'), `Host node1\n  HostName 127.0.0.1\n  Port 1\n  User nobody\n`);
    const host = await open({ name: 'node1', address: 'node1', port: sshd.port, user: 'root' }, options);
    expect((await host.exec('true')).code).toBe(0);
    expect(sshd.logins).toEqual(['root']);
  });

  it('goes through a ProxyJump bastion, checking both host keys', async () => {
    const { home, sshd, options, knownHosts } = await lab();
    const bastion = await startSimSshd({ authorizedKeys: [home.publicKey], forwarding: true });
    cleanup.push(() => bastion.close());
    writeFileSync(
      join(home.sshDir, 'config'),
      `Host node1\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  ProxyJump jump@127.0.0.1:${bastion.port}\n`,
    );
    const unknownBastion = await refusal(connect({ name: 'node1', address: 'node1' }, options));
    expect(unknownBastion.message).toMatch(/via jump host 127\.0\.0\.1 \(127\.0\.0\.1:\d+\): host key not in/);

    writeFileSync(knownHosts, `${knownHostsLine(`[127.0.0.1]:${bastion.port}`, bastion.hostKeys[0])}\n`, { flag: 'a' });
    const host = await open({ name: 'node1', address: 'node1' }, options);
    expect((await host.exec('echo through')).stdout).toBe('through\n');
    expect(bastion.logins).toEqual(['jump']);
    expect(bastion.forwards).toEqual([`127.0.0.1:${sshd.port}`]);
    expect(bastion.execs).toEqual([]);
    expect(sshd.logins).toEqual(['root']);
  });

  it('chains two jump hosts given in the inventory', async () => {
    const { home, sshd, target, options, knownHosts } = await lab();
    const outer = await startSimSshd({ authorizedKeys: [home.publicKey], forwarding: true });
    const inner = await startSimSshd({ authorizedKeys: [home.publicKey], forwarding: true });
    cleanup.push(
      () => outer.close(),
      () => inner.close(),
    );
    for (const b of [outer, inner]) {
      writeFileSync(knownHosts, `${knownHostsLine(`[127.0.0.1]:${b.port}`, b.hostKeys[0])}\n`, { flag: 'a' });
    }
    const jump = `root@127.0.0.1:${outer.port},root@127.0.0.1:${inner.port}`;
    const host = await open({ ...target, jump }, options);
    expect((await host.exec('echo two hops')).stdout).toBe('two hops\n');
    expect(outer.forwards).toEqual([`127.0.0.1:${inner.port}`]);
    expect(inner.forwards).toEqual([`127.0.0.1:${sshd.port}`]);
  });
});

describe('simulated sshd: sudo for a non-root user', () => {
  const secret = 'pa55 w0rd';

  async function sudoLab(mode: string, sudo: SshTarget['sudo']) {
    const l = await lab({ env: { SIM_SUDO: mode, SIM_SUDO_PASSWORD: secret } });
    const host = await open({ ...l.target, user: 'deploy', ...(sudo && { sudo }) }, l.options);
    return { ...l, host };
  }

  it('sends the password on stdin, never on the command line, then the caller stdin', async () => {
    const { host, sshd } = await sudoLab('password', { password: secret });
    const r = await host.exec('cat; echo done >&2; exit 4', { stdin: 'payload\n' });
    expect(r).toMatchObject({ code: 4, stdout: 'payload\n', stderr: 'done\n', command: 'cat; echo done >&2; exit 4' });
    const [rec] = sshd.execs;
    expect(rec.user).toBe('deploy');
    expect(rec.command).toMatch(/^sudo -S -p haops-sudo-[0-9a-f]+: -- sh -c /);
    expect(rec.command).not.toContain(secret);
    expect(rec.stdin).toBe(`${secret}\npayload\n`);
  });

  it('reads the password from the variable named by passwordEnv', async () => {
    const l = await lab({ env: { SIM_SUDO: 'password', SIM_SUDO_PASSWORD: secret } });
    const host = await open(
      { ...l.target, user: 'deploy', sudo: { passwordEnv: 'NODE_SUDO_PW' } },
      { ...l.options, env: { ...l.options.env, NODE_SUDO_PW: secret } },
    );
    expect((await host.exec('echo root')).stdout).toBe('root\n');
  });

  it("an inventory's sudo password_file reaches sudo's stdin (resolved once at load, carried by the model)", async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { parseModel } = await import('../../src/model/load.js');
    const { sshTarget } = await import('../../src/nodes/connector.js');
    const dir = mkdtempSync(join(tmpdir(), 'haops-sudo-'));
    writeFileSync(join(dir, 'sudo.pw'), `${secret}\n`, { mode: 0o600 });
    const text = `ssh:\n  user: deploy\n  sudo: { password_file: sudo.pw }\nhosts:\n  a1: { address: 10.9.0.11 }\n  a2: { address: 10.9.0.12 }\npairs:\n  web:\n    nodes: [a1, a2]\n    interface: eth0\n    subnet: 10.9.0.0/24\n    instances: [{ name: VI_1, virtual_router_id: 51, vip: 10.9.0.100, master: a1 }]\n    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }\n`;
    const file = join(dir, 'inv.yaml');
    const { inventory, model } = parseModel(text, file, {});
    expect(model.secrets).toContain(secret);
    const fromInventory = sshTarget(inventory, file, 'a1', model.sudo.a1);
    expect(fromInventory.sudo).toEqual({ prompt: false, password: secret });
    const l = await lab({ env: { SIM_SUDO: 'password', SIM_SUDO_PASSWORD: secret } });
    const host = await open({ ...l.target, user: fromInventory.user, sudo: fromInventory.sudo }, l.options);
    expect((await host.exec('echo as root')).stdout).toBe('as root\n');
    expect(l.sshd.execs[0].stdin.startsWith(`${secret}\n`)).toBe(true);
  });

  it('refuses to start when the passwordEnv variable is not set', async () => {
    const { target, options } = await lab();
    const e = await refusal(connect({ ...target, user: 'deploy', sudo: { passwordEnv: 'UNSET_PW' } }, options));
    expect(e.message).toContain('UNSET_PW is not set');
  });

  it('reports a rejected password without ever showing it', async () => {
    const { host } = await sudoLab('password', { password: 'wrong-secret' });
    const e = await refusal(host.exec('id'));
    expect(e.message).toContain('sudo password rejected');
    expect(`${e.message} ${e.hint}`).not.toContain('wrong-secret');
  });

  it('maps requiretty (EL6 before 6.8) to a hint about !requiretty', async () => {
    const { host } = await sudoLab('requiretty', { password: secret });
    const e = await refusal(host.exec('id'));
    expect(e.message).toContain('sudo requires a tty');
    expect(e.hint).toContain('Defaults:deploy !requiretty');
    expect(`${e.message} ${e.hint}`).not.toContain(secret);
  });

  it('with sudo: true asks for the password once (the terminal prompt) and sends it on stdin', async () => {
    const l = await lab({ env: { SIM_SUDO: 'password', SIM_SUDO_PASSWORD: secret } });
    const asked: string[] = [];
    const host = await open(
      { ...l.target, user: 'deploy', sudo: { prompt: true } },
      { ...l.options, sudoPassword: async (h, user) => (asked.push(`${h} ${user}`), secret) },
    );
    expect((await host.exec('echo root')).stdout).toBe('root\n');
    expect(asked).toEqual(['node1 deploy']);
    expect(l.sshd.execs[0].command).not.toContain(secret);
  });

  it('uses sudo -n when no password is configured (NOPASSWD)', async () => {
    const { host, sshd } = await sudoLab('nopasswd', undefined);
    expect((await host.exec('cat', { stdin: 'in' })).stdout).toBe('in');
    expect(sshd.execs[0].command).toMatch(/^sudo -n -- sh -c /);
  });

  it('says a password is needed when sudo -n is refused', async () => {
    const { host } = await sudoLab('password', undefined);
    const e = await refusal(host.exec('id'));
    expect(e.message).toContain('sudo wants a password for deploy');
  });

  it('does not feed the password to the command when sudo does not ask for it', async () => {
    const { host, sshd } = await sudoLab('nopasswd', { password: secret });
    const r = await host.exec('cat', { stdin: 'only this' });
    expect(r.stdout).toBe('only this');
    expect(sshd.execs[0].stdin).not.toContain(secret);
  });

  it('runs without sudo when root is false', async () => {
    const { host, sshd } = await sudoLab('requiretty', { password: secret });
    expect((await host.exec('echo plain', { root: false })).stdout).toBe('plain\n');
    expect(sshd.execs[0].command).toBe('echo plain');
  });
});

describe('simulated sshd: timeouts, streams and lost connections', () => {
  it('rejects a command that outlives its timeout, naming it, and the connection stays usable', async () => {
    const { target, options } = await lab();
    const host = await open(target, { ...options, commandTimeoutMs: 300 });
    const e = await refusal(host.exec('sleep 5; echo never'));
    expect(e.message).toBe(`node1 (127.0.0.1:${target.port}): timed out after 0.3s: \`sleep 5; echo never\``);
    expect((await host.exec('echo still here', { timeoutMs: 5000 })).stdout).toBe('still here\n');
  });

  it('streams stdout lines with receive times, and stop() ends the command', async () => {
    const { target, options } = await lab();
    const host = await open(target, options);
    const lines: Array<[string, number]> = [];
    const before = Date.now();
    const handle = await host.stream('echo one; echo two; sleep 0.2; echo three; sleep 30', (line, at) => lines.push([line, at]));
    await waitFor(() => lines.length === 3);
    handle.stop();
    const result = await handle.done;
    expect(lines.map(([l]) => l)).toEqual(['one', 'two', 'three']);
    expect(lines[0][1]).toBeGreaterThanOrEqual(before);
    expect(lines[2][1] - lines[0][1]).toBeGreaterThanOrEqual(150);
    expect(result.stdout).toBe('one\ntwo\nthree\n');
    expect(host.roundTrips).toBe(1);
    expect((await host.exec('echo after')).stdout).toBe('after\n');
  });

  it('rejects the running command with "connection lost" when the server drops the connection', async () => {
    const { target, options } = await lab({
      onExec: (command, _channel, conn) => {
        if (command !== 'drop me') return false;
        setTimeout(() => (conn as unknown as { _sock: { destroy(): void } })._sock.destroy(), 50);
        return true;
      },
    });
    const host = await open(target, options);
    const e = await refusal(host.exec('drop me'));
    expect(e.host).toBe('node1');
    expect(e.message).toMatch(/^node1 \(127\.0\.0\.1:\d+\): connection lost.* while running `drop me`$/);
    const after = await refusal(host.exec('echo again'));
    expect(after.message).toContain('connection lost');
  });

  it('keeps to a few channels at a time, however many commands are asked for', async () => {
    const { target, options } = await lab();
    const host = await open(target, options);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => host.exec(`echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(host.roundTrips).toBe(20);
  });
});

describe('simulated sshd: client keys', () => {
  it('unlocks an encrypted key with HAOPS_SSH_PASSPHRASE, or asks once per key', async () => {
    const key = newKey('ed25519', 'open sesame');
    const home = makeHome(key);
    const sshd = await startSimSshd({ authorizedKeys: [key.public] });
    cleanup.push(() => sshd.close());
    const target = { name: 'node1', address: '127.0.0.1', port: sshd.port, user: 'root' };
    writeFileSync(join(home.sshDir, 'known_hosts'), `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0])}\n`);

    await (await connect(target, { env: { HOME: home.home, HAOPS_SSH_PASSPHRASE: 'open sesame' } })).close();

    let asked = 0;
    const options: ConnectOptions = { env: { HOME: home.home }, passphrase: async () => (asked++, 'open sesame') };
    await Promise.all([connect(target, options), connect(target, options)]).then((hs) => Promise.all(hs.map((h) => h.close())));
    expect(asked).toBe(1);

    const e = await refusal(connect(target, { env: { HOME: home.home, HAOPS_SSH_PASSPHRASE: 'nope' } }));
    expect(e.message).toContain(`wrong passphrase for ${join(home.sshDir, 'id_ed25519')}`);
    expect(e.hint).toContain('HAOPS_SSH_PASSPHRASE');
  });

  it('names what it tried when the server accepts none of the keys', async () => {
    const { target, options, home } = await lab({ authorizedKeys: [newKey().public] });
    const e = await refusal(connect(target, options));
    expect(e.message).toContain(`authentication failed for user root (tried ${join(home.sshDir, 'id_ed25519')})`);
  });

  it('says when nothing listens on the port', async () => {
    const { target, options, sshd } = await lab();
    await sshd.close();
    const e = await refusal(connect(target, options));
    expect(e.message).toContain(`connection refused on port ${target.port}`);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The public blob of a fresh key: a host key that is not the server's. */
function ssh2PublicBlob(): Buffer {
  const key = ssh2.utils.parseKey(newKey().public);
  if (key instanceof Error) throw key;
  return key.getPublicSSH();
}

/** A known_hosts line in OpenSSH's HashKnownHosts form. */
function hashedLine(name: string, key: Buffer): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name).digest();
  return knownHostsLine(`|1|${salt.toString('base64')}|${hash.toString('base64')}`, key);
}

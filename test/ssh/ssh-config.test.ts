import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJumpSpec, resolveTarget } from '../../src/ssh/ssh-config.js';

function home(config?: string): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'haops-cfg-'));
  if (config !== undefined) writeFileSync(join(dir, 'config'), config);
  return { env: { HOME: dir }, dir };
}

describe('resolving a target against ~/.ssh/config', () => {
  it('takes OpenSSH defaults without a config file: port 22, the local user, the default keys', async () => {
    const { env, dir } = home();
    const hop = await resolveTarget({ name: 'n', address: '10.0.0.5' }, undefined, env);
    expect(hop).toEqual({
      alias: '10.0.0.5',
      hostname: '10.0.0.5',
      port: 22,
      user: userInfo().username,
      identityFiles: ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(dir, '.ssh', f)),
      knownHostsFiles: [join(dir, '.ssh', 'known_hosts')],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts'],
    });
  });

  it('reads HostName, Port, User, several IdentityFiles, UserKnownHostsFile and ProxyJump', async () => {
    const { env, dir } = home(
      [
        'Host web1',
        '  hostname 10.0.0.5',
        '  Port 2222',
        '  IdentityFile ~/.ssh/a',
        '  IdentityFile ~/keys/%r@%h',
        '  UserKnownHostsFile ~/kh1 ~/kh2',
        '  ProxyJump ops@bastion:2200',
        'Host bastion',
        '  HostName 192.0.2.1',
        'Host *',
        '  User deploy',
      ].join('\n'),
    );
    const hop = await resolveTarget({ name: 'web', address: 'web1' }, join(dir, 'config'), env);
    expect(hop).toMatchObject({
      alias: 'web1',
      hostname: '10.0.0.5',
      port: 2222,
      user: 'deploy',
      identityFiles: [join(dir, '.ssh/a'), join(dir, 'keys/deploy@10.0.0.5')],
      knownHostsFiles: [join(dir, 'kh1'), join(dir, 'kh2')],
      jump: { alias: 'bastion', hostname: '192.0.2.1', port: 2200, user: 'ops' },
    });
  });

  it('lets the inventory win, and shares its known_hosts and key with a bastion that names none', async () => {
    const { env, dir } = home('Host web1\n  User nobody\n  Port 1\n  ProxyJump b1,b2:2201\n');
    const hop = await resolveTarget(
      { name: 'web', address: 'web1', user: 'root', port: 22, identityFile: '~/k', knownHosts: '/tmp/kh' },
      join(dir, 'config'),
      env,
    );
    expect(hop).toMatchObject({ user: 'root', port: 22, identityFiles: [join(dir, 'k')], knownHostsFiles: ['/tmp/kh'] });
    expect(hop.jump).toMatchObject({ alias: 'b2', port: 2201, knownHostsFiles: ['/tmp/kh'], identityFiles: [join(dir, 'k')] });
    expect(hop.jump?.jump).toMatchObject({ alias: 'b1', port: 22 });
    expect(hop.jump?.jump?.jump).toBeUndefined();
  });

  it('stops a ProxyJump loop', async () => {
    const { env, dir } = home('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    await expect(resolveTarget({ name: 'a', address: 'a' }, join(dir, 'config'), env)).rejects.toThrow(/loop/);
  });
});

describe('ProxyJump hop syntax', () => {
  it('splits user, host and port, with IPv6 in brackets and ssh:// URIs', () => {
    expect(parseJumpSpec('bastion')).toEqual({ host: 'bastion' });
    expect(parseJumpSpec('ops@10.0.0.1:2200')).toEqual({ user: 'ops', host: '10.0.0.1', port: 2200 });
    expect(parseJumpSpec('[2001:db8::1]:22')).toEqual({ host: '2001:db8::1', port: 22 });
    expect(parseJumpSpec('ssh://me@jump')).toEqual({ user: 'me', host: 'jump' });
  });
});

// Every lab node kind on real nodes, from one 6-node lab: a pair booted with SysV init, a pair
// whose sshd speaks only OpenSSH 5.3's algorithms, and a pair logged into as sudo users (one
// needing a password, one NOPASSWD). Each kind is confirmed on the node, then deployed,
// checked with status and drilled through the CLI as a user runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labSkipReason, useLab } from './shape.js';
import { IDENTITY_FILE, KNOWN_HOSTS } from '../../src/lab/index.js';
import { LAB_SUDO_PASSWORD_ENV } from '../../src/lab/kinds.js';
import { RSA_IDENTITY_FILE, SUDO_PASSWORD_FILE } from '../../src/lab/paths.js';
import { haops, json } from './cli.js';
import { LAB } from './net.js';

const exec = promisify(execFile);

interface Host {
  address: string;
  user?: string;
}
const hosts = () => parse(readFileSync(LAB, 'utf8')).hosts as Record<string, Host>;
const addr = (name: string) => hosts()[name]!.address;

/** OpenSSH as an operator runs it, with the lab's trust; extra options first. */
function ssh(target: string, command: string, opts: string[] = [], identity = IDENTITY_FILE) {
  return exec('ssh', [
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    '-o',
    'ConnectTimeout=5',
    ...opts,
    '-i',
    identity,
    target,
    command,
  ]);
}

const SHAPE = { nodes: 6, kinds: ['sysv' as const, 'legacy-ssh' as const, 'sudo' as const] };

describe.skipIf(labSkipReason(SHAPE))('node kinds on real nodes: sysv pair, legacy-ssh pair, sudo pair (6-node lab)', () => {
  let env: NodeJS.ProcessEnv;
  useLab(SHAPE);
  beforeAll(() => {
    env = { ...process.env, [LAB_SUDO_PASSWORD_ENV]: readFileSync(SUDO_PASSWORD_FILE, 'utf8').trim() };
  });

  it('sysv nodes run SysV init as PID 1, not systemd', async () => {
    for (const n of ['node1', 'node2']) {
      const { stdout } = await ssh(
        `root@${addr(n)}`,
        'cat /proc/1/comm; test -d /run/systemd/system && echo systemd-running || echo no-systemd',
      );
      expect(stdout.trim().split('\n')).toEqual(['init', 'no-systemd']);
    }
  });

  it('a modern OpenSSH client cannot talk to a legacy-ssh node; with 5.3-era algorithms and the RSA key it can', async () => {
    const modern = ssh(`root@${addr('node3')}`, 'true', ['-o', 'KexAlgorithms=curve25519-sha256'], RSA_IDENTITY_FILE);
    await expect(modern).rejects.toThrow(/no matching key exchange method found/);
    await expect(ssh(`root@${addr('node3')}`, 'true', [], RSA_IDENTITY_FILE)).rejects.toThrow(/no matching key exchange method/);
    const old = [
      '-o',
      'KexAlgorithms=diffie-hellman-group14-sha1',
      '-o',
      'HostKeyAlgorithms=ssh-rsa',
      '-o',
      'PubkeyAcceptedAlgorithms=ssh-rsa',
      '-o',
      'Ciphers=aes128-ctr',
      '-o',
      'MACs=hmac-sha1',
    ];
    await expect(ssh(`root@${addr('node3')}`, 'echo in', old, RSA_IDENTITY_FILE)).resolves.toMatchObject({ stdout: 'in\n' });
    // The ed25519 key is not let in: the node takes an RSA user key, as CentOS 6 users have.
    await expect(ssh(`root@${addr('node3')}`, 'true', old, IDENTITY_FILE)).rejects.toThrow(/Permission denied/);
  });

  it("a sudo node's user needs a password for sudo; the other one's sudo is NOPASSWD", async () => {
    expect([hosts().node5!.user, hosts().node6!.user]).toEqual(['ops', 'deploy']);
    await expect(ssh(`ops@${addr('node5')}`, 'sudo -n true')).rejects.toThrow(/a password is required/);
    await expect(ssh(`deploy@${addr('node6')}`, 'sudo -n id -u')).resolves.toMatchObject({ stdout: '0\n' });
  });

  it('without the sudo password variable, deploy names it and touches nothing', async () => {
    const r = await haops(['deploy', LAB, '--limit', 'node5'], { env: { ...env, [LAB_SUDO_PASSWORD_ENV]: undefined } });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`${LAB_SUDO_PASSWORD_ENV} is not set`));
  });

  it('deploy converges all three pairs; the second deploy changes nothing; the sudo password never shows', async () => {
    const r = await haops(['deploy', LAB, '--json'], { env });
    const report = json(r);
    expect(report.ok, r.stdout + r.stderr).toBe(true);
    expect(report.pairs.map((p: { pair: string; ok: boolean }) => [p.pair, p.ok])).toEqual([
      ['lab', true],
      ['lab2', true],
      ['lab3', true],
    ]);
    expect(r.stdout + r.stderr).not.toContain(env[LAB_SUDO_PASSWORD_ENV]);
    const again = json(await haops(['deploy', LAB, '--json'], { env }));
    expect(again.changed).toBe(0);
  }, 300_000);

  it('on the sysv nodes keepalived and nginx run under init and start at boot from rc links', async () => {
    for (const n of ['node1', 'node2']) {
      const { stdout } = await ssh(
        `root@${addr(n)}`,
        'ls /etc/rc2.d | grep -E "^S[0-9]+(keepalived|nginx)$" | sed "s/^S[0-9]*//"; ps -o ppid= -C keepalived,nginx | sort -n | head -1',
      );
      expect(
        stdout
          .trim()
          .split('\n')
          .map((l) => l.trim()),
      ).toEqual(['keepalived', 'nginx', '1']);
    }
  });

  it('sudo password_file works too: status through sudo on the ops node with the password read from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-kinds-'));
    const file = join(dir, 'lab.yaml');
    writeFileSync(
      file,
      readFileSync(LAB, 'utf8').replace(`password_env: ${LAB_SUDO_PASSWORD_ENV}`, `password_file: ${SUDO_PASSWORD_FILE}`),
    );
    const r = await haops(['status', file, '--json'], { env: { ...env, [LAB_SUDO_PASSWORD_ENV]: undefined } });
    const lab3 = json(r).pairs.find((p: { pair: string }) => p.pair === 'lab3');
    expect(
      lab3.nodes.map((n: { host: string; reachable: boolean; keepalived: boolean }) => [n.host, n.reachable, n.keepalived]),
      r.stdout,
    ).toEqual([
      ['node5', true, true],
      ['node6', true, true],
    ]);
  });

  it('status finds every pair healthy', async () => {
    const r = await haops(['status', LAB, '--json'], { env });
    expect(r.code, r.stdout).toBe(0);
    expect(json(r).pairs.map((p: { pair: string; ok: boolean }) => [p.pair, p.ok])).toEqual([
      ['lab', true],
      ['lab2', true],
      ['lab3', true],
    ]);
  });

  // One drill at a time: each listens for the nodes' notifications on this machine's fixed ports
  // (two at once: EADDRINUSE on 8025 and 2525).
  for (const [pair, kind] of [
    ['lab', 'sysv'],
    ['lab2', 'legacy-ssh'],
    ['lab3', 'sudo'],
  ] as const) {
    it(`a drill on the ${kind} pair fails over and ends as it began`, async () => {
      const r = await haops(['failover-drill', LAB, '--pair', pair, '--json'], { env });
      const report = json(r);
      expect(report.ok, JSON.stringify(report.problems ?? r.stderr)).toBe(true);
      expect(report.rounds[0]).toMatchObject({ endedAsBegan: true });
    }, 120_000);
  }

  it('a whole-node drill on a sysv node stops keepalived with `service` and brings it back', async () => {
    const report = json(await haops(['failover-drill', LAB, '--pair', 'lab', '--node', 'node1', '--json'], { env }));
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect(report.rounds[0].endedAsBegan).toBe(true);
  }, 120_000);
});

// A simulated EL host that runs haops's own scripts in a real `sh` on this machine: every exec is a
// fresh `sh` in private mount, network, PID, UTS and IPC namespaces (unshare), where /etc, /var,
// /root, /opt and /usr are overlays whose upper layers are this host's throwaway root (a temp dir,
// kept across execs), /usr with the stub commands of stubs.ts on top and the commands an EL node
// lacks hidden. Nothing it does reaches this machine's files, network, processes or services.
// Needs root (unshare, overlayfs), which the test machine is; `available()` says when it is not.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecOptions, ExecResult, Host, StreamHandle } from '../../../src/ssh/host.js';
import {
  baseStubs,
  type ElFamily,
  FAMILIES,
  type FamilyProfile,
  HIDDEN,
  iptablesSaveFile,
  iptablesServiceStubs,
  poolStubs,
  STOCK_IPTABLES_INPUT,
  UNIT_STARTS,
} from './stubs.js';

const LAYERS = ['etc', 'var', 'root', 'opt', 'usr'] as const;

/** Whether this machine can run simulated roots (root, unshare, overlayfs). */
export function simRootAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']);
  return r.status === 0;
}

export interface SimRootOptions {
  /** SELinux mode the node reports (`getenforce`). */
  selinux?: 'Enforcing' | 'Permissive' | 'Disabled';
  /** EPEL configured already. */
  epel?: boolean;
  /** The node's addresses, as `ip -o -4 addr show` prints them. */
  addrs?: string[];
  /** firewalld installed but stopped (`firewall-cmd --state`: "not running", exit 252). */
  firewalldStopped?: boolean;
  /** /etc/sudoers as the image ships it (e.g. CentOS 6.7's `Defaults requiretty`); the stub sudo reads it. */
  sudoers?: string;
  /** EPEL 6/7 as it is now: once epel-release is installed, its stock metalink fails every yum run that uses it. */
  epelArchived?: boolean;
  /** EL7 with iptables-services instead of firewalld: running, the stock ruleset ending in REJECT. */
  iptablesServices?: boolean;
}

export class SimElRoot implements Host {
  readonly dir: string;
  readonly profile: FamilyProfile;
  roundTrips = 0;
  /** Every command haops sent, in order. */
  readonly commands: string[] = [];

  constructor(
    readonly family: ElFamily,
    readonly name = `sim-${family}`,
    opts: SimRootOptions = {},
  ) {
    this.profile = FAMILIES[family];
    this.dir = mkdtempSync(join(tmpdir(), `haops-simroot-${family}-`));
    this.build(opts);
  }

  private write(rel: string, content: string, mode = 0o644): void {
    const p = join(this.dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
  }

  private build(opts: SimRootOptions): void {
    const p = this.profile;
    for (const l of LAYERS) {
      mkdirSync(join(this.dir, 'upper', l), { recursive: true });
      mkdirSync(join(this.dir, 'work', l), { recursive: true });
    }
    // The stub layer over /usr: stubs, and whiteouts (0/0 character devices) for what EL lacks.
    const stubUsr = join(this.dir, 'stubs', 'usr');
    for (const d of ['bin', 'sbin']) mkdirSync(join(stubUsr, d), { recursive: true });
    const stubs = baseStubs(p);
    if (opts.firewalldStopped)
      stubs['bin/firewall-cmd'] = '#!/bin/sh\necho "FirewallD is not running" >&2\n[ "$1" = --state ] && echo "not running"\nexit 252\n';
    if (opts.iptablesServices) Object.assign(stubs, iptablesServiceStubs());
    for (const cmd of HIDDEN)
      for (const d of ['bin', 'sbin'])
        if (existsSync(`/usr/${d}/${cmd}`) && !stubs[`${d}/${cmd}`]) execFileSync('mknod', [join(stubUsr, d, cmd), 'c', '0', '0']);
    for (const [rel, body] of Object.entries(stubs)) this.write(join('stubs', 'usr', rel), body, 0o755);
    // /etc as the family has it.
    const etc = (rel: string, content: string, mode = 0o644) => this.write(join('upper', 'etc', rel), content, mode);
    if (p.osRelease) etc('os-release', p.osRelease);
    else execFileSync('mknod', [join(this.dir, 'upper', 'etc', 'os-release'), 'c', '0', '0']);
    etc('redhat-release', `${p.redhatRelease}\n`);
    if (opts.sudoers !== undefined) {
      etc('sudoers', opts.sudoers, 0o440);
      mkdirSync(join(this.dir, 'upper', 'etc', 'sudoers.d'), { recursive: true });
    }
    if (existsSync('/etc/debian_version')) execFileSync('mknod', [join(this.dir, 'upper', 'etc', 'debian_version'), 'c', '0', '0']);
    mkdirSync(join(this.dir, 'upper', 'etc', 'init.d'), { recursive: true });
    mkdirSync(join(this.dir, 'upper', 'etc', 'yum.repos.d'), { recursive: true });
    // The node's state.
    const S = (rel: string, content: string, mode = 0o644) => this.write(join('upper', 'var', 'lib', 'sim', rel), content, mode);
    S(
      'available',
      Object.entries(p.available)
        .map(([n, a]) => `${n} ${a.v} ${a.repo}`)
        .join('\n') + '\n',
    );
    for (const [n, v] of Object.entries(p.installed)) S(`pkgs/${n}`, `${v}\n`);
    if (opts.epel) S('pkgs/epel-release', '7-14\n');
    if (opts.epelArchived) S('epel_archived', '');
    S('selinux', `${opts.selinux ?? 'Disabled'}\n`);
    S('sysctl/net.ipv4.ip_nonlocal_bind', '0\n');
    S('addrs', (opts.addrs ?? ['2: eth0    inet 10.9.0.11/24 brd 10.9.0.255 scope global eth0']).join('\n') + '\n');
    mkdirSync(join(this.dir, 'upper', 'var', 'lib', 'sim', 'svc'), { recursive: true });
    mkdirSync(join(this.dir, 'upper', 'var', 'lib', 'sim', 'units'), { recursive: true });
    for (const [n, body] of Object.entries(UNIT_STARTS)) S(`unitpool/${n}`, `case $1 in start) ;; esac\n${body}\n`);
    for (const [pkg, files] of Object.entries(poolStubs(p)))
      for (const [rel, body] of Object.entries(files)) S(join('pool', pkg, rel), body, 0o755);
    if (opts.iptablesServices) {
      S('iptables.live', `${STOCK_IPTABLES_INPUT.join('\n')}\n`);
      etc('sysconfig/iptables', iptablesSaveFile(STOCK_IPTABLES_INPUT), 0o600);
      this.write('upper/usr/libexec/iptables/iptables.init', '#!/bin/sh\nexit 0\n', 0o755);
      S('units/iptables', 'exit 0\n');
      S('svc/iptables.running', '');
      S('svc/iptables.enabled', '');
    }
    // sshd runs on every node (its unit is known; haops never touches it).
    S('units/sshd', 'exit 0\n');
  }

  /** The shell that sets up the namespace's mounts, then holds the namespaces open. */
  private setup(): string {
    const d = this.dir;
    const ov = (l: string, lower: string) =>
      `mount -t overlay sim -o lowerdir=${lower},upperdir=${d}/upper/${l},workdir=${d}/work/${l} /${l}`;
    return [
      'set -e',
      ...LAYERS.map((l) => ov(l, l === 'usr' ? `${d}/stubs/usr:/usr` : `/${l}`)),
      'mount -t tmpfs sim /run',
      // The node's own /tmp (keepalived's state dump lands there): never this machine's.
      'mount -t tmpfs sim /tmp',
      this.profile.systemd ? 'mkdir -p /run/systemd/system' : ':',
      `hostname ${this.name}`,
      'echo ready',
      // Held open: every exec enters these namespaces (nsenter), so a detached job outlives its exec as on a real node.
      'exec sleep 2147483647',
    ].join('\n');
  }

  private holder: { pid: number; kill: () => void } | null = null;

  /** The namespaces' init (sleep, PID 1 inside), started once per host. */
  private async namespaces(): Promise<number> {
    if (this.holder) return this.holder.pid;
    const p = spawn('unshare', ['-m', '-n', '-p', '-f', '-u', '-i', '--mount-proc', '--propagation', 'private', 'sh', '-c', this.setup()], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    await new Promise<void>((resolve, reject) => {
      p.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
      p.on('close', (code) => reject(new Error(`the simulated root did not start (exit ${code}): ${err}`)));
    });
    p.unref();
    // unshare -f forks: the namespaces' PID 1 is its only child.
    const child = Number(readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    this.holder = {
      pid: child,
      kill: () => {
        try {
          process.kill(child, 'SIGKILL'); // PID 1 of the namespaces: everything in them ends with it
        } catch {}
        p.kill('SIGKILL');
      },
    };
    process.once('exit', this.holder.kill); // a test that dies before close() leaves no namespace behind
    return child;
  }

  /**
   * One command in the node's namespaces as a live process (stdin/stdout/stderr streams), as an
   * sshd would run it for a login; `env` adds to the login environment (e.g. USER for the stub sudo).
   */
  async spawn(command: string, env: Record<string, string> = {}): Promise<ChildProcessWithoutNullStreams> {
    this.roundTrips++;
    this.commands.push(command);
    const pid = await this.namespaces();
    return spawn('nsenter', ['-t', String(pid), '-m', '-n', '-p', '-u', '-i', '--wd=/root', 'sh', '-c', command], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C', ...env },
    });
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const t0 = Date.now();
    const p = await this.spawn(command);
    return new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined;
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ command, code: code ?? 255, stdout, stderr, durationMs: Date.now() - t0 });
      });
      // A command that exits before reading its stdin closes the pipe: EPIPE is no failure of the command.
      p.stdin.on('error', () => undefined);
      p.stdin.end(opts.stdin ?? '');
    });
  }

  stream(): Promise<StreamHandle> {
    return Promise.reject(new Error('the simulated EL root does not stream'));
  }

  /** A file of the node, as the node sees it (reads the overlay's upper layer, else this machine's). */
  read(path: string): string | null {
    for (const l of LAYERS) {
      if (path.startsWith(`/${l}/`)) {
        const up = join(this.dir, 'upper', l, path.slice(l.length + 2));
        if (existsSync(up)) return readFileSync(up, 'utf8');
        return null;
      }
    }
    return null;
  }

  async close(): Promise<void> {
    this.holder?.kill();
    this.holder = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

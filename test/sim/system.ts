// A simulated EL system: installed packages, services and files in memory, and the commands
// haops sends, answered exactly as CentOS 6.10 / 7.9 / Rocky 9 print them (el-transcripts.md).

import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { nginxTest } from './nginx-t.js';
import { PACKAGE_FILES, PROFILES, type Profile, type SimOs } from './profiles.js';
import {
  eolYumFailure,
  firewallCmd,
  iptables,
  iptablesService,
  preparedElState,
  savedIptables,
  selinuxCommand,
  stockElState,
  type ElState,
} from './el-system.js';

export interface Output {
  stdout: string;
  stderr: string;
  code: number;
}

export interface SimFile {
  content: string;
  mode: string; // '644'
  owner: string;
}

export interface SimService {
  enabled: boolean;
  active: boolean;
  /** systemd 219 (EL7) prints `unknown` from is-active for a unit never loaded. */
  loaded: boolean;
  pid: number;
}

export class SimSystem {
  readonly profile: Profile;
  readonly packages = new Map<string, string>(); // name -> VERSION-RELEASE
  readonly services = new Map<string, SimService>();
  readonly files = new Map<string, SimFile>();
  readonly dirs = new Set(['/', '/etc', '/tmp', '/var', '/var/run', '/usr', '/usr/local', '/usr/local/bin', '/etc/yum.repos.d']);
  private nextPid = 1925;
  /** Per installed package: its MODULARITYLABEL (`(none)` outside any module stream). */
  readonly modularity = new Map<string, string>();
  /** The enabled nginx module stream (EL8/9), null when none is. */
  nginxStream: string | null = null;
  /** Firewall, SELinux, EPEL and mirror state beyond packages (el-system.ts). */
  readonly el: ElState;

  /** `stock`: as installed (firewall on, SELinux enforcing on 7/9, no EPEL); else a node prepared by hand. */
  constructor(os: SimOs, opts: { stock?: boolean } = {}) {
    this.profile = PROFILES[os];
    this.el = opts.stock ? stockElState(os) : preparedElState(os);
    // A prepared EL6/7 node got EPEL the usual way: epel-release is installed.
    const epel = this.profile.repo['epel-release'];
    if (!opts.stock && epel) this.packages.set('epel-release', `${epel.version}-${epel.release}`);
    for (const [path, content] of Object.entries(this.profile.files)) this.files.set(path, { content, mode: '644', owner: 'root:root' });
    // CentOS 6's stock sysctl.conf (procps 3.2.8) [R: its opening keys, abridged]; the others ship one of comments only.
    this.files.set('/etc/sysctl.conf', {
      content:
        os === 'centos6'
          ? '# Kernel sysctl configuration file for Red Hat Linux\n#\n# Controls IP packet forwarding\nnet.ipv4.ip_forward = 0\n\n# Controls source route verification\nnet.ipv4.conf.default.rp_filter = 1\n'
          : '# sysctl settings are defined through files in\n# /usr/lib/sysctl.d/, /run/sysctl.d/, and /etc/sysctl.d/.\n',
      mode: '644',
      owner: 'root:root',
    });
    this.dirs.add('/etc/sysctl.d');
  }

  /** Runs one simple command (argv already split); unknown commands behave as bash's "command not found". */
  run(argv: string[]): Output {
    const [cmd, ...args] = argv;
    switch (cmd) {
      case 'cat':
        return this.cat(args[0]!);
      case 'rpm':
        return this.rpm(args);
      case 'yum':
        // `yum -q repolist` (the mirror pre-flight): fails the way an install does when the mirror list is gone.
        if (args.includes('repolist') && this.profile.packageManager === 'yum')
          return this.el.eol ? eolYumFailure(this.profile.os === 'centos6') : ok('');
        return this.profile.packageManager === 'yum' || this.profile.os === 'rocky9' || this.profile.os === 'rocky8'
          ? this.install(args)
          : notFound(cmd);
      case 'dnf':
        if (this.profile.packageManager !== 'dnf') return notFound(cmd);
        return args.includes('module') ? this.module(args.filter((a) => a !== '-y' && a !== '-q')) : this.install(args);
      case 'chkconfig':
        return this.profile.systemd ? notFound(cmd) : this.chkconfig(args);
      case 'service':
        return this.service(args);
      case 'systemctl':
        return this.profile.systemd ? this.systemctl(args) : notFound(cmd);
      case 'keepalived':
        return this.keepalived(args);
      case 'nginx':
        return this.nginx(args);
      case 'firewall-cmd':
        return firewallCmd(this.el, args, this.profile.os === 'rocky9');
      case 'iptables':
        return this.el.firewall === 'iptables' ? iptables(this.el, args) : notFound(cmd);
      default:
        return (
          selinuxCommand(
            this.el,
            argv,
            { exists: (p) => this.files.has(p), semanage: this.hasSemanage() },
            this.profile.os === 'rocky9' || this.profile.os === 'rocky8',
          ) ?? notFound(cmd ?? '')
        );
    }
  }

  /** semanage comes with policycoreutils-python (EL7) or policycoreutils-python-utils (EL8/9). */
  hasSemanage(): boolean {
    return this.packages.has('policycoreutils-python') || this.packages.has('policycoreutils-python-utils');
  }

  sha256sum(path: string): Output {
    const f = this.files.get(path);
    if (!f) return { stdout: '', stderr: `sha256sum: ${path}: No such file or directory\n`, code: 1 };
    return { stdout: `${createHash('sha256').update(f.content).digest('hex')}  ${path}\n`, stderr: '', code: 0 };
  }

  private cat(path: string): Output {
    if (path === '/etc/sysconfig/iptables' && this.el.firewall === 'iptables') return ok(savedIptables(this.el));
    const f = this.files.get(path);
    return f ? ok(f.content) : { stdout: '', stderr: `cat: ${path}: No such file or directory\n`, code: 1 };
  }

  /** `rpm -q [--qf FORMAT] NAME...`: one answer per name, in order; exits with the number not installed. */
  private rpm(args: string[]): Output {
    const qf = args.indexOf('--qf');
    const names = args.filter((a, i) => a !== '-q' && i !== qf && i !== qf + 1);
    let stdout = '';
    let missing = 0;
    for (const name of names) {
      const v = this.packages.get(name);
      if (!v) {
        stdout += `package ${name} is not installed\n`;
        missing++;
        continue;
      }
      stdout +=
        qf >= 0
          ? args[qf + 1]!.replace('%{NAME}', name)
              .replace('%{VERSION}', v.split('-')[0]!)
              .replace('%{RELEASE}', v.split('-').slice(1).join('-'))
              .replace('%{MODULARITYLABEL}', this.modularity.get(name) ?? '(none)')
              .replace(/\\n/g, '\n')
          : `${name}-${v}.x86_64\n`;
    }
    return { stdout, stderr: '', code: missing };
  }

  /**
   * `dnf module list|enable|reset nginx` as dnf 4 prints them (el-transcripts-extra.md EX-6): one
   * table per repository then the hint line; enabling while another stream is enabled fails.
   */
  private module(args: string[]): Output {
    const streams = this.profile.nginxStreams;
    const [, verb, spec = ''] = args;
    const [name, stream] = spec.split(':');
    if (!streams || name !== 'nginx')
      return { stdout: '', stderr: `Error: Problems in request:\nmissing groups or modules: ${spec}\n`, code: 1 };
    const rule = '='.repeat(80);
    if (verb === 'list') {
      const rows = streams.map((s) => {
        const marks = `${s.default ? '[d]' : ''}${this.nginxStream === s.stream ? '[e]' : ''}`;
        const installed = this.modularity.get('nginx')?.startsWith(`nginx:${s.stream}:`) ? ' [i]' : '';
        return `nginx      ${`${s.stream}${marks ? ` ${marks}` : ''}`.padEnd(14)}common [d]${installed}     nginx webserver`;
      });
      const repo = this.profile.os === 'rocky8' ? 'Rocky Linux 8 - AppStream' : 'Rocky Linux 9 - AppStream';
      return ok(
        `${repo}\nName       Stream        Profiles       Summary\n${rows.join('\n')}\n\nHint: [d]efault, [e]nabled, [x]disabled, [i]nstalled\n`,
      );
    }
    if (verb === 'enable') {
      if (!streams.some((s) => s.stream === stream))
        return { stdout: '', stderr: `Error: Problems in request:\nmissing groups or modules: ${spec}\n`, code: 1 };
      if (this.nginxStream === stream) return ok('Dependencies resolved.\nNothing to do.\nComplete!\n');
      if (this.nginxStream !== null)
        return {
          stdout: 'Dependencies resolved.\n',
          stderr:
            "The operation would result in switching of module 'nginx' stream '" +
            `${this.nginxStream}' to stream '${stream}'\nError: It is not possible to switch enabled streams of a module unless explicitly enabled via configuration option module_stream_switch.\n` +
            "It is recommended to rather remove all installed content from the module, and reset the module using 'dnf module reset <module_name>' command. After you reset the module, you can install the other stream.\n",
          code: 1,
        };
      this.nginxStream = stream!;
      return ok(
        `Dependencies resolved.\n${rule}\n Package          Architecture    Version          Repository        Size\n${rule}\nEnabling module streams:\n nginx                            ${stream}\n\nTransaction Summary\n${rule}\n\nComplete!\n`,
      );
    }
    if (verb === 'reset') {
      if (this.nginxStream === null) return ok('Dependencies resolved.\nNothing to do.\nComplete!\n');
      this.nginxStream = null;
      return ok(
        `Dependencies resolved.\n${rule}\n Package          Architecture    Version          Repository        Size\n${rule}\nResetting modules:\n nginx\n\nTransaction Summary\n${rule}\n\nComplete!\n`,
      );
    }
    return { stdout: '', stderr: `sim: dnf module ${args.join(' ')} is not simulated\n`, code: 2 };
  }

  /** The nginx a dnf install gives now: the enabled stream's, else EL8's default stream's, else the plain package. */
  private nginxBuild(): { version: string; release: string; label: string | null } {
    const streams = this.profile.nginxStreams ?? [];
    const s =
      streams.find((x) => x.stream === this.nginxStream) ?? (this.profile.os === 'rocky8' ? streams.find((x) => x.default) : undefined);
    return s ?? { ...this.profile.repo.nginx!, label: null };
  }

  private install(args: string[]): Output {
    const names = args.filter((a) => !a.startsWith('-') && a !== 'install');
    const p = this.profile;
    const archive = args.includes('--enablerepo=haops-*') && this.files.get('/etc/yum.repos.d/haops-archive.repo');
    if (this.el.eol && !archive) return eolYumFailure(p.os === 'centos6');
    // EPEL packages resolve once epel-release (or haops' archive EPEL section) is there.
    const epel = (this.el.epelConfigured || this.packages.has('epel-release')) && (!archive || archive.content.includes('[haops-epel]'));
    const missing = names.filter((n) => !p.repo[n] || (p.repo[n]!.repo === 'epel' && !epel));
    const fresh = names.filter((n) => p.repo[n] && !this.packages.has(n));
    for (const n of fresh) this.installPackage(n);
    if (p.packageManager === 'dnf') {
      const head = 'Last metadata expiration check: 0:03:33 ago on Wed Jul 15 05:05:49 2026.\n';
      const nf = missing.map((n) => `No match for argument: ${n}\n`).join('');
      if (missing.length) return { stdout: head + nf, stderr: `Error: Unable to find a match: ${missing.join(' ')}\n`, code: 1 };
      if (!fresh.length)
        return ok(
          head +
            names.map((n) => `Package ${n}-${nevra(p, n)} is already installed.\n`).join('') +
            'Dependencies resolved.\nNothing to do.\nComplete!\n',
        );
      return ok(
        head +
          'Dependencies resolved.\n' +
          table(p, fresh) +
          `\nTransaction Summary\n${'='.repeat(80)}\nInstall  ${fresh.length} Package${fresh.length > 1 ? 's' : ''}\n\n` +
          'Downloading Packages:\nRunning transaction check\nTransaction check succeeded.\nRunning transaction test\nTransaction test succeeded.\nRunning transaction\n' +
          fresh.map((n, i) => `  Installing       : ${n}-${nevra(p, n)}   ${i + 1}/${fresh.length}\n`).join('') +
          `\nInstalled:\n${fresh.map((n) => `  ${n}-${p.repo[n]!.version}-${p.repo[n]!.release}.x86_64\n`).join('')}\nComplete!\n`,
      );
    }
    const head =
      'Loaded plugins: fastestmirror\n' +
      (p.os === 'centos6' ? 'Setting up Install Process\n' : '') +
      'Loading mirror speeds from cached hostfile\n * base: mirrors.sina.cn\n * extras: mirrors.sina.cn\n * updates: mirrors.sina.cn\n';
    const nf = missing.map((n) => `No package ${n} available.\n`).join('');
    const already = names
      .filter((n) => p.repo[n] && !fresh.includes(n))
      .map(
        (n) =>
          `Package ${p.repo[n]!.epoch ? `${p.repo[n]!.epoch}:` : ''}${n}-${p.repo[n]!.version}-${p.repo[n]!.release}.x86_64 already installed and latest version\n`,
      )
      .join('');
    if (!fresh.length) {
      return missing.length === names.length
        ? { stdout: head + nf, stderr: 'Error: Nothing to do\n', code: 1 }
        : ok(head + already + nf + 'Nothing to do\n');
    }
    const summary =
      p.os === 'centos6'
        ? `Install       ${fresh.length} Package(s)\n`
        : `Install  ${fresh.length} Package${fresh.length > 1 ? 's' : ''}\n`;
    return ok(
      head +
        already +
        nf +
        'Resolving Dependencies\n--> Running transaction check\n' +
        fresh
          .map((n) => `---> Package ${n}.x86_64 ${p.repo[n]!.epoch ?? 0}:${p.repo[n]!.version}-${p.repo[n]!.release} will be installed\n`)
          .join('') +
        '--> Finished Dependency Resolution\n\nDependencies Resolved\n\n' +
        table(p, fresh) +
        `\nTransaction Summary\n${'='.repeat(100)}\n${summary}\n` +
        'Downloading Packages:\n' +
        (p.os === 'centos6' ? 'Running rpm_check_debug\n' : '') +
        'Running Transaction Test\nTransaction Test Succeeded\nRunning Transaction\n' +
        fresh
          .map(
            (n, i) => `  Installing : ${n}-${p.repo[n]!.version}-${p.repo[n]!.release}.x86_64${' '.repeat(40)}${i + 1}/${fresh.length} \n`,
          )
          .join('') +
        `\nInstalled:\n${fresh.map((n) => `  ${n}.x86_64 ${p.repo[n]!.epoch ?? 0}:${p.repo[n]!.version}-${p.repo[n]!.release}\n`).join('')}\nComplete!\n`,
    );
  }

  private installPackage(name: string): void {
    const r = name === 'nginx' ? this.nginxBuild() : this.profile.repo[name]!;
    this.packages.set(name, `${r.version}-${r.release}`);
    if (name === 'nginx' && this.profile.nginxStreams) {
      const label = this.nginxBuild().label;
      if (label) {
        this.modularity.set(name, label);
        // Installing from a default stream enables it (dnf 4 on EL8).
        this.nginxStream ??= label.split(':')[1]!;
      }
    }
    this.services.set(name, { enabled: false, active: false, loaded: false, pid: 0 });
    for (const [path, content] of Object.entries(PACKAGE_FILES[name] ?? {})) {
      for (let d = posix.dirname(path); d !== '/'; d = posix.dirname(d)) this.dirs.add(d);
      this.files.set(path, { content, mode: '644', owner: 'root:root' });
    }
    if (name === 'nginx') this.dirs.add('/etc/nginx/conf.d');
  }

  private chkconfig(args: string[]): Output {
    const name = args[0] === '--list' ? args[1]! : args[0]!;
    const svc = this.services.get(name);
    if (!svc) return { stdout: '', stderr: `error reading information on service ${name}: No such file or directory\n`, code: 1 };
    if (args[0] === '--list') {
      const levels = [0, 1, 2, 3, 4, 5, 6].map((i) => `\t${i}:${svc.enabled && i >= 2 && i <= 5 ? 'on' : 'off'}`).join('');
      return ok(`${name.padEnd(15)}${levels}\n`);
    }
    if (args[1] === 'on') svc.enabled = true;
    if (args[1] === 'off') svc.enabled = false;
    return ok('');
  }

  private service(args: string[]): Output {
    const [name, verb] = args as [string, string];
    if (this.profile.systemd) {
      const r = this.systemctl([verb, name]);
      return { ...r, stderr: `Redirecting to /bin/systemctl ${verb} ${name}.service\n${r.stderr}` };
    }
    if (name === 'iptables') return iptablesService(this.el, verb);
    const svc = this.services.get(name);
    if (!svc) return { stdout: '', stderr: `${name}: unrecognized service\n`, code: 1 };
    switch (verb) {
      case 'status':
        return svc.active ? ok(`${name} (pid  ${svc.pid}) is running...\n`) : { stdout: `${name} is stopped\n`, stderr: '', code: 3 };
      case 'start':
        if (svc.active) return ok('');
        if (name === 'keepalived' && !this.files.has('/etc/keepalived/keepalived.conf')) return { stdout: '', stderr: '', code: 6 };
        this.startService(svc);
        return ok(`Starting ${name}: [  OK  ]\r\n`);
      case 'reload':
        if (!svc.active) return { stdout: '', stderr: '', code: 7 };
        return ok(`Reloading ${name}: [  OK  ]\r\n`);
      case 'restart':
        this.startService(svc);
        return ok(`Stopping ${name}: [  OK  ]\r\nStarting ${name}: [  OK  ]\r\n`);
      default:
        return { stdout: `Usage: ${name} {start|stop|status|restart|condrestart|try-restart|reload|force-reload}\n`, stderr: '', code: 2 };
    }
  }

  private startService(svc: SimService): void {
    svc.active = true;
    svc.loaded = true;
    svc.pid = this.nextPid++;
  }

  private systemctl(args: string[]): Output {
    const [verb, unit] = args as [string, string];
    const name = unit.replace(/\.service$/, '');
    const svc = this.services.get(name);
    const el7 = this.profile.os === 'centos7';
    const unitPath = `/usr/lib/systemd/system/${name}.service`;
    const wants = `/etc/systemd/system/multi-user.target.wants/${name}.service`;
    switch (verb) {
      // One line per unit, in order, exit 0 when any is enabled; a unit it cannot read ends the list.
      case 'is-enabled': {
        let stdout = '';
        let any = false;
        for (const u of args.slice(1)) {
          const one = this.services.get(u.replace(/\.service$/, ''));
          if (!one)
            return {
              stdout,
              stderr: `Failed to get unit file state for ${u.replace(/\.service$/, '')}.service: No such file or directory\n`,
              code: 1,
            };
          stdout += one.enabled ? 'enabled\n' : 'disabled\n';
          any ||= one.enabled;
        }
        return { stdout, stderr: '', code: any ? 0 : 1 };
      }
      // One line per unit, in order, exit 0 when any is active.
      case 'is-active': {
        const states = args.slice(1).map((u) => {
          const one = this.services.get(u.replace(/\.service$/, ''));
          return one?.active ? 'active' : el7 && !one?.loaded ? 'unknown' : 'inactive';
        });
        return { stdout: states.map((st) => `${st}\n`).join(''), stderr: '', code: states.includes('active') ? 0 : 3 };
      }
      case 'enable':
        if (!svc)
          return {
            stdout: '',
            stderr: el7
              ? 'Failed to execute operation: No such file or directory\n'
              : `Failed to enable unit: Unit file ${name}.service does not exist.\n`,
            code: 1,
          };
        if (svc.enabled) return ok('');
        svc.enabled = true;
        return {
          stdout: '',
          stderr: el7 ? `Created symlink from ${wants} to ${unitPath}.\n` : `Created symlink ${wants} → ${unitPath}.\n`,
          code: 0,
        };
      case 'start':
      case 'restart':
        if (!svc) return { stdout: '', stderr: `Failed to ${verb} ${name}.service: Unit not found.\n`, code: 5 };
        this.startService(svc);
        return ok('');
      case 'reload':
        if (!svc) return { stdout: '', stderr: `Failed to reload ${name}.service: Unit not found.\n`, code: 5 };
        if (!svc.active) return { stdout: '', stderr: `${name}.service is not active, cannot reload.\n`, code: 1 };
        return ok('');
      default:
        return { stdout: '', stderr: `Unknown operation '${verb}'.\n`, code: 1 };
    }
  }

  private keepalived(args: string[]): Output {
    if (!this.packages.has('keepalived')) return notFound('keepalived');
    if (args[0] === '-v') return { stdout: '', stderr: this.profile.keepalivedV, code: 0 };
    if (args[0] === '-t') {
      // 1.x: getopt complains and keepalived exits 0 having tested nothing.
      if (!this.profile.keepalivedConfigTest) return { stdout: '', stderr: `keepalived: invalid option -- 't'\n`, code: 0 };
      const path = args[args.indexOf('-f') + 1] ?? '/etc/keepalived/keepalived.conf';
      const f = this.files.get(path);
      if (!f) return { stdout: '', stderr: `Configuration file '${path}' does not exist\n`, code: 4 };
      const bad = f.content.split('\n').findIndex((l) => /^\s*invalid\b/.test(l));
      return bad < 0 ? ok('') : { stdout: '', stderr: `(Line ${bad + 1}) Unknown keyword 'invalid'\n`, code: 5 };
    }
    return { stdout: '', stderr: `keepalived: invalid option -- '${args[0]?.replace(/^-/, '')}'\n`, code: 0 };
  }

  private nginx(args: string[]): Output {
    const installed = this.packages.get('nginx');
    if (!installed) return notFound('nginx');
    // The build installed (a module stream's on EL8/9), not the plain package's.
    const version = installed.split('-')[0]!;
    if (args[0] !== '-t') return { stdout: '', stderr: `nginx version: nginx/${version}\n`, code: 0 };
    return nginxTest(this.files, version, this.profile.os === 'rocky9' ? '3' : '1.x');
  }
}

export const ok = (stdout: string): Output => ({ stdout, stderr: '', code: 0 });

export const notFound = (cmd: string): Output => ({ stdout: '', stderr: `bash: ${cmd}: command not found\n`, code: 127 });

function nevra(p: Profile, n: string): string {
  const r = p.repo[n]!;
  return `${r.epoch ? `${r.epoch}:` : ''}${r.version}-${r.release}.x86_64`;
}

function table(p: Profile, names: string[]): string {
  const rule = '='.repeat(p.packageManager === 'dnf' ? 80 : 100);
  const rows = names
    .map(
      (n) =>
        ` ${n.padEnd(32)} x86_64   ${`${p.repo[n]!.epoch ? `${p.repo[n]!.epoch}:` : ''}${p.repo[n]!.version}-${p.repo[n]!.release}`.padEnd(28)} ${p.repo[n]!.repo.padEnd(16)} ${p.repo[n]!.size}\n`,
    )
    .join('');
  return `${rule}\n Package                          Arch     Version                      Repository       Size\n${rule}\nInstalling:\n${rows}`;
}

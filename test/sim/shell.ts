// The simulator's reading of what haops sends. Not a shell: it knows haops' script shapes
// (facts probes, content fetch, file put) and single commands, answers each probe or step
// from the SimSystem, and refuses anything else loudly so a test notices a new command.

import { posix } from 'node:path';
import { NGINX_RELOAD_HEADER } from '../../src/protocol/nginx-reload.js';
import { PUT, PUT_HEADER } from '../../src/protocol/put.js';
import { SYSTEM_HEADER } from '../../src/protocol/system.js';
import { ok, type Output, type SimSystem } from './system.js';

/** Splits one command line into words: bare, '…' and "…" (with $var from env). */
export function words(line: string, env: Record<string, string> = {}): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(m[2].replace(/\$(\w+)/g, (_, v: string) => env[v] ?? ''));
    else out.push(m[3]!);
  }
  return out;
}

const merged = (o: Output) => o.stdout + o.stderr;

export function runCommand(sys: SimSystem, command: string, stdin: string): Output {
  const first = command.split('\n')[0];
  if (first === '# haops facts v2') return facts(sys, command);
  if (first === '# haops contents v2') return contents(sys, command);
  if (first === PUT_HEADER) return put(sys, command, stdin);
  if (first === SYSTEM_HEADER) return system(sys, command);
  if (first === NGINX_RELOAD_HEADER) return nginxReload(sys, command);
  // A start or handler also clears the markers of handlers the service owed (protocol/commands.ts settled).
  const settled = /^(.*) && rm -f \/var\/lib\/haops\/pending\/([A-Za-z0-9_.@-]+)\.\*$/.exec(command);
  if (settled) {
    const o = runCommand(sys, settled[1]!, stdin);
    if (o.code === 0) for (const m of [...pendingOf(sys)]) if (m.startsWith(`${settled[2]}.`)) pendingOf(sys).delete(m);
    return o;
  }
  const pipeHead = /^(.*) 2>&1 \| head -1$/.exec(command);
  if (pipeHead) return ok(merged(sys.run(words(pipeHead[1]!))).split('\n')[0] + '\n');
  if (/[;&|<>`$\n]/.test(command)) return { stdout: '', stderr: `sim: unsupported command shape: ${command}\n`, code: 2 };
  return sys.run(words(command));
}

/**
 * protocol/nginx-reload.ts: the platform's reload command (its RELOAD line), then the nginx
 * markers cleared. A simulated nginx has no workers: its reload takes at once.
 */
function nginxReload(sys: SimSystem, script: string): Output {
  const reload = /^RELOAD='([^']*)'$/m.exec(script);
  if (!reload) return { stdout: '', stderr: 'sim: nginx reload without its RELOAD line\n', code: 2 };
  const o = sys.run(words(reload[1]!));
  if (o.code === 0) for (const m of [...pendingOf(sys)]) if (m.startsWith('nginx.')) pendingOf(sys).delete(m);
  return o;
}

function probe(sys: SimSystem, kind: string, arg: string): Output {
  const systemd = sys.profile.systemd;
  switch (kind) {
    case 'os_release':
    case 'redhat_release': {
      // lines(): the file's lines by the shell's read, each ending in a newline.
      const path = kind === 'os_release' ? '/etc/os-release' : '/etc/redhat-release';
      const f = sys.files.get(path);
      return f
        ? ok(f.content.endsWith('\n') || f.content === '' ? f.content : `${f.content}\n`)
        : { stdout: `cannot read ${path}\n`, stderr: '', code: 1 };
    }
    case 'container':
      // systemd-detect-virt on a VM (EL7+); CentOS 6 has none, and the script says none itself.
      return systemd ? { stdout: 'none\n', stderr: '', code: 1 } : ok('none\n');
    case 'owner': {
      const f = sys.files.get(arg);
      if (!f) return ok('missing\n');
      return ok(/Managed by haops/.test(f.content.split('\n').slice(0, 3).join('\n')) ? 'haops\n' : 'foreign\n');
    }
    case 'pm':
      return ok(sys.profile.packageManager === 'dnf' ? '/usr/bin/dnf\n' : '/usr/bin/yum\n');
    case 'init':
      return ok(systemd ? 'systemd\n' : 'sysv\n');
    case 'keepalived_version':
      return ok(merged(sys.run(['keepalived', '-v'])).split('\n')[0] + '\n');
    case 'nginx_version':
      return ok(merged(sys.run(['nginx', '-v'])).split('\n')[0] + '\n');
    case 'enabled':
      return sys.run(systemd ? ['systemctl', 'is-enabled', arg] : ['chkconfig', '--list', arg]);
    case 'active':
      return sys.run(systemd ? ['systemctl', 'is-active', arg] : ['service', arg, 'status']);
    case 'file': {
      const f = sys.files.get(arg);
      return f ? ok(sys.sha256sum(arg).stdout + `${f.mode} ${f.owner}\n`) : ok('missing\n');
    }
    case 'pending':
      return ok([...pendingOf(sys)].map((m) => `${m}\n`).join(''));
    case 'firewall':
      return firewallProbe(sys, arg);
    case 'selinux': {
      const mode = sys.run(['getenforce']);
      return ok(mode.stdout + (sys.hasSemanage() ? '/usr/sbin/semanage\n' : ''));
    }
    case 'secontext': {
      const stat = sys.run(['stat', '-c', '%C', arg]);
      return ok((stat.code === 0 ? stat.stdout : 'missing\n') + sys.run(['matchpathcon', '-n', arg]).stdout);
    }
    case 'sebool':
      return sys.run(['getsebool', arg]);
    case 'seports':
      return sys.run(['semanage', 'port', '-l']);
    case 'sysctl': {
      // probe_sysctl: the running value, then grep -H of the lines that persist it.
      const v = sys.run(['sysctl', '-n', arg]);
      const key = new RegExp(`^\\s*${arg.replace(/\./g, '\\.')}\\s*=`);
      const lines = ['/etc/sysctl.conf', '/etc/sysctl.d/90-haops.conf'].flatMap((f) =>
        (sys.files.get(f)?.content ?? '')
          .split('\n')
          .filter((l) => key.test(l))
          .map((l) => `${f}:${l}\n`),
      );
      return ok(v.stdout + lines.join(''));
    }
    case 'repos': {
      // probe_repos: yum only (EL6/7), and only while a wanted package is missing; stdout dropped.
      if (sys.profile.packageManager !== 'yum') return ok('skipped\n');
      if (words(arg).every((p) => sys.packages.has(p))) return ok('skipped\n');
      const o = sys.run(['yum', '-q', 'repolist']);
      return { stdout: o.stderr, stderr: '', code: o.code };
    }
    case 'module': {
      if (sys.profile.packageManager !== 'dnf') return ok('none\n');
      if (sys.packages.has(arg)) return ok(`installed ${sys.run(['rpm', '-q', '--qf', '%{MODULARITYLABEL}', arg]).stdout}\n`);
      const o = sys.run(['dnf', '-q', 'module', 'list', arg]);
      return { stdout: merged(o), stderr: '', code: o.code };
    }
    case 'content': {
      const f = sys.files.get(arg);
      return f ? ok(f.content) : { stdout: 'missing\n', stderr: '', code: 2 };
    }
    default:
      return { stdout: '', stderr: `sh: probe_${kind}: not found\n`, code: 127 };
  }
}

/** The values a bound script assigns before its text (protocol/script.ts: `NAME='value'` lines). */
function assigned(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of script.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = words(m[2]!)[0] ?? '';
  }
  return out;
}

const section = (kind: string, o: Output) => `@@haops ${kind}\n${merged(o)}\n@@haops rc ${o.code}\n`;
const list = (v: string | undefined) => (v ?? '').split(' ').filter(Boolean);

/** is-enabled and is-active words whose exit status the facts script knows: their batch answer stands. */
const KNOWN_WORDS: Record<string, string[]> = {
  'is-enabled': ['enabled', 'disabled'],
  'is-active': ['active', 'inactive', 'failed', 'unknown'],
};

// The facts script (src/protocol/facts.ts) as it runs on this system, from the values bound to it.
function facts(sys: SimSystem, script: string): Output {
  const v = assigned(script);
  const systemd = sys.profile.systemd;
  let out = '';
  const ask = (kind: string, arg = '') => (out += section(arg ? `${kind} ${arg}` : kind, probe(sys, kind, arg)));
  ask('os_release');
  ask('redhat_release');
  ask('pm');
  ask('init');
  const packages = list(v.PACKAGES);
  if (packages.length) {
    // rpm's branch (no dpkg-query on EL): curl-minimal asked beside curl.
    const names = packages.includes('curl') ? [...packages, 'curl-minimal'] : packages;
    out += section(`packages ${packages.join(' ')}`, sys.run(['rpm', '-q', '--qf', '%{NAME} %{VERSION}-%{RELEASE}\\n', ...names]));
  }
  ask('keepalived_version');
  if (v.NGINX) ask('nginx_version');
  ask('container');
  const services = list(v.SERVICES);
  for (const [verb, kind] of [
    ['is-enabled', 'enabled'],
    ['is-active', 'active'],
  ] as const) {
    const batch = systemd && services.length ? sys.run(['systemctl', verb, ...services]) : null;
    const said = batch ? merged(batch).split(/\s+/).filter(Boolean) : [];
    if (batch && said.length === services.length && said.every((w) => KNOWN_WORDS[verb]!.includes(w)))
      out += section(`units ${verb}`, ok(`${said.join('\n')}\n`));
    else for (const s of services) ask(kind, s);
  }
  const files = list(v.FILES);
  if (files.length) {
    const present = files.filter((f) => sys.files.has(f));
    const body = [
      ...files.filter((f) => !sys.files.has(f)).map((f) => `missing ${f}\n`),
      ...present.map((f) => sys.sha256sum(f).stdout),
      ...present.map((f) => `${sys.files.get(f)!.mode} ${sys.files.get(f)!.owner} ${f}\n`),
    ];
    out += section('files', ok(body.join('')));
  }
  for (const p of list(v.OWNED)) ask('owner', p);
  ask('pending');
  if (v.EL) {
    ask('firewall', v.IFACE);
    ask('selinux');
    // getenforce is on every simulated EL system: the SELinux questions are asked.
    for (const p of list(v.SECONTEXT)) ask('secontext', p);
    ask('sebool', v.SEBOOL);
    if (v.SEPORTS) ask('seports');
    if (v.SYSCTL) ask('sysctl', v.SYSCTL);
    if (v.REPOS) ask('repos', v.REPOS);
    if (v.MODULE) ask('module', v.MODULE);
  }
  return ok(out);
}

// The contents script (src/protocol/contents.ts): one section per path of PATHS.
function contents(sys: SimSystem, script: string): Output {
  return ok(
    list(assigned(script).PATHS)
      .map((p) => section(`content ${p}`, probe(sys, 'content', p)))
      .join(''),
  );
}

class Exit {
  constructor(readonly code: number) {}
}

/** The values a bound protocol asset assigns after its header (protocol/script.ts bind), by name. */
export function boundValues(script: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of script.split('\n').slice(1)) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) break;
    values[m[1]!] = words(m[2]!)[0] ?? '';
  }
  return values;
}

// The put asset (protocol/put.ts) carried out on the simulated node, from its bound values.
function put(sys: SimSystem, script: string, stdin: string): Output {
  if (!script.endsWith(PUT.text)) return { stdout: '', stderr: 'sim: a put script that is not the PUT asset\n', code: 2 };
  const v = boundValues(script);
  const [f, t, b] = [v.FILE!, v.TEMP!, `${v.FILE}.haops-bak`];
  const out: Output = { stdout: '', stderr: '', code: 0 };
  const emit = (o: Output) => ((out.stdout += o.stdout), (out.stderr += o.stderr));
  const fail = (step: string, rc = 1) => {
    sys.files.delete(t);
    out.stdout += `@@haops failed ${step} ${rc}\n`;
    throw new Exit(1);
  };
  try {
    // MAKE_DIR: the directory and its parents.
    if (v.MAKE_DIR) for (let d = posix.dirname(f); d !== '/'; d = posix.dirname(d)) sys.dirs.add(d);
    if (!sys.dirs.has(posix.dirname(t))) {
      out.stderr += `sh: ${t}: No such file or directory\n`;
      fail('upload');
    }
    sys.files.set(t, { content: stdin, mode: '600', owner: 'root:root' });
    sys.files.get(t)!.mode = v.MODE!.replace(/^0(?=\d{3})/, '');
    if (v.VALIDATE === 'keepalived') {
      const o = sys.run(['keepalived', '-t', '-f', t]);
      emit(o);
      if (o.code === 143) out.stdout += '@@haops unvalidated 143\n';
      else if (o.code !== 0) fail('validate', o.code);
    }
    const live = sys.files.get(f);
    if (live) sys.files.set(b, { ...live });
    else sys.files.delete(b);
    // A new inode: SELinux labels it by its directory, not by the old file's label.
    sys.el.labels.delete(f);
    sys.files.set(f, sys.files.get(t)!);
    sys.files.delete(t);
    if (v.VALIDATE === 'nginx') {
      const o = sys.run(['nginx', '-t']);
      emit(o);
      if (o.code !== 0) {
        const backup = sys.files.get(b);
        if (backup) sys.files.set(f, backup), sys.files.delete(b);
        else sys.files.delete(f);
        fail('validate', o.code);
      }
    }
    for (const h of (v.PENDING ?? '').split(' ').filter(Boolean)) pendingOf(sys).add(h);
    out.stdout += '@@haops done\n';
  } catch (e) {
    if (e instanceof Exit) return { ...out, code: e.code };
    throw e;
  }
  return out;
}

const pending = new WeakMap<SimSystem, Set<string>>();
/** Handlers the simulated node owes (the files under /var/lib/haops/pending). */
export function pendingOf(sys: SimSystem): Set<string> {
  let set = pending.get(sys);
  if (!set) pending.set(sys, (set = new Set()));
  return set;
}

// probe_firewall in src/facts/el.ts: firewalld's zone of the interface, or the iptables service.
function firewallProbe(sys: SimSystem, iface: string): Output {
  if (sys.el.firewall === 'firewalld') {
    const z = sys.run(['firewall-cmd', `--get-zone-of-interface=${iface}`]);
    const zone = (z.code === 0 ? z.stdout : sys.run(['firewall-cmd', '--get-default-zone']).stdout).trim();
    const runtime = sys.run(['firewall-cmd', `--zone=${zone}`, '--list-all']).stdout;
    const permanent = sys.run(['firewall-cmd', '--permanent', `--zone=${zone}`, '--list-all']).stdout;
    return ok(`firewalld ${zone}\n${runtime}@@permanent\n${permanent}`);
  }
  if (sys.el.firewall === 'iptables' && !sys.profile.systemd) {
    return ok(`iptables\n${sys.run(['iptables', '-S', 'INPUT']).stdout}@@saved\n${sys.run(['cat', '/etc/sysconfig/iptables']).stdout}`);
  }
  return ok('none\n');
}

// A system change (src/protocol/system.ts systemScript): `set -e`, then one simple command a line.
function system(sys: SimSystem, script: string): Output {
  const out: Output = { stdout: '', stderr: '', code: 0 };
  const lines = script.split('\n').filter(Boolean).slice(1);
  if (lines[0] !== 'set -e') return { stdout: '', stderr: 'sim: system script without set -e\n', code: 2 };
  for (const line of lines.slice(1)) {
    const file = fileEdit(sys, line);
    if (file) {
      if (file.code !== 0) return { ...out, stderr: out.stderr + file.stderr, code: file.code };
      continue;
    }
    if (/[;&|<>`$]/.test(line.replace(/'[^']*'/g, '')))
      return { ...out, stderr: `${out.stderr}sim: unsupported command shape: ${line}\n`, code: 2 };
    const o = sys.run(words(line));
    out.stdout += o.stdout;
    out.stderr += o.stderr;
    if (o.code !== 0) return { ...out, code: o.code };
  }
  return out;
}

/** The two file edits a system step may hold (the sysctl step): `echo 'LINE' >[>] FILE`, `sed -i '/^RE/d' FILE`. */
function fileEdit(sys: SimSystem, line: string): Output | null {
  const echo = /^echo '([^']*)' (>>?) (\/\S+)$/.exec(line);
  if (echo) {
    const [, text, op, path] = echo as unknown as [string, string, string, string];
    if (!sys.dirs.has(posix.dirname(path))) return { stdout: '', stderr: `sh: ${path}: No such file or directory\n`, code: 1 };
    const before = op === '>>' ? (sys.files.get(path)?.content ?? '') : '';
    sys.files.set(path, { content: `${before}${text}\n`, mode: sys.files.get(path)?.mode ?? '644', owner: 'root:root' });
    return ok('');
  }
  const sed = /^sed -i '\/(.*)\/d' (\/\S+)$/.exec(line);
  if (sed) {
    const f = sys.files.get(sed[2]!);
    if (!f) return { stdout: '', stderr: `sed: can't read ${sed[2]}: No such file or directory\n`, code: 2 };
    const re = new RegExp(sed[1]!.replace(/\[\[:space:\]\]/g, '\\s'));
    f.content = f.content
      .split('\n')
      .filter((l) => !re.test(l))
      .join('\n');
    return ok('');
  }
  return null;
}

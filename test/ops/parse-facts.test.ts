import { describe, expect, it } from 'vitest';
import { factsScript, parseFacts } from '../../src/facts/index.js';
import { parsePackageVersion } from '../../src/facts/parse.js';
import { factsSections } from '../../src/protocol/facts.js';
import { sha256 } from '../../src/ops/index.js';
import { KEEPALIVED_PATH, SITE, SITE_PATH, keepalivedConf, wantedState } from '../sim/wanted.js';

// Output of the facts script as each system prints it (docs/el-transcripts.md).
const section = (kind: string, body: string, rc = 0) => `@@haops ${kind}\n${body}\n@@haops rc ${rc}\n`;
const wanted = wantedState();
const missingFiles = section(`file ${KEEPALIVED_PATH}`, 'missing') + section(`file ${SITE_PATH}`, 'missing');
const presentFiles =
  section(`file ${KEEPALIVED_PATH}`, `${sha256(keepalivedConf())}  ${KEEPALIVED_PATH}\n644 root:root`) +
  section(`file ${SITE_PATH}`, `${sha256(SITE)}  ${SITE_PATH}\n600 root:nginx`);

describe('parseFacts', () => {
  it('reads Debian booted with SysV init: rc links printed in chkconfig form, a running daemon without a status action', () => {
    const out =
      section('os_release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"') +
      section('redhat_release', 'cat: /etc/redhat-release: No such file or directory', 1) +
      section('pm', '/usr/bin/apt-get') +
      section('init', 'sysv') +
      section('package keepalived', 'install ok installed 1:2.2.7-1+b2') +
      section('package nginx', 'install ok installed 1.22.1-9+deb12u11') +
      section('keepalived_version', 'Keepalived v2.2.7 (01/16,2022)') +
      section('enabled keepalived', 'keepalived \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\t') +
      section('active keepalived', '1234 1233') +
      section('enabled nginx', 'nginx \t0:off\t1:off\t2:off\t3:off\t4:off\t5:off\t6:off\t') +
      section('active nginx', '', 1) +
      missingFiles;
    const facts = parseFacts(out, wanted);
    expect([facts.os.family, facts.init]).toEqual(['debian', 'sysv']);
    expect(facts.services).toEqual({
      keepalived: { exists: true, enabled: true, active: true },
      nginx: { exists: true, enabled: false, active: false },
    });
  });

  it('reads a fresh CentOS 6.10: no os-release, redhat-release, sysv, nothing installed', () => {
    const out =
      section('os_release', 'cat: /etc/os-release: No such file or directory', 1) +
      section('redhat_release', 'CentOS release 6.10 (Final)') +
      section('pm', '/usr/bin/yum') +
      section('init', 'sysv') +
      section('package keepalived', 'package keepalived is not installed', 1) +
      section('package nginx', 'package nginx is not installed', 1) +
      section('keepalived_version', 'bash: keepalived: command not found') +
      section('nginx_version', 'bash: nginx: command not found') +
      section('enabled keepalived', 'error reading information on service keepalived: No such file or directory', 1) +
      section('active keepalived', 'keepalived: unrecognized service', 1) +
      section('enabled nginx', 'error reading information on service nginx: No such file or directory', 1) +
      section('active nginx', 'nginx: unrecognized service', 1) +
      missingFiles;
    expect(parseFacts(out, wanted)).toEqual({
      os: { family: 'el6', id: 'centos', version: '6.10', pretty: 'CentOS release 6.10 (Final)' },
      packageManager: 'yum',
      init: 'sysv',
      packages: { keepalived: null, nginx: null },
      keepalivedVersion: null,
      nginxVersion: null,
      container: null,
      services: { keepalived: { exists: false, enabled: false, active: false }, nginx: { exists: false, enabled: false, active: false } },
      files: { [KEEPALIVED_PATH]: { exists: false }, [SITE_PATH]: { exists: false } },
      pending: [],
    });
  });

  it('reads a converged CentOS 6.10: chkconfig tab layout, service status, keepalived 1.2.13', () => {
    const out =
      section('os_release', 'cat: /etc/os-release: No such file or directory', 1) +
      section('redhat_release', 'CentOS release 6.10 (Final)') +
      section('pm', '/usr/bin/yum') +
      section('init', 'sysv') +
      section('package keepalived', '1.2.13-5.el6_6') +
      section('package nginx', '1.10.3-1.el6') +
      section('keepalived_version', 'Keepalived v1.2.13 (03/19,2015)') +
      section('nginx_version', 'nginx version: nginx/1.10.3') +
      section('enabled keepalived', 'keepalived     \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off') +
      section('active keepalived', 'keepalived (pid  1925) is running...') +
      section('enabled nginx', 'nginx          \t0:off\t1:off\t2:off\t3:off\t4:off\t5:off\t6:off') +
      section('active nginx', 'nginx is stopped', 3) +
      presentFiles;
    const facts = parseFacts(out, wanted);
    expect(facts.packages).toEqual({ keepalived: '1.2.13-5.el6_6', nginx: '1.10.3-1.el6' });
    expect([facts.keepalivedVersion, facts.nginxVersion]).toEqual(['1.2.13', '1.10.3']);
    expect(facts.services).toEqual({
      keepalived: { exists: true, enabled: true, active: true },
      nginx: { exists: true, enabled: false, active: false },
    });
    expect(facts.files[KEEPALIVED_PATH]).toEqual({ exists: true, sha256: sha256(keepalivedConf()), mode: '0644', owner: 'root:root' });
    expect(facts.files[SITE_PATH]).toMatchObject({ mode: '0600', owner: 'root:nginx' });
  });

  it('reads CentOS 7.9: os-release, 1.3.5 with a git commit suffix, is-active "unknown" for an unloaded unit', () => {
    const out =
      section(
        'os_release',
        'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n\nCENTOS_MANTISBT_PROJECT="CentOS-7"\n',
      ) +
      section('redhat_release', 'CentOS Linux release 7.9.2009 (Core)') +
      section('pm', '/usr/bin/yum') +
      section('init', 'systemd') +
      section('package keepalived', '1.3.5-19.el7') +
      section('package nginx', 'package nginx is not installed', 1) +
      section('keepalived_version', 'Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2') +
      section('enabled keepalived', 'disabled', 1) +
      section('active keepalived', 'unknown', 3) +
      section('enabled nginx', 'Failed to get unit file state for nginx.service: No such file or directory', 1) +
      section('active nginx', 'unknown', 3) +
      missingFiles;
    const facts = parseFacts(out, wanted);
    expect(facts.os).toEqual({ family: 'el7', id: 'centos', version: '7', pretty: 'CentOS Linux 7 (Core)' });
    expect([facts.packageManager, facts.init, facts.keepalivedVersion]).toEqual(['yum', 'systemd', '1.3.5']);
    expect(facts.services).toEqual({
      keepalived: { exists: true, enabled: false, active: false },
      nginx: { exists: false, enabled: false, active: false },
    });
  });

  it('reads Rocky 9: dnf, keepalived 2.2.8, enabled and active units', () => {
    const out =
      section(
        'os_release',
        'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"',
      ) +
      section('redhat_release', 'Rocky Linux release 9.3 (Blue Onyx)') +
      section('pm', '/usr/bin/dnf') +
      section('init', 'systemd') +
      section('package keepalived', '2.2.8-6.el9') +
      section('package nginx', '1.20.1-14.el9_2.1') +
      section('keepalived_version', 'Keepalived v2.2.8 (04/04,2023), git commit v2.2.7-154-g292b299e+') +
      section('nginx_version', 'nginx version: nginx/1.20.1') +
      section('enabled keepalived', 'enabled') +
      section('active keepalived', 'active') +
      section('enabled nginx', 'enabled') +
      section('active nginx', 'inactive', 3) +
      presentFiles;
    const facts = parseFacts(out, wanted);
    expect(facts.os).toMatchObject({ family: 'el9', id: 'rocky', version: '9.3' });
    expect([facts.packageManager, facts.keepalivedVersion, facts.nginxVersion]).toEqual(['dnf', '2.2.8', '1.20.1']);
    expect(facts.services.nginx).toEqual({ exists: true, enabled: true, active: false });
  });

  it('reads Debian 12: dpkg-query status lines, apt', () => {
    const out =
      section('os_release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian') +
      section('redhat_release', 'cat: /etc/redhat-release: No such file or directory', 1) +
      section('pm', '/usr/bin/apt-get') +
      section('init', 'systemd') +
      section('package keepalived', 'install ok installed 1:2.2.7-1+b1') +
      section('package nginx', 'dpkg-query: no packages found matching nginx', 1) +
      section('keepalived_version', 'Keepalived v2.2.7 (01/16,2022)') +
      missingFiles;
    const facts = parseFacts(out, wanted);
    expect(facts.os).toEqual({ family: 'debian', id: 'debian', version: '12', pretty: 'Debian GNU/Linux 12 (bookworm)' });
    expect(facts.packageManager).toBe('apt');
    expect(facts.packages).toEqual({ keepalived: '1:2.2.7-1+b1', nginx: null });
  });

  it('Debian: a package dpkg only knows of (not-installed, or removed with its config left) is absent', () => {
    for (const status of ['unknown ok not-installed ', 'deinstall ok config-files 23.6-1']) {
      expect(parsePackageVersion({ kind: 'package', arg: 'psmisc', body: status, code: 0 })).toBeNull();
    }
  });

  it('refuses a system it does not know, naming what it found', () => {
    const out = section('os_release', 'ID=alpine\nVERSION_ID=3.19\nPRETTY_NAME="Alpine Linux v3.19"') + section('redhat_release', '', 1);
    expect(() => parseFacts(out, wanted)).toThrow(/unsupported operating system \(ID=alpine\)/);
  });
});

describe('factsScript', () => {
  it('is one POSIX sh script that dash and bash both run, and both read the same', async () => {
    const { execFileSync } = await import('node:child_process');
    const asked = { ...wanted, packages: [...wanted.packages, 'haops-no-such-package'] };
    const [dash, bash] = ['dash', 'bash'].map((sh) =>
      parseFacts(execFileSync(sh, ['-c', factsScript(asked)], { encoding: 'utf8' }), asked),
    );
    expect(dash).toEqual(bash);
    expect(Object.keys(dash!.packages)).toEqual(asked.packages);
    expect(dash!.packages['haops-no-such-package']).toBeNull();
    expect(Object.keys(dash!.services)).toEqual(wanted.services.map((s) => s.name));
    expect(['systemd', 'sysv']).toContain(dash!.init);
  });
});

describe('the batch answers, one section per question (protocol/facts.ts)', () => {
  const services = ['nginx', 'keepalived'];
  const files = ['/etc/a.conf', '/etc/b.conf', '/etc/c.conf'];
  const split = (out: string) => factsSections(out, { services, files });
  const of = (out: string, kind: string, arg: string) => split(out).find((s) => s.kind === kind && s.arg === arg);

  it('dpkg-query for every package: each as a query of it alone reads', () => {
    const out = section(
      'packages keepalived nginx psmisc',
      'dpkg-query: no packages found matching nginx\nkeepalived install ok installed 1:2.2.7-1+b2\npsmisc deinstall ok config-files 23.6-1',
      1,
    );
    expect(['keepalived', 'nginx', 'psmisc'].map((p) => parsePackageVersion(of(out, 'package', p)!))).toEqual(['1:2.2.7-1+b2', null, null]);
  });

  it('rpm for every package: "package X is not installed" is null; curl-minimal stands in for curl (EL9)', () => {
    const out = section(
      'packages keepalived nginx curl',
      'keepalived 2.2.8-3.el9\npackage nginx is not installed\npackage curl is not installed\ncurl-minimal 7.76.1-26.el9',
      2,
    );
    expect(['keepalived', 'nginx', 'curl'].map((p) => parsePackageVersion(of(out, 'package', p)!))).toEqual([
      '2.2.8-3.el9',
      null,
      '7.76.1-26.el9',
    ]);
  });

  it('one systemctl for every service: one word per service, in order, with its own exit status', () => {
    const out = section('units is-enabled', 'enabled\ndisabled') + section('units is-active', 'inactive\nactive');
    expect(split(out).map((s) => `${s.kind} ${s.arg} ${s.body} ${s.code}`)).toEqual([
      'enabled nginx enabled 0',
      'enabled keepalived disabled 1',
      'active nginx inactive 3',
      'active keepalived active 0',
    ]);
  });

  it('one sha256sum and one stat for every file: missing, read, or what the tools said', () => {
    const hash = 'a'.repeat(64);
    const out = section(
      'files',
      `missing /etc/b.conf\n${hash}  /etc/a.conf\nsha256sum: /etc/c.conf: Permission denied\n644 root:root /etc/a.conf\n600 root:root /etc/c.conf`,
      1,
    );
    expect(split(out).map((s) => [s.arg, s.body, s.code])).toEqual([
      ['/etc/a.conf', `${hash}  /etc/a.conf\n644 root:root`, 0],
      ['/etc/b.conf', 'missing', 0],
      ['/etc/c.conf', 'sha256sum: /etc/c.conf: Permission denied', 1],
    ]);
  });
});

describe('container fact (track_process needs proc events, which a network-namespaced container lacks)', () => {
  it('reads systemd-detect-virt -c: a runtime name, or null for "none" and for a host without the tool', async () => {
    const { parseContainer } = await import('../../src/facts/parse.js');
    expect(parseContainer({ kind: 'container', arg: '', body: 'systemd-nspawn\n', code: 0 })).toBe('systemd-nspawn');
    expect(parseContainer({ kind: 'container', arg: '', body: 'none\n', code: 1 })).toBeNull();
    expect(parseContainer(undefined)).toBeNull();
  });
});

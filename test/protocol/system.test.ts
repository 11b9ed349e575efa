// The EL system steps' command lines (protocol/system.ts) and the one-line commands
// (protocol/commands.ts): the exact text each builder gives, since the simulated hosts and
// `deploy --check` read it as it is, and a value that is not one plain word refused.
import { describe, expect, it } from 'vitest';
import { SYSV_DEBIAN, settled, yumInstall } from '../../src/protocol/commands.js';
import * as s from '../../src/protocol/system.js';

describe('system step commands', () => {
  it('frames a step: header, set -e, one command a line', () => {
    expect(s.systemScript(['a', 'b'])).toBe('# haops system v1\nset -e\na\nb\n');
  });

  it('builds each command kind as the tools document it', () => {
    const rule = s.peerRichRule('10.0.0.2', 'vrrp');
    expect(rule).toBe('rule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept');
    expect(s.peerRichRule('fd00::2', 'ah')).toBe('rule family="ipv6" source address="fd00::2" protocol value="ah" accept');
    expect(s.firewalldAddRichRule('public', true, rule)).toBe(
      `firewall-cmd --permanent --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept'`,
    );
    expect(s.firewalldAddPort('my zone', false, 80)).toBe("firewall-cmd --zone='my zone' --add-port=80/tcp");
    expect(s.iptablesAcceptFrom(112, '10.0.0.2')).toBe('iptables -I INPUT -p 112 -s 10.0.0.2 -j ACCEPT');
    expect(s.iptablesAcceptPort(443)).toBe('iptables -I INPUT -p tcp --dport 443 -j ACCEPT');
    expect(s.semanageFcontext('keepalived_unconfined_script_exec_t', '/usr/local/bin/notify.sh')).toBe(
      "semanage fcontext -a -t keepalived_unconfined_script_exec_t '/usr/local/bin/notify\\.sh'",
    );
    expect(s.restorecon('/usr/local/bin/notify.sh')).toBe('restorecon -v /usr/local/bin/notify.sh');
    expect(s.setsebool('httpd_can_network_connect', true)).toBe('setsebool -P httpd_can_network_connect 1');
    expect(s.semanagePort('http_port_t', 8080, true)).toBe('semanage port -m -t http_port_t -p tcp 8080');
    expect(s.sysctlSet('net.ipv4.ip_nonlocal_bind', '1')).toBe('sysctl -w net.ipv4.ip_nonlocal_bind=1');
    expect(s.sysctlDrop('net.ipv4.ip_nonlocal_bind', '/etc/sysctl.conf')).toBe(
      "sed -i '/^[[:space:]]*net\\.ipv4\\.ip_nonlocal_bind[[:space:]]*=/d' /etc/sysctl.conf",
    );
    expect(s.writeLine('net.ipv4.ip_nonlocal_bind = 1', '/etc/sysctl.conf', true)).toBe(
      "echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf",
    );
    expect(s.dnfModuleReset('nginx')).toBe('dnf -y module reset nginx');
    expect(s.dnfModuleEnable('nginx', '1.24')).toBe('dnf -y module enable nginx:1.24');
  });

  it('refuses a value that is not one plain word where the command has no quotes for it', () => {
    expect(() => s.setsebool('x; reboot', true)).toThrow(/not a plain/);
    expect(() => s.semanagePort('http_port_t', 70000, false)).toThrow(/not a TCP port/);
    expect(() => s.sysctlSet('net.ipv4.x', '1 && reboot')).toThrow(/not a plain/);
    expect(() => s.writeLine('a\nb', '/etc/x', true)).toThrow(/one line/);
    expect(() => settled('systemctl start nginx', 'nginx;x')).toThrow(/not a plain service/);
  });
});

describe('one-line commands', () => {
  it('settles a service: the command, then its pending markers removed', () => {
    expect(settled('systemctl start nginx', 'nginx')).toBe('systemctl start nginx && rm -f /var/lib/haops/pending/nginx.*');
  });

  it('yum limited to the archive repositories, Debian SysV enable', () => {
    expect(yumInstall(['keepalived'], 'haops-*')).toBe("yum -y --disablerepo='*' '--enablerepo=haops-*' install keepalived");
    expect(SYSV_DEBIAN.enable('keepalived')).toBe('update-rc.d keepalived defaults >/dev/null && update-rc.d keepalived enable');
  });
});

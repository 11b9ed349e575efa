import { describe, expect, it } from 'vitest';
import { fileDiff } from '../../src/ops/index.js';
import { platformFor } from '../../src/platforms/commands.js';
import { APT_INSTALL } from '../../src/protocol/packages.js';
import { bind } from '../../src/protocol/script.js';
import { hintFor, toolMessage } from '../../src/platforms/hints.js';
import { AUTH_PASS, KEEPALIVED_PATH, keepalivedConf, wantedState } from '../sim/wanted.js';

describe('fileDiff', () => {
  it('shows a unified diff with every secret masked, old and new', () => {
    const file = wantedState({ keepalived: keepalivedConf(150).replace(AUTH_PASS, 'n3wpass') }).files[0]!;
    const d = fileDiff({ kind: 'file', file, before: { exists: true, content: keepalivedConf() }, contentChanged: true }, ['n3wpass']);
    expect(d).toContain(`--- ${KEEPALIVED_PATH}`);
    expect(d).toContain('-    priority 200\n+    priority 150');
    // Both sides mask to the same text: a changed secret shows as context, never as its value.
    expect(d).toContain('         auth_pass ********\n');
    expect(d).not.toMatch(new RegExp(`${AUTH_PASS}|n3wpass`));
  });

  it('needs the live content of an existing file', () => {
    const file = wantedState().files[0]!;
    expect(() => fileDiff({ kind: 'file', file, before: { exists: true }, contentChanged: true })).toThrow(/not fetched/);
  });
});

describe('platforms', () => {
  it('speaks chkconfig/service on EL6, systemctl elsewhere, dnf on EL9, non-interactive apt on Debian', () => {
    expect([
      platformFor('el6').enable('keepalived'),
      platformFor('el6').reload('nginx'),
      platformFor('el6').install(['keepalived']),
    ]).toEqual(['chkconfig keepalived on', 'service nginx reload', 'yum -y install keepalived']);
    expect([platformFor('el7').start('nginx'), platformFor('el9').install(['nginx'])]).toEqual([
      'systemctl start nginx',
      'dnf -y install nginx',
    ]);
    expect(platformFor('debian').install(['keepalived'])).toBe(bind(APT_INSTALL, { PACKAGES: ['keepalived'] }));
  });

  it('speaks service/update-rc.d on Debian booted with SysV init (init from facts), systemctl on Debian with systemd', () => {
    expect([
      platformFor('debian', 'sysv').enable('nginx'),
      platformFor('debian', 'sysv').reload('nginx'),
      platformFor('debian', 'systemd').start('nginx'),
    ]).toEqual(['update-rc.d nginx defaults >/dev/null && update-rc.d nginx enable', 'service nginx reload', 'systemctl start nginx']);
    // Debian's init script returns from stop before keepalived is gone; restart waits for it.
    expect(platformFor('debian', 'sysv').restart('keepalived')).toMatch(
      /^service keepalived stop && i=0; while pidof keepalived .* done && service keepalived start$/,
    );
  });

  it('never runs keepalived -t on 1.x (it exits 0 having tested nothing), does from 2.0.4', () => {
    expect(platformFor('el6').validateKeepalived('/t', '1.2.13')).toEqual({
      command: null,
      reason: expect.stringMatching(/1\.2\.13 has no -t/),
    });
    expect(platformFor('el7').validateKeepalived('/t', '2.0.3').command).toBeNull();
    expect(platformFor('el9').validateKeepalived('/t', '2.0.4').command).toBe('keepalived -t -f /t');
  });

  it('maps well-known failures to hints', () => {
    const r = (command: string, code: number, stdout: string, stderr = '') => ({ command, code, stdout, stderr });
    expect(hintFor(r('yum -y install nginx', 1, 'No package nginx available.\n', 'Error: Nothing to do\n'))).toMatch(/EPEL/);
    expect(hintFor(r('dnf -y install x', 1, 'No match for argument: x\n', 'Error: Unable to find a match: x\n'))).toMatch(
      /enabled repository/,
    );
    expect(hintFor(r('systemctl enable x', 127, '', 'bash: systemctl: command not found\n'))).toBe('command not found on the host');
    expect(hintFor(r('keepalived -t -f /t', 6, ''))).toMatch(/script security/);
    expect(
      toolMessage(
        r(
          'nginx -t',
          1,
          '',
          'nginx: [emerg] unknown directive "invalid" in /etc/nginx/conf.d/x.conf:3\nnginx: configuration file /etc/nginx/nginx.conf test failed\n',
        ),
      ),
    ).toBe('[emerg] unknown directive "invalid" in /etc/nginx/conf.d/x.conf:3');
  });
});

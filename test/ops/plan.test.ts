import { describe, expect, it } from 'vitest';
import { planHost, sha256 } from '../../src/ops/index.js';
import type { Facts } from '../../src/core/state.js';
import { KEEPALIVED_PATH, SITE, SITE_PATH, keepalivedConf, wantedState } from '../sim/wanted.js';

const running = { exists: true, enabled: true, active: true };
const converged: Facts = {
  os: { family: 'el7', id: 'centos', version: '7', pretty: 'CentOS Linux 7 (Core)' },
  packageManager: 'yum',
  init: 'systemd',
  packages: { keepalived: '1.3.5-19.el7', nginx: '1.20.1-10.el7' },
  keepalivedVersion: '1.3.5',
  services: { keepalived: running, nginx: running },
  files: {
    [KEEPALIVED_PATH]: { exists: true, sha256: sha256(keepalivedConf()), mode: '0644', owner: 'root:root' },
    [SITE_PATH]: { exists: true, sha256: sha256(SITE), mode: '0644', owner: 'root:root' },
  },
};
const summary = (facts: Facts, wanted = wantedState()) =>
  planHost(wanted, facts).map((c) =>
    c.kind === 'file'
      ? `file ${c.file.path}${c.contentChanged ? '' : ' (mode)'}`
      : c.kind === 'packages'
        ? `packages ${c.install}`
        : c.kind === 'handler'
          ? `${c.action} ${c.service}`
          : c.kind === 'system'
            ? c.title
            : `${c.kind} ${c.service}`,
  );

describe('planHost', () => {
  it('plans nothing for a converged host', () => {
    expect(planHost(wantedState(), converged)).toEqual([]);
  });

  it('orders packages, enable, files, start on a fresh host, with no handlers for services it starts', () => {
    const fresh: Facts = {
      ...converged,
      packages: { keepalived: null, nginx: null },
      keepalivedVersion: null,
      services: {},
      files: {},
    };
    expect(summary(fresh)).toEqual([
      'packages keepalived,nginx',
      'enable keepalived',
      'enable nginx',
      `file ${KEEPALIVED_PATH}`,
      `file ${SITE_PATH}`,
      'start keepalived',
      'start nginx',
    ]);
  });

  it('on Debian, whose packages start their service on install, a fresh host restarts instead of starting', () => {
    const fresh: Facts = {
      ...converged,
      os: { family: 'debian', id: 'debian', version: '12', pretty: 'Debian GNU/Linux 12 (bookworm)' },
      packageManager: 'apt',
      packages: { keepalived: null, nginx: null },
      keepalivedVersion: null,
      services: {},
      files: {},
    };
    expect(summary(fresh).slice(-2)).toEqual(['restart keepalived', 'restart nginx']);
  });

  it('a changed file of a running service notifies its handler once', () => {
    const wanted = wantedState({ keepalived: keepalivedConf(150) });
    wanted.files.push({
      path: '/etc/keepalived/notify.sh',
      content: '#!/bin/sh\n',
      mode: '0755',
      notify: [{ service: 'keepalived', action: 'reload' }],
    });
    expect(summary(converged, wanted)).toEqual([`file ${KEEPALIVED_PATH}`, 'file /etc/keepalived/notify.sh', 'reload keepalived']);
  });

  it('restart wins over reload when two files of one service ask for both', () => {
    const wanted = wantedState({ keepalived: keepalivedConf(150) });
    wanted.files.push({
      path: '/etc/keepalived/notify.sh',
      content: '#!/bin/sh\n',
      mode: '0755',
      notify: [{ service: 'keepalived', action: 'restart' }],
    });
    expect(summary(converged, wanted).at(-1)).toBe('restart keepalived');
  });

  it('a stopped service is started, not reloaded, when its file changed', () => {
    const facts = { ...converged, services: { ...converged.services, keepalived: { ...running, active: false } } };
    expect(summary(facts, wantedState({ keepalived: keepalivedConf(150) }))).toEqual([`file ${KEEPALIVED_PATH}`, 'start keepalived']);
  });

  it('a mode or owner drift changes the file without notifying', () => {
    const facts = {
      ...converged,
      files: { ...converged.files, [SITE_PATH]: { ...converged.files[SITE_PATH]!, mode: '0600', owner: 'root:nginx' } },
    };
    expect(summary(facts)).toEqual([`file ${SITE_PATH} (mode)`]);
  });

  it('enables a disabled service without starting a running one', () => {
    const facts = { ...converged, services: { ...converged.services, nginx: { ...running, enabled: false } } };
    expect(summary(facts)).toEqual(['enable nginx']);
  });
});

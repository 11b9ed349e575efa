// track: file, the fast profile's nginx check where keepalived gets no proc events but systemd
// runs nginx: which nodes get the drop-in on nginx.service, and the daemon-reload a changed one owes.
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/core/state.js';
import { parseModel } from '../../src/model/load.js';
import { targetOf } from '../../src/model/profile.js';
import { planHost, sha256 } from '../../src/ops/index.js';
import { NGINX_TRACK_DROPIN } from '../../src/render/nginx-track.js';
import { loadPlaybook, wantedState } from '../../src/runner/playbook.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const inv = (failover: string) => webPairYaml({ pair: [`failover: ${failover}`] });

const playbook = loadPlaybook();
const wanted = (failover: string, container: string | null, init: 'systemd' | 'sysv') => {
  const { model } = parseModel(inv(failover), 'inv.yaml');
  const node = model.nodes.find((n) => n.host === 'a1')!;
  return wantedState(playbook, node, model, targetOf('2.2.7', container, init));
};
const dropIn = (w: ReturnType<typeof wanted>) => w.files.find((f) => f.path === NGINX_TRACK_DROPIN);

describe('track: file (systemd drop-in on nginx.service)', () => {
  it('fast profile, systemd node in a container: the drop-in writes the flag on stop (temp file + rename) and clears it on start', () => {
    const f = dropIn(wanted('fast', 'systemd-nspawn', 'systemd'));
    expect(f).toBeDefined();
    expect(f!.content).toMatch(/^\[Service\]$/m);
    expect(f!.content).toMatch(/^ExecStartPost=\/bin\/rm -f \/var\/lib\/haops\/nginx-down$/m);
    expect(f!.content).toMatch(
      /^ExecStopPost=\/bin\/sh -c 'mkdir -p \/var\/lib\/haops && echo 1 > \/var\/lib\/haops\/nginx-down\.haops-tmp && mv -f \S+ \/var\/lib\/haops\/nginx-down'$/m,
    );
    expect(f!.notify).toEqual([{ service: 'systemd', action: 'daemon-reload' }]);
  });
  it('no drop-in on a SysV node in a container (the script check), on a VM (track_process), or with the classic profile', () => {
    expect(dropIn(wanted('fast', 'lxc', 'sysv'))).toBeUndefined();
    expect(dropIn(wanted('fast', null, 'systemd'))).toBeUndefined();
    expect(dropIn(wanted('classic', 'lxc', 'systemd'))).toBeUndefined();
    expect(wanted('fast', 'lxc', 'sysv').files.find((f) => f.path.endsWith('keepalived.conf'))!.content).toMatch(/vrrp_script chk_nginx/);
  });

  it('deploy plan: a new drop-in means one daemon-reload after the files and before nginx is started or reloaded; a second run plans nothing', () => {
    const w = wanted('fast', 'systemd-nspawn', 'systemd');
    const running = { exists: true, enabled: true, active: true };
    const base: Facts = {
      os: { family: 'debian', id: 'debian', version: '12', pretty: 'Debian GNU/Linux 12 (bookworm)' },
      packageManager: 'apt',
      init: 'systemd',
      packages: Object.fromEntries(w.packages.map((p) => [p, '1'])),
      keepalivedVersion: '2.2.7',
      container: 'systemd-nspawn',
      services: { keepalived: running, nginx: { ...running, active: false } },
      files: Object.fromEntries(
        w.files.map((f) => [f.path, { exists: true, sha256: sha256(f.content), mode: f.mode, owner: 'root:root' }]),
      ),
    };
    const fresh: Facts = { ...base, files: { ...base.files, [NGINX_TRACK_DROPIN]: { exists: false } } };
    const steps = planHost(w, fresh).map((c) =>
      c.kind === 'file'
        ? `file ${c.file.path}`
        : c.kind === 'handler'
          ? `${c.action} ${c.service}`
          : c.kind === 'packages'
            ? `packages ${c.install}`
            : c.kind === 'system'
              ? c.title
              : `${c.kind} ${c.service}`,
    );
    expect(steps).toEqual([`file ${NGINX_TRACK_DROPIN}`, 'daemon-reload systemd', 'start nginx']);
    // A run cut short after the file: the marker on the node still asks for the reload.
    expect(
      planHost(w, { ...base, services: { ...base.services, nginx: running }, pending: ['systemd.daemon-reload', 'nginx.reload'] }),
    ).toEqual([
      { kind: 'handler', service: 'systemd', action: 'daemon-reload' },
      { kind: 'handler', service: 'nginx', action: 'reload' },
    ]);
    expect(planHost(w, { ...base, services: { ...base.services, nginx: running } })).toEqual([]);
  });
});

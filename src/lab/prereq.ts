// Checks the host can run the lab before anything is created: Linux, root, and the tools.
import { accessSync, constants } from 'node:fs';
import { LabError } from './errors.js';

const INSTALL = 'apt-get install -y debootstrap systemd-container dpkg-dev openssh-client iproute2';
const TOOLS = ['debootstrap', 'systemd-nspawn', 'dpkg-scanpackages', 'ssh-keygen', 'ip', 'mount', 'chroot'];

export function checkHost(): void {
  if (process.platform !== 'linux') throw new LabError(`the lab needs Linux with systemd-nspawn; this is ${process.platform}`);
  if (process.getuid?.() !== 0) throw new LabError('the lab needs root: run it as root (e.g. `sudo haops lab up`)');
}

export function checkPrerequisites(): void {
  checkHost();
  const missing = TOOLS.find((t) => !onPath(t));
  if (missing) throw new LabError(`${missing} is missing: run \`${INSTALL}\``);
}

function onPath(tool: string): boolean {
  const dirs = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`.split(':').filter(Boolean);
  return dirs.some((d) => {
    try {
      accessSync(`${d}/${tool}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

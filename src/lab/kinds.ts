// Node kinds: what a lab node imitates besides plain Debian 12 with systemd and root login.
// A kind decides the extra packages (a cached layer over the base), the login user and sudo,
// and sshd's algorithms. Pure.
import { LabError } from './errors.js';

export const KINDS = ['systemd', 'sysv', 'legacy-ssh', 'sudo', 'firewalld'] as const;
export type NodeKind = (typeof KINDS)[number];

/** Users of a `sudo` node: the first node of its pair logs in as PASSWORD_USER, the second as NOPASSWD_USER. */
export const SUDO_PASSWORD_USER = 'ops';
export const SUDO_NOPASSWD_USER = 'deploy';
/** The sudo password of PASSWORD_USER on every lab node (a throwaway lab on a private subnet). */
export const LAB_SUDO_PASSWORD = 'haops-lab-sudo';
export const LAB_SUDO_PASSWORD_ENV = 'HAOPS_LAB_SUDO_PW';

/**
 * What CentOS 6's OpenSSH 5.3 offers (ssh-rsa keys, SHA-1 key exchange, CBC/CTR ciphers). The client may sign with
 * rsa-sha2-256 because a modern sshd still sends server-sig-algs, so that stays accepted.
 */
export const LEGACY_SSHD_CONFIG = [
  'HostKey /etc/ssh/ssh_host_rsa_key',
  'HostKeyAlgorithms ssh-rsa',
  'KexAlgorithms diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1',
  'Ciphers aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,aes256-cbc,3des-cbc',
  'MACs hmac-sha1,hmac-md5',
  'PubkeyAcceptedAlgorithms ssh-rsa,rsa-sha2-256',
  '',
].join('\n');

/** Packages a kind adds to the base, installed once into a cached layer (see layer.ts). */
export function kindPackages(kind: NodeKind): string[] {
  if (kind === 'sysv') return ['sysvinit-core'];
  if (kind === 'sudo') return ['sudo'];
  // firewalld running in its default zone (public: ssh and dhcpv6-client, the rest rejected),
  // as on a stock CentOS 7 / RHEL 8-9 node (issue 17).
  if (kind === 'firewalld') return ['firewalld'];
  return [];
}

/** `--kinds a,b,c`: one kind per pair in order; a shorter list repeats (pure). */
export function parseKinds(text: string | undefined): NodeKind[] {
  if (text === undefined || text.trim() === '') return ['systemd'];
  return text
    .split(',')
    .map((k) => k.trim())
    .map((k) => {
      if (!(KINDS as readonly string[]).includes(k)) throw new LabError(`--kinds: "${k}" is not a node kind; use ${KINDS.join(', ')}`);
      return k as NodeKind;
    });
}

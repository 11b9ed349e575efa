// What a host should look like (wanted state), what it looks like (facts), and the changes
// between them. Operations are pure plan() functions over these plus apply() through a Host.

import type { ElFacts, ElWanted } from './el-state.js';

export type OsFamily = 'el6' | 'el7' | 'el8' | 'el9' | 'debian';

/** `daemon-reload` (service `systemd`): a unit file or drop-in changed; runs before any start or handler. */
export type HandlerAction = 'reload' | 'restart' | 'daemon-reload';

export interface ManagedFile {
  path: string;
  content: string;
  /** Octal mode string, e.g. '0644'. Owner and group are root. */
  mode: string;
  /** Checked on the node before the file goes live. */
  validate?: 'keepalived' | 'nginx';
  /** Services whose handler runs when this file changes. */
  notify?: { service: string; action: HandlerAction }[];
  /** Create the parent directory when missing (a systemd drop-in directory). */
  makeDir?: boolean;
  /** Values that must never be shown (masked in diffs and messages). */
  secrets?: string[];
}

export interface WantedService {
  name: string;
  enabled: boolean;
  running: boolean;
}

export interface WantedState {
  packages: string[];
  services: WantedService[];
  files: ManagedFile[];
  /** Firewall, SELinux, repositories and sysctl for a keepalived + nginx node (ops/el.ts). */
  el?: ElWanted;
  /** An adopted node (haops import): files the first deploy moves aside to ADOPT_BACKUP_DIR. */
  adopt?: { moveAside: string[] };
}

/** Where deploy keeps what it moves aside or replaces that haops did not write: DIR/TIME/PATH. */
export const ADOPT_BACKUP_DIR = '/var/backups/haops';

/** Whether a file exists and whether haops wrote it (its header says "Managed by haops"). */
export type Ownership = 'missing' | 'haops' | 'foreign';

export interface ServiceFacts {
  /** Unit / init script exists. */
  exists: boolean;
  enabled: boolean;
  active: boolean;
}

export interface FileFacts {
  exists: boolean;
  sha256?: string;
  mode?: string; // '0644'
  owner?: string; // 'root:root'
  /** Current content, fetched only when a diff is asked for. */
  content?: string;
}

export interface Facts {
  os: { family: OsFamily; id: string; version: string; pretty: string };
  packageManager: 'yum' | 'dnf' | 'apt';
  init: 'sysv' | 'systemd';
  /** Installed version per managed package, null when absent. */
  packages: Record<string, string | null>;
  /** keepalived's own version (from `keepalived -v`), null when not installed. */
  keepalivedVersion: string | null;
  /** nginx's own version (from `nginx -v`), null when not installed; absent when nginx is not a wanted package. */
  nginxVersion?: string | null;
  /** The container runtime the node runs in (systemd-detect-virt -c), null on a VM or bare metal. */
  container?: string | null;
  services: Record<string, ServiceFacts>;
  files: Record<string, FileFacts>;
  /** Handlers a node still owes from an earlier run cut short ('nginx.reload'). */
  pending?: string[];
  /** Gathered when the wanted state has `el`. */
  el?: ElFacts;
  /** Who wrote each wanted file and each file to move aside (absent: not asked). */
  ownership?: Record<string, Ownership>;
}

export type Change =
  /** `onlyRepos`: yum limited to these repositories (an archive mirror for an end-of-life CentOS). */
  | { kind: 'packages'; install: string[]; onlyRepos?: string }
  | { kind: 'enable'; service: string }
  | { kind: 'file'; file: ManagedFile; before: FileFacts; contentChanged: boolean }
  | { kind: 'start'; service: string }
  | { kind: 'handler'; service: string; action: HandlerAction }
  /** Commands that change the node's system (firewall, SELinux, sysctl), run in one exec, stopping at the first failure. */
  | { kind: 'system'; area: SystemArea; title: string; commands: string[] };

export type SystemArea = 'repos' | 'firewall' | 'selinux' | 'sysctl' | 'adopt';

/** What applying one Change did. A failed step is a value, not an exception (other hosts go on). */
export interface ChangeOutcome {
  ok: boolean;
  /** One line: what was done, e.g. `reloaded keepalived`. */
  summary: string;
  /** Things the user should know although the change went through (e.g. a file that could not be validated). */
  warnings?: string[];
  error?: { message: string; hint?: string; stderr?: string };
}

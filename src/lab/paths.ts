// Where the lab keeps things on the host: a shared cache that survives `lab down`
// (base image, offline repo) and per-lab state that `lab down` removes.

/**
 * Several labs can run side by side on one machine: HAOPS_LAB_ID=1..9 gives a lab its own state
 * directory, namespaces, host link, cgroup and default subnet (198.18.N.0/24). Unset: the default lab.
 */
export const LAB_ID = /^[1-9]$/.test(process.env.HAOPS_LAB_ID ?? '') ? process.env.HAOPS_LAB_ID! : '';

/**
 * Why HAOPS_LAB_ID cannot be used, or null. Any other value would silently mean the default lab,
 * and `lab down` would take down a lab someone else is using: lab commands refuse instead.
 */
export function labIdProblem(value = process.env.HAOPS_LAB_ID): string | null {
  if (value === undefined || value === '' || /^[1-9]$/.test(value)) return null;
  return `HAOPS_LAB_ID=${JSON.stringify(value).slice(1, -1)} is not a lab id: use 1 to 9 (a lab of its own), or unset it for the default lab`;
}

export const CACHE_DIR = '/var/cache/haops/lab';
export const BASE_DIR = `${CACHE_DIR}/base`;
export const BASE_STAMP = `${CACHE_DIR}/base.stamp`;
export const REPO_DIR = `${CACHE_DIR}/repo`;
export const REPO_STAMP = `${CACHE_DIR}/repo.stamp`;
/** Cached layers over the base, one per package set (see layer.ts). */
export const LAYERS_DIR = `${CACHE_DIR}/layers`;

export const STATE_DIR = `/var/lib/haops/lab${LAB_ID}`;
export const NODES_DIR = `${STATE_DIR}/nodes`;
export const IDENTITY_FILE = `${STATE_DIR}/id_ed25519`;
/** legacy-ssh nodes take only an RSA user key, as OpenSSH 5.3 users have. */
export const RSA_IDENTITY_FILE = `${STATE_DIR}/id_rsa`;
/** The lab's sudo password in a file (mode 0600), for inventories that use `password_file:`. */
export const SUDO_PASSWORD_FILE = `${STATE_DIR}/sudo-password`;
export const KNOWN_HOSTS = `${STATE_DIR}/known_hosts`;
export const STATE_FILE = `${STATE_DIR}/state.json`;

/** Path of the offline repo inside each node. */
export const NODE_REPO_DIR = '/srv/haops-repo';
/** Cgroup directory created under every mounted hierarchy, one child per node. */
export const CGROUP_NAME = `haops-lab${LAB_ID}`;
/** Every network namespace of the lab starts with this; `lab down` deletes all of them. */
export const NETNS_PREFIX = LAB_ID ? `haops${LAB_ID}-` : 'haops-';
export const SWITCH_NETNS = `${NETNS_PREFIX}sw`;
export const HOST_LINK = LAB_ID ? `haopsl${LAB_ID}` : 'haops0';

export const nodeDir = (name: string) => `${NODES_DIR}/${name}`;
export const pidFile = (name: string) => `${STATE_DIR}/${name}.pid`;
export const logFile = (name: string) => `${STATE_DIR}/${name}.log`;
export const netnsOf = (name: string) => `${NETNS_PREFIX}${name}`;

// Where the lab keeps things on the host: a shared cache that survives `lab down`
// (base image, offline repo) and per-lab state that `lab down` removes.

export const CACHE_DIR = '/var/cache/haops/lab';
export const BASE_DIR = `${CACHE_DIR}/base`;
export const BASE_STAMP = `${CACHE_DIR}/base.stamp`;
export const REPO_DIR = `${CACHE_DIR}/repo`;
export const REPO_STAMP = `${CACHE_DIR}/repo.stamp`;

export const STATE_DIR = '/var/lib/haops/lab';
export const NODES_DIR = `${STATE_DIR}/nodes`;
export const IDENTITY_FILE = `${STATE_DIR}/id_ed25519`;
export const KNOWN_HOSTS = `${STATE_DIR}/known_hosts`;
export const STATE_FILE = `${STATE_DIR}/state.json`;

/** Path of the offline repo inside each node. */
export const NODE_REPO_DIR = '/srv/haops-repo';
/** Cgroup directory created under every mounted hierarchy, one child per node. */
export const CGROUP_NAME = 'haops-lab';
/** Every network namespace of the lab starts with this; `lab down` deletes all of them. */
export const NETNS_PREFIX = 'haops-';
export const SWITCH_NETNS = 'haops-sw';
export const HOST_LINK = 'haops0';

export const nodeDir = (name: string) => `${NODES_DIR}/${name}`;
export const pidFile = (name: string) => `${STATE_DIR}/${name}.pid`;
export const logFile = (name: string) => `${STATE_DIR}/${name}.log`;
export const netnsOf = (name: string) => `${NETNS_PREFIX}${name}`;

// The lab's public face: bring real Debian 12 nodes up and down on this machine, and ask how they are.
export { LabError } from './errors.js';
export { labDown, labStatus, labUp } from './lab.js';
export type { BackendStatus, LabOptions, LabStatus, LabUpOptions, LabNodeStatus } from './lab.js';
export { INVENTORY_FILE, labInventoryYaml } from './inventory.js';
export { DEFAULT_NODES, DEFAULT_SUBNET, planLab } from './plan.js';
export type { LabInfo, LabMember, LabPair } from './plan.js';
export { IDENTITY_FILE, KNOWN_HOSTS, STATE_DIR } from './paths.js';
export { copyLabCa, LAB_CA_FILE, LAB_SITE_NAME } from './tls.js';

// The lab's HTTPS site: a lab CA (kept in the machine-wide cache, so every lab and every
// inventory directory trusts the same one) and, per lab, a site certificate it signs for the
// lab's VIPs and node addresses. Made by the openssl on this machine; the CA's certificate is
// written beside the inventory (lab-ca.pem) for `curl --cacert` and the inventory's ca_file.
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, succeeds } from './exec.js';
import { CACHE_DIR, STATE_DIR } from './paths.js';
import type { LabInfo } from './plan.js';
import { ip6At, OFFSET } from './subnet.js';

/** The name the lab's HTTPS site answers to (SNI, Host); `.test` never resolves outside. */
export const LAB_SITE_NAME = 'lab.haops.test';
/** The CA's certificate beside the inventory: `curl --cacert inventory/lab-ca.pem https://VIP/`. */
export const LAB_CA_FILE = 'lab-ca.pem';

const CA_DIR = `${CACHE_DIR}/ca`;
const CA_KEY = `${CA_DIR}/lab-ca.key`;
/** The CA's certificate the lab's inventories name in ca_file (absolute: tests copy inventories elsewhere). */
export const CA_CERT = `${CA_DIR}/lab-ca.pem`;
/** The site's chain and key for this lab (lab down removes the state directory). */
export const LAB_TLS_DIR = `${STATE_DIR}/tls`;
export const LAB_SITE_CERT = `${LAB_TLS_DIR}/site.pem`;
export const LAB_SITE_KEY = `${LAB_TLS_DIR}/site.key`;

const ossl = (args: string[], cwd?: string) => run('openssl', args, { ...(cwd ? { cwd } : {}), timeoutMs: 30_000 });

/** The lab CA, made once per machine and made again when it ends within 30 days. */
async function ensureCa(): Promise<void> {
  if (
    existsSync(CA_KEY) &&
    existsSync(CA_CERT) &&
    (await succeeds('openssl', ['x509', '-checkend', String(30 * 86400), '-noout', '-in', CA_CERT]))
  )
    return;
  await mkdir(CA_DIR, { recursive: true, mode: 0o700 });
  await ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', CA_KEY]);
  await chmod(CA_KEY, 0o600);
  await ossl([
    'req',
    '-x509',
    '-new',
    '-key',
    CA_KEY,
    '-subj',
    '/CN=haops lab CA',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    CA_CERT,
  ]);
}

/** Every address a client of the lab may put in an https:// URL: the VIPs, then the nodes. */
export function labSiteAddresses(info: LabInfo): string[] {
  const vips = info.pairs
    .flatMap((p) => [p.vip, ...(p.secondVip ? [p.secondVip] : []), ...(p.activeActive ? [p.activeActive.vip] : [])])
    .map((v) => v.split('/')[0]!);
  // The IPv6 VIP of the first pair too (src/lab/inventory.ts), when the lab has IPv6.
  const v6 = info.subnet6 && info.nodes[0]?.address6 ? [ip6At(info.subnet6, OFFSET.vips[0])] : [];
  return [...vips, ...v6, ...info.nodes.map((n) => n.address)];
}

/**
 * Issues this lab's site certificate (825 days, the longest clients accept) and writes the CA
 * beside the inventory. The key is 0600 in the lab's state directory, which `lab down` removes.
 */
export async function issueLabSite(info: LabInfo, inventoryDir: string): Promise<void> {
  await ensureCa();
  await mkdir(LAB_TLS_DIR, { recursive: true, mode: 0o700 });
  await ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', LAB_SITE_KEY]);
  await chmod(LAB_SITE_KEY, 0o600);
  const san = [`DNS:${LAB_SITE_NAME}`, ...labSiteAddresses(info).map((a) => `IP:${a}`)].join(',');
  await writeFile(join(LAB_TLS_DIR, 'site.ext'), `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  await ossl(['req', '-new', '-key', LAB_SITE_KEY, '-subj', `/CN=${LAB_SITE_NAME}`, '-out', 'site.csr'], LAB_TLS_DIR);
  await ossl(
    [
      'x509',
      '-req',
      '-in',
      'site.csr',
      '-CA',
      CA_CERT,
      '-CAkey',
      CA_KEY,
      '-CAcreateserial',
      '-CAserial',
      'ca.srl',
      '-days',
      '825',
      '-extfile',
      'site.ext',
      '-out',
      LAB_SITE_CERT,
    ],
    LAB_TLS_DIR,
  );
  await copyLabCa(inventoryDir);
}

/** Writes the lab CA's certificate into an inventory directory (a lab booted from another checkout). */
export async function copyLabCa(inventoryDir: string): Promise<void> {
  if (existsSync(CA_CERT)) await copyFile(CA_CERT, join(inventoryDir, LAB_CA_FILE));
}

// Throwaway certificates for tests, made by the openssl on this machine in a temp dir: a root CA,
// an intermediate it signed, a site certificate the intermediate signed, the site's key, and a
// key that belongs to nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  /** site certificate + intermediate, as cert_file holds it */
  chain: string;
  /** site certificate + root (which did not sign it) */
  badChain: string;
  siteKey: string;
  otherKey: string;
  root: string;
  /** Paths of the above in dir: chain.pem, bad-chain.pem, site.key, other.key, root.pem */
}

/** `name`: the site certificate's CN and DNS name (its SAN also holds IP:127.0.0.1). */
export function makeCerts(days = 30, name = 'site.test'): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'haops-tls-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const key = (name: string) => ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  key('root.key');
  key('int.key');
  key('site.key');
  key('other.key');
  ossl(
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=haops test root',
    '-days',
    String(days + 10),
    '-out',
    'root.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  writeFileSync(join(dir, 'site.ext'), `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${name},IP:127.0.0.1\n`);
  ossl('req', '-new', '-key', 'int.key', '-subj', '/CN=haops test intermediate', '-out', 'int.csr');
  ossl(
    'x509',
    '-req',
    '-in',
    'int.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    String(days + 5),
    '-extfile',
    'ca.ext',
    '-out',
    'int.pem',
  );
  ossl('req', '-new', '-key', 'site.key', '-subj', `/CN=${name}`, '-out', 'site.csr');
  ossl(
    'x509',
    '-req',
    '-in',
    'site.csr',
    '-CA',
    'int.pem',
    '-CAkey',
    'int.key',
    '-CAcreateserial',
    '-days',
    String(days),
    '-extfile',
    'site.ext',
    '-out',
    'site.pem',
  );
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  const chain = r('site.pem') + r('int.pem');
  const badChain = r('site.pem') + r('root.pem');
  writeFileSync(join(dir, 'chain.pem'), chain);
  writeFileSync(join(dir, 'bad-chain.pem'), badChain);
  return { dir, chain, badChain, siteKey: r('site.key'), otherKey: r('other.key'), root: r('root.pem') };
}

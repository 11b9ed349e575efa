// A TLS certificate chain and key, judged before anything reaches a node: the key matches the
// site certificate, every certificate is valid now, each one is signed by the next. Pure (Node's
// crypto only); a problem never quotes the key.
import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';

export interface TlsProblem {
  /** The field the problem belongs to: cert_file or the key's field. */
  field: 'cert' | 'key';
  message: string;
  fix: string;
}

export interface TlsFacts {
  /** The site certificate's notAfter, ms since the epoch. */
  notAfter: number;
  subject: string;
  /** sha256 of the certificate file as pushed (what status compares with the node's file). */
  sha256: string;
  /** The site certificate's DNS names (subjectAltName), in order: the probes' default SNI. */
  dnsNames: string[];
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Only the PEM certificate blocks of a file (what a CA file may carry to a probe host's shell). */
export const certBlocks = (pem: string): string => (pem.match(CERT_BLOCK) ?? []).join('\n');

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The chain and key's problems (empty: nginx can serve them), and the facts status needs. */
export function judgeTls(certPem: string, keyPem: string, now: number = Date.now()): { problems: TlsProblem[]; facts?: TlsFacts } {
  const problems: TlsProblem[] = [];
  const blocks = certPem.match(CERT_BLOCK) ?? [];
  if (!blocks.length)
    return {
      problems: [
        {
          field: 'cert',
          message: 'cert_file holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
          fix: 'point cert_file at the PEM chain: the site certificate first, then its intermediates (openssl x509 -inform der -in X.der -out X.pem converts DER)',
        },
      ],
    };
  const certs: X509Certificate[] = [];
  for (const [i, b] of blocks.entries()) {
    try {
      certs.push(new X509Certificate(b));
    } catch {
      return {
        problems: [
          {
            field: 'cert',
            message: `certificate ${i + 1} of cert_file is not a readable X.509 certificate`,
            fix: 'export the chain again as PEM',
          },
        ],
      };
    }
  }
  const site = certs[0]!;
  for (const [i, c] of certs.entries()) {
    const which =
      i === 0
        ? `the site certificate (${c.subject.replace(/\n/g, ', ')})`
        : `chain certificate ${i + 1} (${c.subject.replace(/\n/g, ', ')})`;
    const from = Date.parse(c.validFrom);
    const to = Date.parse(c.validTo);
    if (to <= now)
      problems.push({
        field: 'cert',
        message: `${which} expired on ${day(to)}`,
        fix: 'renew the certificate and point cert_file at the new chain',
      });
    else if (from > now)
      problems.push({
        field: 'cert',
        message: `${which} is not valid before ${day(from)}`,
        fix: "check this machine's clock, or wait until it is valid",
      });
    const next = certs[i + 1];
    if (next && !(c.checkIssued(next) && c.verify(next.publicKey)))
      problems.push({
        field: 'cert',
        message: `chain certificate ${i + 2} (${next.subject.replace(/\n/g, ', ')}) did not sign certificate ${i + 1} (issuer ${c.issuer.replace(/\n/g, ', ')})`,
        fix: 'order cert_file as the site certificate, then the intermediate that signed it, and so on (as your CA sent them)',
      });
  }
  let key: KeyObject | undefined;
  if (!KEY_BLOCK.test(keyPem))
    problems.push({
      field: 'key',
      message: 'the key is not a PEM private key (-----BEGIN ... PRIVATE KEY-----; it is not shown)',
      fix: 'give the unencrypted PEM private key of the site certificate',
    });
  else {
    try {
      key = createPrivateKey(keyPem);
    } catch {
      problems.push({
        field: 'key',
        message: 'the private key cannot be read (encrypted or damaged; it is not shown)',
        fix: 'give the key without a passphrase (openssl pkey -in enc.key -out site.key), mode 0600',
      });
    }
  }
  if (key) {
    const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const fromCert = site.publicKey.export({ type: 'spki', format: 'der' });
    if (!fromKey.equals(fromCert))
      problems.push({
        field: 'key',
        message: `the private key does not match the site certificate (${site.subject.replace(/\n/g, ', ')}); it is not shown`,
        fix: 'give the key the certificate was issued for, or the certificate issued for this key',
      });
  }
  const dnsNames = (site.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4));
  return {
    problems,
    facts: { notAfter: Date.parse(site.validTo), subject: site.subject.replace(/\n/g, ', '), sha256: sha256(certPem), dnsNames },
  };
}

/** What masking needs for a key: the whole text and each base64 line (a diff or log may show one line). */
export function keySecrets(keyPem: string): string[] {
  return [keyPem, ...keyPem.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith('-----'))];
}

import { webcrypto } from 'node:crypto';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import { subjectName } from './csr.js';
import { CLOCK_SKEW_MS, randomSerial } from './issuers/local-ca/sign.js';
import { generatePrivateKeyPem, parsePrivateKeyPem, webCryptoKeyPair, type KeyType } from './keys.js';
import { pathExists } from '../core/path-exists.js';

export interface CaInitOptions {
  dir: string;
  name?: string;
  days?: number;
  keyType?: KeyType;
  now?: number;
}

export interface CaInitResult {
  certificatePath: string;
  keyPath: string;
  notAfter: Date;
}

/**
 * `muster ca init`: a new self-signed CA for the local-ca issuer, as ca.pem (0644) and
 * ca-key.pem (0600 from the moment it exists). It never overwrites a CA: replacing one would
 * silently invalidate every certificate it signed.
 */
export async function initCa(options: CaInitOptions): Promise<CaInitResult> {
  const certificatePath = join(options.dir, 'ca.pem');
  const keyPath = join(options.dir, 'ca-key.pem');
  for (const path of [certificatePath, keyPath]) {
    if (await pathExists(path)) {
      throw new MusterError(`${path} exists: refusing to replace a CA`, {
        code: 'PKI_CA_EXISTS',
        kind: 'unsafe',
        hint: 'certificates signed by the existing CA would stop verifying; choose another --dir, or move the old files away first',
      });
    }
  }
  const now = options.now ?? Date.now();
  const days = options.days ?? 3650;
  const keyPem = await generatePrivateKeyPem(options.keyType ?? 'ec-p256');
  const { keys, algorithm } = await webCryptoKeyPair(parsePrivateKeyPem(keyPem));
  const notAfter = new Date(now + days * 86_400_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: subjectName(options.name ?? 'muster CA'),
      keys,
      signingAlgorithm: algorithm,
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter,
      extensions: [
        // pathLen 0: this CA signs node certificates only, never another CA.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  // The key first: a ca.pem without its key would look like a usable CA.
  await writeFileAtomic(keyPath, keyPem, { mode: 0o600, dirMode: 0o700 });
  await writeFileAtomic(certificatePath, `${certificate.toString('pem')}\n`, { mode: 0o644, dirMode: 0o700 });
  return { certificatePath, keyPath, notAfter };
}


import { randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { sanExtension, subjectName } from '../../csr.js';
import { webCryptoKeyPair } from '../../keys.js';
import { isEmptySanSet, type SanSet } from '../../sans.js';
import type { CertificateUsage } from '../../types.js';

/** 128 random bits, high bit clear so the DER INTEGER stays positive (RFC 5280 §4.1.2.2). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // and not zero, so it keeps all 16 bytes
  return bytes.toString('hex');
}

/** Backdated so a node whose clock is a little behind the CA's still accepts a fresh certificate. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface SignInput {
  ca: { certificate: x509.X509Certificate; key: KeyObject };
  publicKey: KeyObject;
  sans: SanSet;
  usages: readonly CertificateUsage[];
  commonName: string | undefined;
  notAfter: Date;
  now: number;
}

/** A leaf certificate for `publicKey`, signed by the CA: exactly these SANs and usages, never a CA itself. */
export async function signLeaf(input: SignInput): Promise<x509.X509Certificate> {
  const { keys, algorithm } = await webCryptoKeyPair(input.ca.key);
  const leafKey = await webcrypto.subtle.importKey(
    'spki',
    input.publicKey.export({ type: 'spki', format: 'der' }),
    input.publicKey.asymmetricKeyType === 'ec' ? { name: 'ECDSA', namedCurve: namedCurve(input.publicKey) } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    true,
    ['verify'],
  );
  const keyUsage =
    x509.KeyUsageFlags.digitalSignature | (input.publicKey.asymmetricKeyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0);
  const usages = [
    ...(input.usages.includes('server') ? [x509.ExtendedKeyUsage.serverAuth] : []),
    ...(input.usages.includes('client') ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: subjectName(input.commonName),
      issuer: input.ca.certificate.subjectName,
      notBefore: new Date(input.now - CLOCK_SKEW_MS),
      notAfter: input.notAfter,
      publicKey: leafKey,
      signingKey: keys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(keyUsage, true),
        new x509.ExtendedKeyUsageExtension(usages),
        // No SANs: no extension (RFC 5280 forbids an empty one). An empty subject makes it critical (§4.2.1.6).
        ...(isEmptySanSet(input.sans) ? [] : [new x509.SubjectAlternativeNameExtension(sanExtension(input.sans).names.toJSON(), input.commonName === undefined)]),
        await x509.SubjectKeyIdentifierExtension.create(leafKey, false, webcrypto),
        await x509.AuthorityKeyIdentifierExtension.create(input.ca.certificate, false, webcrypto),
      ],
    },
    webcrypto,
  );
}

function namedCurve(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : 'P-256';
}

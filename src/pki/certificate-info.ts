import { X509Certificate as NodeCertificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { sanSet, type SanSet } from './sans.js';
import type { CertificateUsage } from './types.js';

/** What muster needs to know about a certificate on disk or fresh from an issuer. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  serial: string;
  /** Milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  sans: SanSet;
  /** Extended key usages muster knows (serverAuth → server, clientAuth → client). */
  usages: CertificateUsage[];
  isCa: boolean;
  /** SHA-256 of the public key (SPKI DER), hex: ties a certificate to its key without touching the key. */
  publicKeySha256: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle in order (node.pem: leaf first, then the chain), each ending in a newline. */
export function splitPemCertificates(text: string): string[] {
  return (text.match(PEM_CERTIFICATE) ?? []).map((pem) => `${pem}\n`);
}

export function parseCertificatePem(pem: string): CertificateInfo {
  let cert: x509.X509Certificate;
  let native: NodeCertificate;
  try {
    cert = new x509.X509Certificate(pem);
    native = new NodeCertificate(pem);
  } catch {
    throw new Error('not a PEM certificate');
  }
  const dns: string[] = [];
  const ips: string[] = [];
  const usages: CertificateUsage[] = [];
  let isCa = false;
  for (const extension of cert.extensions) {
    if (extension instanceof x509.SubjectAlternativeNameExtension) {
      for (const name of extension.names.items) {
        if (name.type === 'dns') dns.push(name.value);
        else if (name.type === 'ip') ips.push(name.value);
      }
    } else if (extension instanceof x509.ExtendedKeyUsageExtension) {
      if (extension.usages.includes(x509.ExtendedKeyUsage.serverAuth)) usages.push('server');
      if (extension.usages.includes(x509.ExtendedKeyUsage.clientAuth)) usages.push('client');
    } else if (extension instanceof x509.BasicConstraintsExtension) {
      isCa = extension.ca;
    }
  }
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    sans: sanSet({ dns, ips }),
    usages,
    isCa,
    publicKeySha256: publicKeySha256(native.publicKey),
  };
}

export function publicKeySha256(key: KeyObject): string {
  const spki = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** Whether `pem`'s public key is the public half of `key`. */
export function certificateMatchesKey(pem: string, key: KeyObject): boolean {
  try {
    return new NodeCertificate(pem).checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** Whether `child` was signed by `parent` (names chain and the signature verifies). */
export function isIssuedBy(child: string, parent: string): boolean {
  try {
    const c = new NodeCertificate(child);
    const p = new NodeCertificate(parent);
    return c.checkIssued(p) && c.verify(p.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(pem: string): boolean {
  return isIssuedBy(pem, pem);
}

/** The CN of a certificate's subject, for file names such as NodeReg's <common name>.pem. */
export function commonNameOf(pem: string): string | undefined {
  try {
    return new x509.X509Certificate(pem).subjectName.getField('CN')[0];
  } catch {
    return undefined;
  }
}

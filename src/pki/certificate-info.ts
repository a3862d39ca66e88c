import { X509Certificate as NodeCertificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
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

// Extended key usage OIDs node:crypto reports (RFC 5280 4.2.1.12).
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Reads a certificate with node:crypto alone: a boot that finds its certificate valid never
 * loads the X.509 library (@peculiar/x509, ~100 ms of CPU), which only issuing needs.
 */
export function parseCertificatePem(pem: string): CertificateInfo {
  let cert: NodeCertificate;
  try {
    cert = new NodeCertificate(pem);
  } catch {
    throw new Error('not a PEM certificate');
  }
  const dns: string[] = [];
  const ips: string[] = [];
  for (const entry of splitSubjectAltName(cert.subjectAltName)) {
    if (entry.startsWith('DNS:')) dns.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ips.push(entry.slice(11));
  }
  const extendedUsages = cert.keyUsage ?? [];
  const usages: CertificateUsage[] = [];
  if (extendedUsages.includes(SERVER_AUTH)) usages.push('server');
  if (extendedUsages.includes(CLIENT_AUTH)) usages.push('client');
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    serial: cert.serialNumber.toLowerCase(),
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
    sans: sanSet({ dns, ips }),
    usages,
    isCa: cert.ca,
    publicKeySha256: publicKeySha256(cert.publicKey),
  };
}

/** node:crypto writes a name one attribute per line ("C=US\nCN=x"); muster shows it as "C=US, CN=x". */
function distinguishedName(lines: string | undefined): string {
  // An empty subject (a client certificate without a CN, for etcd's grpc-proxy) is undefined.
  return (lines ?? '').split('\n').filter((line) => line !== '').join(', ');
}

/** "DNS:a, IP Address:10.0.0.1": entries split on ", " outside the quotes node:crypto puts around odd values. */
function splitSubjectAltName(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < value.length; index++) {
    const char = value[index] as string;
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === ',' && value[index + 1] === ' ') {
      entries.push(current);
      current = '';
      index++;
    } else current += char;
  }
  entries.push(current);
  return entries;
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
    const line = (new NodeCertificate(pem).subject ?? '').split('\n').find((attribute) => attribute.startsWith('CN='));
    return line?.slice(3);
  } catch {
    return undefined;
  }
}

/**
 * What the CA returned, checked and split into muster's IssuedCertificate. ACME servers send the
 * leaf and its intermediates but not the root (RFC 8555 §7.4.2), so the root comes from config:
 * root_ca_file; else the ca_bundle (a private CA such as step-ca signs its TLS certificate and
 * the nodes' certificates with one root), a self-signed top of the chain, or one of the Mozilla
 * roots Node ships (public CAs: Let's Encrypt's ISRG roots). Whichever it is, it must have issued
 * the top of the chain, or ca.pem would not verify the node's certificate.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { MusterError } from '../../../core/errors.js';
import { canonicalIp } from '../../sans.js';
import type { CertificateRequest, IssuedCertificate } from '../../types.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;

export function splitPem(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => `${match[0]}\n`);
}

export interface RootSources {
  rootCaFile?: { path: string; pem: string };
  caBundle?: { path: string; pem: string };
}

export function assembleIssued(chainText: string, request: CertificateRequest, roots: RootSources, directory: string): IssuedCertificate {
  const pems = splitPem(chainText);
  const [leafPem, ...rest] = pems;
  if (leafPem === undefined) throw new MusterError(`${directory} returned no certificate`, { code: 'ACME_NO_CERTIFICATE', kind: 'unavailable', retryable: true });
  const leaf = new X509Certificate(leafPem);
  checkSans(leaf, request, directory);
  checkUsages(leaf, request, directory);
  // A CA may append its root; ca.pem holds it, the chain only intermediates.
  const intermediates = rest.filter((pem) => !isSelfSigned(new X509Certificate(pem)));
  const top = new X509Certificate(intermediates.at(-1) ?? leafPem);
  const caPem = findRoot(top, rest, roots, directory);
  return { certificatePem: leafPem, chainPem: intermediates, caPem };
}

function findRoot(top: X509Certificate, rest: readonly string[], roots: RootSources, directory: string): string {
  const candidates: { from: string; pems: string[] }[] = [];
  if (roots.rootCaFile) candidates.push({ from: `root_ca_file ${roots.rootCaFile.path}`, pems: splitPem(roots.rootCaFile.pem) });
  else {
    if (roots.caBundle) candidates.push({ from: `ca_bundle ${roots.caBundle.path}`, pems: splitPem(roots.caBundle.pem) });
    candidates.push({ from: 'the chain', pems: rest.filter((pem) => isSelfSigned(new X509Certificate(pem))) });
    candidates.push({ from: 'Node\'s Mozilla roots', pems: rootCertificates.map((pem) => `${pem.trim()}\n`) });
  }
  for (const { pems } of candidates) {
    const root = pems.find((pem) => issued(new X509Certificate(pem), top));
    if (root !== undefined) return root;
  }
  const issuer = top.issuer.replace(/\n/g, ', ');
  if (roots.rootCaFile) {
    throw new MusterError(`the certificate from ${directory} does not lead to a root in ${candidates[0]?.from ?? 'root_ca_file'}: its chain ends at one issued by "${issuer}"`, {
      code: 'ACME_ROOT_MISMATCH',
      kind: 'config',
      hint: 'set root_ca_file to the PEM of that root (the CA may have changed roots, or root_ca_file is for another CA)',
    });
  }
  throw new MusterError(`${directory} does not send the root its chain leads to ("${issuer}"), and no configured file holds it`, {
    code: 'ACME_ROOT_UNKNOWN',
    kind: 'config',
    hint: 'set root_ca_file to the PEM of that root (for Pebble: its management port\'s /roots/0)',
  });
}

function isSelfSigned(cert: X509Certificate): boolean {
  return issued(cert, cert);
}

/** Whether `issuer` issued `cert`: names match and the signature verifies with its key. */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function checkSans(leaf: X509Certificate, request: CertificateRequest, directory: string): void {
  const got = new Set<string>();
  for (const entry of (leaf.subjectAltName ?? '').split(/,\s*/)) {
    if (entry.startsWith('DNS:')) got.add(`dns:${entry.slice(4).toLowerCase()}`);
    else if (entry.startsWith('IP Address:')) got.add(`ip:${canonicalIp(entry.slice(11))}`);
  }
  const want = new Set([...request.sans.dns.map((name) => `dns:${name.toLowerCase()}`), ...request.sans.ips.map((ip) => `ip:${canonicalIp(ip)}`)]);
  const missing = [...want].filter((san) => !got.has(san));
  const extra = [...got].filter((san) => !want.has(san));
  if (missing.length + extra.length === 0) return;
  throw new MusterError(`${directory} issued a certificate for other names than asked for (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'})`, {
    code: 'ACME_SAN_MISMATCH',
    kind: 'internal',
    hint: 'the node did not install it; check the CA\'s issuance policy',
  });
}

function checkUsages(leaf: X509Certificate, request: CertificateRequest, directory: string): void {
  const ekus = leaf.keyUsage; // Node names the extended key usage OIDs so; undefined: no limit
  if (ekus === undefined) return;
  const missing = request.usages.filter((usage) => !ekus.includes(EKU[usage]));
  if (missing.length === 0) return;
  throw new MusterError(`${directory} issued "${request.name}" without the ${missing.join(' and ')} usage it needs`, {
    code: 'ACME_USAGE_MISSING',
    kind: 'config',
    hint: 'public ACME CAs issue server certificates (Let\'s Encrypt is ending clientAuth): issue client and peer certificates (etcd) from a private CA (local-ca, vault, step-ca)',
  });
}

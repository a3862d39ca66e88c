import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { webCryptoKeyPair } from './keys.js';
import { isEmptySanSet, sanSet, type SanSet } from './sans.js';

/**
 * PKCS#10 requests: the only thing about a node's key that ever leaves the node. Built and read
 * with @peculiar/x509 on Node's WebCrypto.
 */

/** A CSR signed with `key`, asking for exactly `sans`; CN is the given name ('' for none), else a DNS SAN that fits (≤ 64 chars), a full name first. */
export async function createCsrPem(key: KeyObject, sans: SanSet, commonName?: string): Promise<string> {
  const { keys, algorithm } = await webCryptoKeyPair(key);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: subjectName(commonName ?? defaultCommonName(sans)), keys, signingAlgorithm: algorithm, extensions: isEmptySanSet(sans) ? [] : [sanExtension(sans)] },
    webcrypto,
  );
  return csr.toString('pem');
}

function defaultCommonName(sans: SanSet): string | undefined {
  const fits = sans.dns.filter((name) => name.length <= 64);
  return fits.find((name) => name.includes('.')) ?? fits[0];
}

/** The subjectAltName extension for exactly these names and addresses (shared with the signers). */
export function sanExtension(sans: SanSet): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/** A subject with one CN, built as structured data so no character in the name needs escaping. */
export function subjectName(commonName: string | undefined): x509.JsonName {
  return commonName === undefined || commonName === '' ? [] : [{ CN: [commonName] }];
}

export interface ParsedCsr {
  commonName: string | undefined;
  sans: SanSet;
  /** SANs of other kinds (email, URI, …), which muster never asks for; signers refuse them. */
  otherSans: string[];
  publicKey: KeyObject;
  /** The CSR is signed by the key it carries (proof of possession). */
  signatureValid: boolean;
}

export async function parseCsrPem(pem: string): Promise<ParsedCsr> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw new Error('not a PEM certificate request (PKCS#10)');
  }
  const dns: string[] = [];
  const ips: string[] = [];
  const otherSans: string[] = [];
  for (const extension of csr.extensions) {
    if (!(extension instanceof x509.SubjectAlternativeNameExtension)) continue;
    for (const name of extension.names.items) {
      if (name.type === 'dns') dns.push(name.value);
      else if (name.type === 'ip') ips.push(name.value);
      else otherSans.push(`${name.type}:${name.value}`);
    }
  }
  return {
    commonName: csr.subjectName.getField('CN')[0],
    sans: sanSet({ dns, ips }),
    otherSans,
    publicKey: createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }),
    signatureValid: await csr.verify(webcrypto),
  };
}

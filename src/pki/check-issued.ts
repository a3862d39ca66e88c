import type { KeyObject } from 'node:crypto';
import { MusterError, describeError } from '../core/errors.js';
import { certificateMatchesKey, isIssuedBy, parseCertificatePem } from './certificate-info.js';
import type { CertificateSpec } from './plan.js';
import { formatSans, sanDifference } from './sans.js';
import type { IssuedCertificate } from './types.js';

/** Refuses what an issuer must never hand back: a certificate for another key, other SANs, or a broken chain. */
export function checkIssued(result: IssuedCertificate, spec: CertificateSpec, key: KeyObject, type: string): void {
  const fail = (problem: string, hint: string): MusterError =>
    new MusterError(`pki: the ${type} issuer returned a certificate for ${spec.name} that ${problem}; nothing written`, { code: 'PKI_ISSUED_INVALID', kind: 'internal', hint });
  let info;
  try {
    info = parseCertificatePem(result.certificatePem);
  } catch (error) {
    throw fail(`is unreadable (${describeError(error)})`, 'check the issuer');
  }
  if (!certificateMatchesKey(result.certificatePem, key)) throw fail('is not for the node\'s key', 'check the issuer: it must sign the CSR, not make its own key');
  const { missing, unexpected } = sanDifference(spec.sans, info.sans);
  if (missing.length + unexpected.length > 0) {
    throw fail(
      `has other SANs (${[...missing.map((san) => `missing ${san}`), ...unexpected.map((san) => `extra ${san}`)].join(', ')})`,
      `the issuer must allow exactly ${formatSans(spec.sans).join(', ')}`,
    );
  }
  const parent = result.chainPem[0] ?? result.caPem;
  if (!isIssuedBy(result.certificatePem, parent)) throw fail('is not signed by the chain or CA it came with', 'check the issuer\'s CA chain');
}

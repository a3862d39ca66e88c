import type { PkiConfig } from './config-schema.js';
import { certificateFiles } from './files.js';
import { assessCertificates } from './assess.js';
import type { Observed } from './plan.js';
import { formatSans } from './sans.js';
import type { NodeIdentity } from './specs.js';

export interface CertificateStatus {
  name: string;
  certificatePath: string;
  keyPath: string;
  /** The SANs muster wants for it. */
  wantedSans: string[];
  /** What the certificate on disk holds; absent when there is none. */
  sans?: string[];
  issuer?: string;
  notAfter?: string;
  renewalDueAt?: string;
  /** The next `certs renew` (or boot) issues it. */
  renewalDue: boolean;
  reasons: string[];
  /** Why a new key would be made (missing, unreadable: run status as root, other type). */
  keyProblem?: string;
  /** Why the files on disk cannot serve TLS as they are (a certificate for another key, …); absent when they can. */
  broken?: string;
}

/** `muster certs status`: each certificate, its SANs, its end and whether it is due, from the same plan `certs renew` follows. */
export async function certificatesStatus(options: { config: PkiConfig; self: NodeIdentity; root: string; now?: number }): Promise<CertificateStatus[]> {
  const now = options.now ?? Date.now();
  const { dir, specs, disk, decisions } = await assessCertificates({ config: options.config, self: options.self, root: options.root, now });
  return decisions.map((decision, index) => {
    const spec = specs[index];
    const observed = disk.observed.get(decision.name)?.certificate;
    const paths = certificateFiles(dir, decision.name);
    const info = observed?.state === 'present' ? observed.info : undefined;
    const broken = brokenPair(disk.observed.get(decision.name), paths, now);
    return {
      name: decision.name,
      certificatePath: paths.certificate,
      keyPath: paths.key,
      wantedSans: spec ? formatSans(spec.sans) : [],
      ...(info ? { sans: formatSans(info.sans), issuer: info.issuer, notAfter: new Date(info.notAfter).toISOString() } : {}),
      ...(decision.renewalDueAt === undefined ? {} : { renewalDueAt: new Date(decision.renewalDueAt).toISOString() }),
      renewalDue: decision.action === 'issue',
      reasons: decision.reasons,
      ...(decision.keyReason === undefined ? {} : { keyProblem: decision.keyReason }),
      ...(broken === undefined ? {} : { broken }),
    };
  });
}

/**
 * Whether a certificate on disk is unusable with its key. The pki step writes the key, then the
 * certificate: a crash between the two renames leaves the new key beside the old certificate,
 * and every TLS handshake with the pair fails until the next run issues a certificate for it.
 */
function brokenPair(observed: Observed | undefined, paths: { key: string; certificate: string }, now: number): string | undefined {
  const certificate = observed?.certificate;
  if (certificate === undefined || certificate.state === 'missing') return undefined;
  if (certificate.state === 'unreadable') return `the certificate is unreadable (${certificate.problem})`;
  if (observed?.key.state === 'missing') return `there is no key ${paths.key} for the certificate`;
  // An unreadable key is left to keyProblem: usually status runs without the rights to read it.
  if (observed?.key.state === 'present' && !certificate.matchesKey) {
    return `the certificate is not for the key in ${paths.key} (its public key is another key's), so TLS with this pair fails; \`muster certs renew\` issues a certificate for the key on disk`;
  }
  if (now >= certificate.info.notAfter) return `the certificate expired at ${new Date(certificate.info.notAfter).toISOString()}`;
  return undefined;
}

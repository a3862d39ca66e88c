import type { PkiConfig } from './config-schema.js';
import { certificateFiles } from './files.js';
import { assessCertificates } from './assess.js';
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
}

/** `muster certs status`: each certificate, its SANs, its end and whether it is due, from the same plan `certs renew` follows. */
export async function certificatesStatus(options: { config: PkiConfig; self: NodeIdentity; root: string; now?: number }): Promise<CertificateStatus[]> {
  const { dir, specs, disk, decisions } = await assessCertificates({ config: options.config, self: options.self, root: options.root, now: options.now ?? Date.now() });
  return decisions.map((decision, index) => {
    const spec = specs[index];
    const observed = disk.observed.get(decision.name)?.certificate;
    const paths = certificateFiles(dir, decision.name);
    const info = observed?.state === 'present' ? observed.info : undefined;
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
    };
  });
}

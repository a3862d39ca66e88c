import { underRoot } from '../core/root-path.js';
import type { PkiConfig } from './config-schema.js';
import { observeCertificates, type OnDisk } from './observe.js';
import { planCertificates, type CertificateDecision, type CertificateSpec } from './plan.js';
import { certificateSpecs, type FileSettings, type NodeIdentity } from './specs.js';

export interface Assessment {
  /** certificates_path under root. */
  dir: string;
  specs: (CertificateSpec & FileSettings)[];
  disk: OnDisk;
  /** One decision per spec, in the same order. */
  decisions: CertificateDecision[];
}

/** What the certificates should be, what is on disk, and the plan between them: shared by boot, renew and status. */
export async function assessCertificates(options: { config: PkiConfig; self: NodeIdentity; root: string; now: number; force?: boolean }): Promise<Assessment> {
  const { config } = options;
  const dir = underRoot(options.root, config.certificates_path);
  const specs = certificateSpecs(config, options.self);
  const disk = await observeCertificates(specs, dir);
  const decisions = planCertificates({
    specs,
    observed: disk.observed,
    now: options.now,
    renewBeforeMs: config.renew_before,
    host: options.self.hostname,
    caPresent: disk.caPresent,
    force: options.force === true,
  });
  return { dir, specs, disk, decisions };
}

import type { CertificateInfo } from './certificate-info.js';
import type { KeyType } from './keys.js';
import { renewalDueAt } from './renewal.js';
import { formatSans, sanDifference, type SanSet } from './sans.js';
import type { CertificateUsage } from './types.js';

/**
 * The pure decision of the pki step: for each wanted certificate, given what is on disk and the
 * time, keep it or issue it, and keep its key or make a new one, with every reason. A key of
 * the configured type and a valid certificate for it with exactly the wanted SANs are kept, so a
 * second run changes nothing.
 */
export interface CertificateSpec {
  /** "node", or the name of an extra certificate. */
  name: string;
  sans: SanSet;
  usages: readonly CertificateUsage[];
  keyType: KeyType;
  commonName?: string;
}

export type ObservedKey = { state: 'missing' } | { state: 'unreadable'; problem: string } | { state: 'present'; type: string };

export type ObservedCertificate =
  | { state: 'missing' }
  | { state: 'unreadable'; problem: string }
  | { state: 'present'; info: CertificateInfo; matchesKey: boolean };

export interface Observed {
  key: ObservedKey;
  certificate: ObservedCertificate;
}

export interface CertificateDecision {
  name: string;
  key: 'keep' | 'create';
  /** Why a new key is made. */
  keyReason?: string;
  action: 'keep' | 'issue';
  /** Why the certificate is issued; empty when kept. */
  reasons: string[];
  /** For a certificate on disk: its end, and when it is (or was) due for renewal. */
  notAfter?: number;
  renewalDueAt?: number;
}

export interface PlanInput {
  specs: readonly CertificateSpec[];
  observed: ReadonlyMap<string, Observed>;
  now: number;
  renewBeforeMs: number | null;
  /** Host name, so each node's certificates renew at their own jittered time. */
  host: string;
  /** ca.pem is on disk; without it the node certificate is issued again to get the CA. */
  caPresent: boolean;
  /** Issue every certificate again (certs renew --force). */
  force?: boolean;
}

export function planCertificates(input: PlanInput): CertificateDecision[] {
  return input.specs.map((spec) => decide(spec, input.observed.get(spec.name) ?? NOTHING, input));
}

const NOTHING: Observed = { key: { state: 'missing' }, certificate: { state: 'missing' } };

function decide(spec: CertificateSpec, observed: Observed, input: PlanInput): CertificateDecision {
  const keyReason = keyProblem(spec, observed.key);
  const reasons: string[] = [];
  if (keyReason !== undefined) reasons.push('new key');
  const cert = observed.certificate;
  let dates: Pick<CertificateDecision, 'notAfter' | 'renewalDueAt'> = {};
  if (cert.state === 'missing') reasons.push('no certificate');
  else if (cert.state === 'unreadable') reasons.push(`certificate unreadable: ${cert.problem}`);
  else {
    const { info } = cert;
    const due = renewalDueAt({ notBefore: info.notBefore, notAfter: info.notAfter, renewBeforeMs: input.renewBeforeMs, seed: `${input.host}/${spec.name}` });
    dates = { notAfter: info.notAfter, renewalDueAt: due };
    if (keyReason === undefined && !cert.matchesKey) reasons.push('certificate does not match the key');
    const { missing, unexpected } = sanDifference(spec.sans, info.sans);
    if (missing.length > 0 || unexpected.length > 0) {
      reasons.push(`SANs differ (${[...missing.map((san) => `missing ${san}`), ...unexpected.map((san) => `not wanted ${san}`)].join(', ')})`);
    }
    if (input.now >= info.notAfter) reasons.push(`expired ${new Date(info.notAfter).toISOString()}`);
    else if (input.now >= due) reasons.push(`renewal due since ${new Date(due).toISOString()}`);
  }
  if (spec.name === 'node' && !input.caPresent && reasons.length === 0) reasons.push('ca.pem missing');
  if (input.force && reasons.length === 0) reasons.push('forced');
  return {
    name: spec.name,
    key: keyReason === undefined ? 'keep' : 'create',
    ...(keyReason === undefined ? {} : { keyReason }),
    action: reasons.length > 0 ? 'issue' : 'keep',
    reasons,
    ...dates,
  };
}

function keyProblem(spec: CertificateSpec, key: ObservedKey): string | undefined {
  if (key.state === 'missing') return 'no key';
  if (key.state === 'unreadable') return `key unreadable: ${key.problem}`;
  if (key.type !== spec.keyType) return `key is ${key.type}, configured ${spec.keyType}`;
  return undefined;
}

/** One line per decision, for reports and --dry-run. */
export function describeDecision(decision: CertificateDecision, spec: CertificateSpec): string {
  if (decision.action === 'keep') return `${decision.name}: keep (${formatSans(spec.sans).join(', ')})`;
  const key = decision.key === 'create' ? `; new ${spec.keyType} key: ${decision.keyReason ?? ''}` : '';
  return `${decision.name}: issue: ${decision.reasons.join('; ')}${key}`;
}

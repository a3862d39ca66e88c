import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeError, isMusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import { parseCertificatePem } from './certificate-info.js';
import { checkIssued } from './check-issued.js';
import type { PkiConfig } from './config-schema.js';
import {
  applyOwner,
  caFile,
  certificateFiles,
  ensureMode,
  resolveOwner,
  writeCaFile,
  writeCertificateFile,
  writeKeyFile,
  CERTIFICATE_MODE,
  type Ownership,
} from './files.js';
import { generatePrivateKeyPem, parsePrivateKeyPem, type KeyFile } from './keys.js';
import { assessCertificates } from './assess.js';
import { describeDecision, type CertificateDecision, type CertificateSpec } from './plan.js';
import { createIssuer } from './registry.js';
import { runReloadHooks } from './reload.js';
import type { FileSettings, NodeIdentity } from './specs.js';
import { installTrust } from './trust-store.js';
import type { IssuedCertificate, Issuer, IssuerContext } from './types.js';

export interface CertsStepOptions {
  config: PkiConfig;
  self: NodeIdentity;
  root: string;
  dryRun: boolean;
  logger: Logger;
  issuerContext: IssuerContext;
  /** boot: make what is missing or due. renew (the timer): the same, then run pki.reload once if anything was issued. */
  mode?: 'boot' | 'renew';
  /** Issue every certificate again, keeping the keys (certs renew --force). */
  force?: boolean;
  now?: () => number;
}

export interface CertsStepResult {
  lines: string[];
  changed: boolean;
  /** Names of the certificates issued (or that would be, with dryRun). */
  issued: string[];
  /** Reload commands that failed; the certificates are in place. */
  reloadFailures: string[];
}

type Spec = CertificateSpec & FileSettings;

/** What one run has done so far. */
interface Run {
  options: CertsStepOptions;
  dir: string;
  lines: string[];
  changed: boolean;
  /** Certificates written in this run. */
  renewed: string[];
  issuer?: Issuer;
  caPem?: string | undefined;
}

/**
 * The pki step: keys made on the node, a plan against what is on disk, CSRs through the
 * configured issuer for what needs issuing, files written atomically (keys 0600 from creation),
 * the CA into the trust store, and in renew mode the reload commands. The issuer is only created
 * when something needs issuing, so a run that keeps everything needs no Vault token or ACME CA.
 */
export async function runCertsStep(options: CertsStepOptions): Promise<CertsStepResult> {
  const { config, root, dryRun } = options;
  const { dir, specs, disk, decisions } = await assessCertificates({ config, self: options.self, root, now: (options.now ?? Date.now)(), force: options.force === true });
  // Owners first: a user missing on the node is a config error, found before anything is issued.
  const owners = new Map<string, Ownership>();
  for (const spec of specs) if (spec.owner !== undefined && !owners.has(spec.owner)) owners.set(spec.owner, await resolveOwner(root, spec.owner));

  const run: Run = { options, dir, lines: [], changed: false, renewed: [] };
  const issued = decisions.filter((decision) => decision.action === 'issue').map((decision) => decision.name);
  if (dryRun) {
    run.lines.push(...decisions.map((decision, index) => `${decision.action === 'issue' ? 'would ' : ''}${describeDecision(decision, specs[index] as Spec)}`));
  } else {
    try {
      for (const [index, decision] of decisions.entries()) await apply(run, specs[index] as Spec, decision, disk.keys.get(decision.name), owners);
    } catch (error) {
      // Certificates already renewed in this run are in place: their services still get reloaded.
      await reload(run);
      throw error;
    }
  }

  run.caPem ??= await readOptional(caFile(dir));
  if (run.caPem !== undefined) {
    const trust = await installTrust({ root, caPem: run.caPem, trust: config.trust, caPath: config.ca_path, dryRun });
    run.lines.push(...trust.lines);
    run.changed ||= trust.changed;
  } else if (dryRun && (config.trust || config.ca_path !== null)) {
    run.lines.push('would install the CA in the trust store once issued');
  }

  if (dryRun && options.mode === 'renew' && issued.length > 0) run.lines.push(...config.reload.map((command) => `would run reload \`${command}\``));
  const reloadFailures = await reload(run);
  if (!dryRun && !run.changed) run.lines.push('nothing to change');
  return { lines: run.lines, changed: run.changed, issued, reloadFailures };
}

async function apply(run: Run, spec: Spec, decision: CertificateDecision, existing: KeyFile | undefined, owners: ReadonlyMap<string, Ownership>): Promise<void> {
  const { config, logger } = run.options;
  const paths = certificateFiles(run.dir, spec.name);
  const note = (line: string): void => {
    run.lines.push(`  ${line}`);
    run.changed = true;
  };
  run.lines.push(describeDecision(decision, spec));
  if (decision.action === 'issue') {
    logger.info({ certificate: spec.name, reasons: decision.reasons }, 'pki: issuing certificate');
    const keyPem = decision.key === 'keep' && existing?.state === 'present' ? existing.pem : await generatePrivateKeyPem(spec.keyType);
    const key = parsePrivateKeyPem(keyPem);
    run.issuer ??= await createIssuer(config.issuer, run.options.issuerContext);
    const result = await issue(run.issuer, spec, key, config, logger);
    // The key only after the issuer answered: a failed issue must not leave a new key beside the old certificate.
    if (await writeKeyFile(paths.key, keyPem, spec.keyMode)) note(`wrote ${paths.key}`);
    if (await writeCertificateFile(paths.certificate, result.certificatePem, result.chainPem)) note(`wrote ${paths.certificate}`);
    run.renewed.push(spec.name);
    // ca.pem with each certificate, so a later failure never leaves certificates without their CA.
    run.caPem = result.caPem;
    if (await writeCaFile(caFile(run.dir), result.caPem)) note(`wrote ${caFile(run.dir)}`);
    const info = parseCertificatePem(result.certificatePem);
    logger.info({ certificate: spec.name, notAfter: new Date(info.notAfter).toISOString() }, 'pki: certificate issued');
    // ACME CAs choose the usages themselves (Let's Encrypt is dropping clientAuth): say so rather than issue again and again.
    const lacking = spec.usages.filter((usage) => !info.usages.includes(usage));
    if (lacking.length > 0) run.lines.push(`  note: the ${run.issuer.type} issuer left out the ${lacking.join(' and ')} usage`);
  } else {
    if (await ensureMode(paths.key, spec.keyMode)) note(`mode of ${paths.key} set to ${spec.keyMode.toString(8).padStart(4, '0')}`);
    if (await ensureMode(paths.certificate, CERTIFICATE_MODE)) note(`mode of ${paths.certificate} set to 0644`);
  }
  const ownership = spec.owner === undefined ? undefined : owners.get(spec.owner);
  if (spec.owner === undefined || ownership === undefined) return;
  for (const path of [paths.key, paths.certificate]) {
    const done = await applyOwner(path, ownership, spec.owner);
    if (done?.startsWith('owner of')) note(done);
    else if (done) run.lines.push(`  ${done}`);
  }
}

/** One issue through the issuer, retried while the issuer says it is unavailable, then checked. */
async function issue(issuer: Issuer, spec: Spec, key: KeyObject, config: PkiConfig, logger: Logger): Promise<IssuedCertificate> {
  // The X.509 library loads here, when a certificate is issued, not on a boot that keeps its own.
  const { createCsrPem } = await import('./csr.js');
  const csrPem = await createCsrPem(key, spec.sans, spec.commonName);
  const lifetimeHours = Math.max(1, Math.round(config.lifetime / 3_600_000));
  const result = await retry(() => issuer.issue({ name: spec.name, csrPem, sans: spec.sans, usages: spec.usages, lifetimeHours }), {
    timeoutMs: config.timeout,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    isRetryable: (error) => isMusterError(error) && error.retryable,
    what: `pki: issue ${spec.name} through the ${issuer.type} issuer`,
    onRetry: (error, attempt) => logger.warn({ certificate: spec.name, attempt, error: describeError(error) }, 'pki: issuer unavailable, retrying'),
  });
  checkIssued(result, spec, key, issuer.type);
  return result;
}

/** In renew mode, pki.reload once after anything was renewed. */
async function reload(run: Run): Promise<string[]> {
  const { options } = run;
  if (options.mode !== 'renew' || run.renewed.length === 0 || options.config.reload.length === 0) return [];
  const outcome = await runReloadHooks(options.config.reload, options.root, options.logger);
  run.lines.push(...outcome.lines);
  return outcome.failures;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

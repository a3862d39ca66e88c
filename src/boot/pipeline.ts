import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import type { DnsConfig } from '../dns/config-schema.js';
import { formEtcd, type FormReport } from '../etcd/form.js';
import { applyHostname } from '../node/apply-hostname.js';
import { guardDecision } from '../node/guard.js';
import type { Discovery, Platform } from '../platform/types.js';
import type { BootStep } from './config-schema.js';
import { runDnsStep } from './dns-step.js';
import { nodeIdentity } from './node-identity.js';
import { peerHostname } from './peer-hostname.js';
import { bootSteps } from './steps.js';

export interface StepReport {
  step: BootStep;
  lines: string[];
}

export interface BootReport {
  steps: StepReport[];
  /** Set when the guard found an image-building instance: nothing after it ran. */
  imageBuild?: { block: boolean; reason: string };
  etcd?: FormReport;
}

export interface BootOptions {
  config: Config;
  platform: Platform;
  logger: Logger;
  dryRun: boolean;
}

/**
 * `muster boot`: guard → hostname → dns → pki → etcd → units, each a pure decision then its application
 * (skipped with --dry-run). One discovery serves guard, hostname and dns; etcd discovers again
 * as part of its own retry loop, since membership may have changed while DNS was written.
 */
export async function runBoot(options: BootOptions): Promise<BootReport> {
  const { config, logger, dryRun } = options;
  const steps = bootSteps(config);
  const report: BootReport = { steps: [] };
  let discovery: Discovery | undefined;
  const discover = async (): Promise<Discovery> =>
    (discovery ??= await retry(() => options.platform.discover(), {
      timeoutMs: config.etcd.timeout,
      what: `discover this node and its peers through the ${options.platform.type} platform`,
      onRetry: (error, attempt) => logger.warn({ attempt, error: String(error) }, 'discovery failed, retrying'),
    }));

  for (const step of steps) {
    const lines: string[] = [];
    report.steps.push({ step, lines });
    switch (step) {
      case 'guard': {
        const decision = guardDecision((await discover()).self.tags, config.base);
        lines.push(decision.reason);
        if (decision.building) {
          report.imageBuild = { block: config.base.on_build === 'block', reason: decision.reason };
          return report;
        }
        break;
      }
      case 'hostname': {
        if (!config.hostname) break;
        const { self } = await discover();
        const name = peerHostname(self, config.hostname);
        const fqdn = config.dns ? `${name}.${config.dns.zone.replace(/\.$/, '')}` : undefined;
        lines.push(`hostname ${name}${fqdn ? ` (${fqdn})` : ''}`);
        const changes = config.hostname.apply ? await applyHostname(config.root, { name, ip: self.ip, ...(fqdn ? { fqdn } : {}) }, dryRun, logger) : [];
        lines.push(...(changes.length > 0 ? changes : [config.hostname.apply ? 'nothing to change' : 'not applied (hostname.apply: false)']));
        break;
      }
      case 'dns': {
        if (!config.dns) break;
        const result = await runDnsStep(config as Config & { dns: DnsConfig }, await discover(), dryRun, logger);
        lines.push(...result.summary);
        if (result.writeCalls > 0) lines.push(`${result.writeCalls} write call${result.writeCalls === 1 ? '' : 's'}`);
        break;
      }
      case 'pki': {
        // After dns, as NodeReg did: an ACME CA can then validate the FQDN just registered.
        if (!config.pki) break;
        const { self } = await discover();
        const [{ runCertsStep }, { issuerContextFor }] = await Promise.all([import('../pki/certs-step.js'), import('../pki/registry.js')]);
        const result = await runCertsStep({ config: config.pki, self: nodeIdentity(config, self), root: config.root, dryRun, logger, issuerContext: issuerContextFor(config, logger) });
        lines.push(...result.lines);
        break;
      }
      case 'etcd': {
        try {
          report.etcd = await formEtcd({ config, platform: options.platform, logger, dryRun });
        } catch (error) {
          // A first boot's dry run: the pki step has not written the certificates the https probes present.
          if (!(dryRun && error instanceof MusterError && error.code === 'ETCD_TLS_FILES')) throw error;
          lines.push(`peers not probed: ${error.message}; the pki step writes the certificates when this is not a dry run`);
          break;
        }
        const { decision } = report.etcd;
        lines.push(`${decision.action}${'clusterId' in decision ? ` cluster ${decision.clusterId}` : ''}`, ...decision.reasons.map((reason) => `because ${reason}`));
        lines.push(...report.etcd.membership.map((step) => `membership: ${step}`), ...report.etcd.changes);
        break;
      }
      case 'units': {
        // After etcd, as the seed's units ran after its etcd: they may use it.
        if (!config.units) break;
        const { runUnitsStep } = await import('../units/units-step.js');
        lines.push(...(await runUnitsStep({ units: config.units, root: config.root, dryRun, logger })));
        break;
      }
    }
  }
  return report;
}

import type { Config } from '../../config/schema.js';
import type { DnsConfig } from '../../dns/config-schema.js';
import type { BootStepModule } from '../step.js';

/** The group's records, changing only those muster owns. */
export const dnsStep: BootStepModule = {
  name: 'dns',
  configured: (config) => config.dns !== undefined,
  async run({ config, discover, dryRun, logger }) {
    if (!config.dns) return { lines: [] };
    // Loaded when the step runs, as every step's work: a boot loads only the steps it runs.
    const { runDnsStep } = await import('../dns-step.js');
    const result = await runDnsStep(config as Config & { dns: DnsConfig }, await discover(), dryRun, logger);
    return { lines: [...result.summary, ...(result.writeCalls > 0 ? [`${result.writeCalls} write call${result.writeCalls === 1 ? '' : 's'}`] : [])] };
  },
};

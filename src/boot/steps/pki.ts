import { nodeIdentity } from '../node-identity.js';
import type { BootStepModule } from '../step.js';

/** The node's certificates; after dns, as NodeReg did, so an ACME CA can validate the FQDN just registered. */
export const pkiStep: BootStepModule = {
  name: 'pki',
  configured: (config) => config.pki !== undefined,
  async run({ config, discover, dryRun, logger }) {
    if (!config.pki) return { lines: [] };
    const { self } = await discover();
    const [{ runCertsStep }, { issuerContextFor }] = await Promise.all([import('../../pki/certs-step.js'), import('../../pki/registry.js')]);
    const result = await runCertsStep({ config: config.pki, self: nodeIdentity(config, self), root: config.root, dryRun, logger, issuerContext: issuerContextFor(config, logger) });
    return { lines: result.lines };
  },
};

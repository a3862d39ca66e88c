import { applyHostname } from '../../node/apply-hostname.js';
import { peerHostname } from '../peer-hostname.js';
import type { BootStepModule } from '../step.js';

/** NodeReg's Hostname module: the name from a tag and the node's IP, applied when asked. */
export const hostnameStep: BootStepModule = {
  name: 'hostname',
  configured: (config) => config.hostname !== undefined,
  async run({ config, discover, dryRun, logger }) {
    if (!config.hostname) return { lines: [] };
    const { self } = await discover();
    const name = peerHostname(self, config.hostname);
    const fqdn = config.dns ? `${name}.${config.dns.zone.replace(/\.$/, '')}` : undefined;
    const changes = config.hostname.apply ? await applyHostname(config.root, { name, ip: self.ip, ...(fqdn ? { fqdn } : {}) }, dryRun, logger) : [];
    return {
      lines: [`hostname ${name}${fqdn ? ` (${fqdn})` : ''}`, ...(changes.length > 0 ? changes : [config.hostname.apply ? 'nothing to change' : 'not applied (hostname.apply: false)'])],
    };
  },
};

import type { Config } from '../config/schema.js';
import type { NodeIdentity } from '../pki/specs.js';
import type { NodeFacts } from '../platform/types.js';
import { peerHostname } from './peer-hostname.js';

/** The hostname step's name, its FQDN in dns.zone, and the platform's address: the SANs boot and renew agree on. */
export function nodeIdentity(config: Pick<Config, 'hostname' | 'dns'>, self: NodeFacts): NodeIdentity {
  const hostname = peerHostname(self, config.hostname);
  return { hostname, ...(config.dns ? { fqdn: `${hostname}.${config.dns.zone.replace(/\.$/, '')}` } : {}), ips: [self.ip] };
}

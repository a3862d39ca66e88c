import { underRoot } from '../core/root-path.js';
import type { DnsProviderConfig } from './config-schema.js';
import type { DnsProvider } from './types.js';

/**
 * DNS provider type → factory. Factories import their provider lazily, so the AWS SDK (route53)
 * or the etcd client (coredns-etcd) load only when that provider is configured. The memory
 * provider is for tests and has no entry.
 */
type Factories = { [K in DnsProviderConfig['type']]: (config: Extract<DnsProviderConfig, { type: K }> & { zone: string }) => Promise<DnsProvider> };

const factories: Factories = {
  'zone-file': async (config) => (await import('./providers/zone-file/index.js')).createZoneFileProvider(config),
  rfc2136: async (config) => (await import('./providers/rfc2136/index.js')).createRfc2136Provider(config),
  route53: async (config) => (await import('./providers/route53/index.js')).createRoute53Provider(config),
  'coredns-etcd': async (config) => (await import('./providers/coredns-etcd/index.js')).createCorednsEtcdProvider(config),
};

export interface DnsProviderContext {
  /** dns.zone. */
  zone: string;
  /** The config's root: prefixes the paths muster writes (the zone file). Files it only reads, such as
   * the TSIG secret or etcd certificates, are taken as given, like every other file muster reads. */
  root: string;
}

export function createDnsProvider(config: DnsProviderConfig, context: DnsProviderContext): Promise<DnsProvider> {
  const factory = factories[config.type] as (config: DnsProviderConfig & { zone: string }) => Promise<DnsProvider>;
  return factory({ ...resolvePaths(config, context.root), zone: context.zone });
}

function resolvePaths(config: DnsProviderConfig, root: string): DnsProviderConfig {
  return config.type === 'zone-file' ? { ...config, path: underRoot(root, config.path) } : config;
}

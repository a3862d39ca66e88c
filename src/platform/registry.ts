import type { PlatformConfig } from '../config/schema.js';
import type { Platform } from './types.js';

/**
 * Platform type → factory. Factories import their provider lazily, so the AWS SDK is loaded only
 * when `platform.type` is aws (it would otherwise triple muster's start-up time).
 */
type Factories = { [K in PlatformConfig['type']]: (config: Extract<PlatformConfig, { type: K }>) => Promise<Platform> };

const factories: Factories = {
  static: async (config) => (await import('./static/index.js')).createStaticPlatform(config),
  local: async (config) => (await import('./local/index.js')).createLocalPlatform(config),
  aws: async (config) => (await import('./aws/index.js')).createAwsPlatform(config),
  'dns-srv': async (config) => (await import('./dns-srv/index.js')).createDnsSrvPlatform(config),
  vsphere: async (config) => (await import('./vsphere/index.js')).createVspherePlatform(config),
  mdns: async (config) => (await import('./mdns/index.js')).createMdnsPlatform(config),
};

export function createPlatform(config: PlatformConfig): Promise<Platform> {
  const factory = factories[config.type] as (config: PlatformConfig) => Promise<Platform>;
  return factory(config);
}

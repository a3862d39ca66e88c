import type { Logger } from '../core/logger.js';
import type { DnsConfig } from '../dns/config-schema.js';
import type { IssuerConfig } from './config-schema.js';
import type { Issuer, IssuerContext } from './types.js';

/**
 * Issuer type → factory. Factories import their issuer lazily, so acme-client loads only when
 * an acme issuer is configured, and nothing loads when every certificate is kept.
 */
type Factories = { [K in IssuerConfig['type']]: (config: Extract<IssuerConfig, { type: K }>, context: IssuerContext) => Promise<Issuer> };

const factories: Factories = {
  'local-ca': async (config) => (await import('./issuers/local-ca/index.js')).createLocalCaIssuer(config),
  vault: async (config, context) => (await import('./issuers/vault/index.js')).createVaultIssuer(config, context),
  acme: async (config, context) => {
    const { createAcmeIssuer } = await import('./issuers/acme/index.js');
    // dns-01 needs the dns section's provider; http-01 does not, so it is only made on demand.
    const dns = config.challenge.type === 'dns-01' && context.dns ? await context.dns() : undefined;
    return createAcmeIssuer(config, { root: context.root, logger: context.logger, ...(dns ? { dns } : {}) });
  },
};

export function createIssuer(config: IssuerConfig, context: IssuerContext): Promise<Issuer> {
  const factory = factories[config.type] as (config: IssuerConfig, context: IssuerContext) => Promise<Issuer>;
  return factory(config, context);
}

/** The context of a run from the loaded config: root, the process environment, and the dns section for dns-01. */
export function issuerContextFor(config: { root: string; dns?: DnsConfig | undefined }, logger: Logger, env: IssuerContext['env'] = process.env): IssuerContext {
  const { dns } = config;
  return {
    root: config.root,
    logger,
    env,
    ...(dns
      ? {
          dns: async () => {
            const { createDnsProvider } = await import('../dns/registry.js');
            return { provider: await createDnsProvider(dns.provider, { zone: dns.zone, root: config.root }), zone: dns.zone, ownerId: dns.owner_id };
          },
        }
      : {}),
  };
}

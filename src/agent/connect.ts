import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import { loadEtcdTls } from '../etcd/tls.js';
import { createPlatform } from '../platform/registry.js';
import type { Discovery, NodeFacts } from '../platform/types.js';
import { registryEndpoints } from './endpoints.js';
import { RegistryClient } from './registry-client.js';

/** Connects to etcd the way both `muster agent` and `muster nodes` do. */
export async function connectRegistry(config: Config, logger: Logger): Promise<{ client: RegistryClient; self: () => Promise<NodeFacts> }> {
  const platform = await createPlatform(config.platform);
  const tls = await loadEtcdTls(config);
  let discovered: Discovery | undefined;
  const discover = async (): Promise<Discovery> => (discovered ??= await platform.discover());
  const endpoints = await retry(() => registryEndpoints(config, discover, tls.peer), {
    timeoutMs: config.etcd.timeout,
    what: 'find the etcd endpoints of the registry',
    onRetry: (error, attempt) => logger.info({ attempt, error: describeError(error) }, 'etcd not reachable yet, retrying'),
  });
  logger.debug({ endpoints }, 'registry endpoints');
  const client = new RegistryClient({ endpoints, callTimeoutMs: Math.max(2000, config.etcd.probe_timeout), ...(tls.client ? { tls: tls.client } : {}) });
  return { client, self: async () => (await discover()).self };
}

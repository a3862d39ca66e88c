import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { promoteSelf, type PromoteOutcome } from './promote.js';
import { loadEtcdTls } from './tls.js';
import { clientUrl, peerUrl } from './urls.js';

/** promoteSelf with what every command takes from the config: this node's URLs, etcd.timeout, the TLS files. */
export async function promoteNode(config: Config, self: { name: string; ip: string }, logger: Logger): Promise<PromoteOutcome> {
  return promoteSelf({
    self: { name: self.name, peerUrl: peerUrl(config.etcd, self.ip), clientUrl: clientUrl(config.etcd, self.ip) },
    timeoutMs: config.etcd.timeout,
    callTimeoutMs: Math.max(2000, config.etcd.probe_timeout),
    probe: { timeoutMs: config.etcd.probe_timeout },
    tls: await loadEtcdTls(config),
    logger,
  });
}

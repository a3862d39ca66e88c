import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import type { ClusterClient } from '../etcd/cluster-client.js';
import { loadEtcdTls } from '../etcd/tls.js';
import { clientUrl } from '../etcd/urls.js';
import type { Discovery } from '../platform/types.js';
import { SWARM_KEYS, SWARM_PREFIX, parseStoredSwarm, type StoredSwarm, type SwarmRecord } from './record.js';

/**
 * The etcd the swarm step keeps its record in: the one the etcd step formed. A member asks the
 * discovered peers' client URLs (its own first: it is the likeliest to answer); a worker running
 * a gateway or grpc-proxy asks etcd.proxy.endpoints, as the proxy does. TLS as muster's own etcd
 * calls: pki's client certificate when the client scheme is https.
 */
export function swarmEtcdEndpoints(config: Config, discovery: Discovery): string[] {
  if (config.etcd.mode !== 'member') return [...(config.etcd.proxy?.endpoints ?? [])];
  const ips = [discovery.self.ip, ...discovery.peers.map((peer) => peer.ip).filter((ip) => ip !== discovery.self.ip)];
  return ips.map((ip) => clientUrl(config.etcd, ip));
}

export async function openSwarmStore(config: Config, discovery: Discovery): Promise<SwarmStore> {
  const endpoints = swarmEtcdEndpoints(config, discovery);
  if (endpoints.length === 0) throw new MusterError('swarm: no etcd endpoints to keep the swarm record in', { code: 'SWARM_NO_ETCD', kind: 'config', hint: 'the swarm step keeps its record in etcd: configure etcd (etcd.proxy.endpoints on a worker)' });
  const tls = await loadEtcdTls(config);
  // Loaded only here: the etcd3 client (gRPC, protobuf) is a third of muster's start-up time.
  const { ClusterClient } = await import('../etcd/cluster-client.js');
  const client = new ClusterClient({ endpoints, callTimeoutMs: Math.max(2000, config.etcd.probe_timeout), ...(tls.client ? { tls: tls.client } : {}) });
  return new SwarmStore(client, endpoints);
}

/** The swarm's keys in etcd (record.ts names them). Tokens are secrets: they are never logged. */
export class SwarmStore {
  constructor(
    readonly client: ClusterClient,
    readonly endpoints: readonly string[],
  ) {}

  async read(): Promise<StoredSwarm> {
    return parseStoredSwarm(await this.client.readPrefix(SWARM_PREFIX));
  }

  async putTokens(tokens: { Manager: string; Worker: string }): Promise<void> {
    await this.client.put(SWARM_KEYS.managerToken, tokens.Manager);
    await this.client.put(SWARM_KEYS.workerToken, tokens.Worker);
  }

  async putManagers(addrs: readonly string[]): Promise<void> {
    await this.client.put(SWARM_KEYS.managers, JSON.stringify(addrs));
  }

  async putRecord(record: SwarmRecord): Promise<void> {
    await this.client.put(SWARM_KEYS.cluster, JSON.stringify(record));
  }

  async putRotated(by: string): Promise<void> {
    await this.client.put(SWARM_KEYS.tokensRotated, JSON.stringify({ time: new Date().toISOString(), by }));
  }

  close(): void {
    this.client.close();
  }
}

import { MusterError } from '../../core/errors.js';
import { sortPeers, type Discovery, type Platform } from '../types.js';
import { discoverAsgPeers } from './asg-peers.js';
import { createClients, type AwsClients } from './clients.js';
import { readInstanceIdentity } from './imds.js';
import { assertUniqueNames, type PeerDiscovery } from './peers.js';
import type { AwsPlatformConfig } from './schema.js';
import { findSelf } from './self.js';
import { discoverTagPeers } from './tag-peers.js';

/**
 * The AWS platform: who am I (the instance metadata service), who are my peers (this instance's
 * Auto Scaling group, or the instances carrying a tag). Loaded lazily by the registry, so the AWS
 * SDK is only imported when the config's platform is aws.
 */
export function createAwsPlatform(config: AwsPlatformConfig): Platform {
  return {
    type: 'aws',
    async discover(signal?: AbortSignal): Promise<Discovery> {
      const identity = await readInstanceIdentity(config.endpoints?.imds, config.region === undefined);
      signal?.throwIfAborted();
      const region = config.region ?? identity.region ?? '';
      // Clients live for one discovery: it runs a few times per boot, and nothing stays open between.
      const clients = createClients(config, region);
      try {
        const found = await discoverPeers(config, clients, identity.instanceId, signal);
        const self = await findSelf(found.peers, identity, config, clients.ec2, signal);
        assertUniqueNames(found.peers, config.name_tag);
        const discovery: Discovery = { self, peers: sortPeers(found.peers), complete: found.complete };
        if (found.incompleteReason !== undefined) discovery.incompleteReason = found.incompleteReason;
        return discovery;
      } finally {
        clients.destroy();
      }
    },
  };
}

function discoverPeers(config: AwsPlatformConfig, clients: AwsClients, selfId: string, signal: AbortSignal | undefined): Promise<PeerDiscovery> {
  if (config.mode === 'asg') return discoverAsgPeers(clients, selfId, config.name_tag, signal);
  if (config.tag_key === undefined || config.tag_value === undefined) {
    // The schema requires both in tag mode; this guards a config built without it.
    throw new MusterError('aws: platform.mode tag needs tag_key and tag_value', { code: 'AWS_TAG_MISSING', kind: 'config' });
  }
  return discoverTagPeers(clients.ec2, { key: config.tag_key, value: config.tag_value }, config.name_tag, config.expected_peers, signal);
}

import type { EC2Client } from '@aws-sdk/client-ec2';
import { describeInstancesByFilter } from './instances.js';
import { hasIp, toPeer, type PeerDiscovery } from './peers.js';

/**
 * Peers are the running instances carrying tag_key=tag_value. Only running ones: a pending
 * instance is still starting, and a stopping or stopped one is out of service.
 *
 * A tag query has no desired count to compare with, so only `expected_peers` can make the
 * discovery complete (once that many are running). Without it the discovery is never complete:
 * "whatever is running now" would let the first node create a one-member cluster alone, and the
 * nodes booting a moment later, seeing it refuse while its etcd starts, create a second one.
 * Joining a cluster that exists needs no complete discovery, so such nodes still join.
 */
export async function discoverTagPeers(
  ec2: EC2Client,
  tag: { key: string; value: string },
  nameTag: string | undefined,
  expectedPeers: number | undefined,
  signal?: AbortSignal,
): Promise<PeerDiscovery> {
  const instances = await describeInstancesByFilter(
    ec2,
    [
      { Name: `tag:${tag.key}`, Values: [tag.value] },
      { Name: 'instance-state-name', Values: ['running'] },
    ],
    signal,
  );
  const peers = instances.filter(hasIp).map((instance) => toPeer(instance, instance.state, nameTag));
  if (expectedPeers === undefined) {
    return {
      peers,
      complete: false,
      incompleteReason: `${peers.length} running instance${peers.length === 1 ? '' : 's'} tagged ${tag.key}=${tag.value}, and without platform.expected_peers a tag query cannot tell whether that is the whole group; set platform.expected_peers to the group's size (nodes can still join an existing cluster)`,
    };
  }
  if (peers.length < expectedPeers) {
    return { peers, complete: false, incompleteReason: `${peers.length} of ${expectedPeers} expected instances tagged ${tag.key}=${tag.value} are running` };
  }
  return { peers, complete: true };
}

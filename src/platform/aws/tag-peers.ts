import type { EC2Client } from '@aws-sdk/client-ec2';
import { describeInstancesByFilter } from './instances.js';
import { hasIp, toPeer, type PeerDiscovery } from './peers.js';

/**
 * Peers are the running instances carrying tag_key=tag_value. Only running ones: a pending
 * instance is still starting, and a stopping or stopped one is out of service.
 *
 * A tag query has no desired count to compare with: with `expected_peers` the discovery is
 * complete once that many are running; without it, the platform can only vouch for exactly what
 * EC2 lists, which is safe for creating a cluster only if every node is already running when the
 * first one discovers. Nodes that start at different times should set expected_peers or use mode
 * asg, whose desired capacity tells muster how many peers to wait for.
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
  if (expectedPeers !== undefined && peers.length < expectedPeers) {
    return { peers, complete: false, incompleteReason: `${peers.length} of ${expectedPeers} expected instances tagged ${tag.key}=${tag.value} are running` };
  }
  return { peers, complete: true };
}

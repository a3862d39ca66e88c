import type { EC2Client } from '@aws-sdk/client-ec2';
import { describeInstancesByFilter } from './instances.js';
import { hasIp, toPeer, type PeerDiscovery } from './peers.js';

/**
 * Peers are the running instances carrying tag_key=tag_value. Only running ones: a pending
 * instance is still starting, and a stopping or stopped one is out of service.
 *
 * The discovery is always complete: a tag query has no desired count to compare with, so the
 * platform can only vouch for exactly what EC2 lists. Creating a cluster is then safe only if every
 * node is already running when the first one discovers; nodes that start at different times
 * should use mode asg, whose desired capacity tells muster how many peers to wait for.
 */
export async function discoverTagPeers(
  ec2: EC2Client,
  tag: { key: string; value: string },
  nameTag: string | undefined,
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
  return { peers: instances.filter(hasIp).map((instance) => toPeer(instance, instance.state, nameTag)), complete: true };
}

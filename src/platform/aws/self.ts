import type { EC2Client } from '@aws-sdk/client-ec2';
import { MusterError } from '../../core/errors.js';
import type { NodeFacts, Peer } from '../types.js';
import type { InstanceIdentity } from './imds.js';
import { describeInstancesById } from './instances.js';
import type { AwsPlatformConfig } from './schema.js';

/**
 * This node as its peers see it. Its tags and name come from the same DescribeInstances answer
 * as every other peer's, so self and its entry in the peer list can never disagree.
 */
export async function findSelf(
  peers: readonly Peer[],
  identity: InstanceIdentity,
  config: AwsPlatformConfig,
  ec2: EC2Client,
  signal?: AbortSignal,
): Promise<NodeFacts> {
  const peer = peers.find((candidate) => candidate.id === identity.instanceId);
  if (!peer) throw await selfMissing(identity.instanceId, config, ec2, signal);
  if (peer.ip !== identity.ip) {
    // Both name the primary private address; a mismatch means the metadata service is not this instance's.
    throw new MusterError(`aws: the metadata service says ${identity.instanceId} has address ${identity.ip}, EC2 says ${peer.ip}`, {
      code: 'AWS_IP_MISMATCH',
      kind: 'internal',
      hint: 'check that platform.endpoints.imds points at this instance\'s metadata service',
    });
  }
  return { id: peer.id, name: peer.name, ip: peer.ip, tags: peer.tags };
}

/** Explains why this instance is not among its own peers; only then is it described on its own. */
async function selfMissing(selfId: string, config: AwsPlatformConfig, ec2: EC2Client, signal: AbortSignal | undefined): Promise<MusterError> {
  const [self] = await describeInstancesById(ec2, [selfId], signal);
  if (config.mode === 'tag' && config.tag_key !== undefined && self?.tags[config.tag_key] !== config.tag_value) {
    return new MusterError(`aws: this instance (${selfId}) is not tagged ${config.tag_key}=${config.tag_value}, so it is not one of its own peers`, {
      code: 'AWS_SELF_UNTAGGED',
      kind: 'config',
      hint: `tag every node ${config.tag_key}=${config.tag_value} (e.g. in the launch template), or fix platform.tag_key/tag_value`,
    });
  }
  const where = config.mode === 'tag' ? `the running instances tagged ${config.tag_key}=${config.tag_value}` : 'its Auto Scaling group\'s InService and Pending members';
  // Otherwise EC2 has not caught up yet (still pending, no private IP yet): it will.
  return new MusterError(`aws: this instance (${selfId}) is not among ${where}: EC2 lists it as ${self?.state ?? 'unknown'}${self?.ip === undefined ? ' without a private IP' : ''}`, {
    code: 'AWS_SELF_NOT_LISTED',
    kind: 'unavailable',
    retryable: true,
    hint: 'EC2 is eventually consistent: a just-started instance can take a few seconds to show as running; muster retries',
  });
}

import {
  DescribeAutoScalingInstancesCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingClient,
  type AutoScalingGroup,
  type AutoScalingInstanceDetails,
} from '@aws-sdk/client-auto-scaling';
import { MusterError } from '../../core/errors.js';
import { requestOptions, type AwsClients } from './clients.js';
import { awsApiError } from './errors.js';
import { describeInstancesById } from './instances.js';
import { hasIp, toPeer, type PeerDiscovery } from './peers.js';

/**
 * Lifecycle states of instances that are, or are about to be, members of the group. "Pending"
 * includes Pending:Wait and Pending:Proceed: a node held by a launch lifecycle hook is exactly
 * the node muster runs on while it boots. Terminating, Detaching, Standby, … are leaving or
 * parked, and are not peers.
 */
export function isPeerLifecycle(state: string | undefined): boolean {
  return state === 'InService' || state === 'Pending' || state?.startsWith('Pending:') === true;
}

/** Peers are this instance's Auto Scaling group; the group's desired capacity says when all are there. */
export async function discoverAsgPeers(clients: AwsClients, selfId: string, nameTag: string | undefined, signal?: AbortSignal): Promise<PeerDiscovery> {
  const self = await membershipOf(clients.autoscaling, selfId, signal);
  const groupName = self.AutoScalingGroupName ?? '';
  if (!isPeerLifecycle(self.LifecycleState)) {
    throw new MusterError(`aws: this instance (${selfId}) is ${self.LifecycleState} in Auto Scaling group ${groupName}`, {
      code: 'AWS_SELF_NOT_IN_SERVICE',
      kind: 'unsafe',
      hint: 'only InService and Pending instances are cluster members; muster does not form or join a cluster from an instance that is leaving the group or parked in Standby',
    });
  }
  const group = await describeGroup(clients.autoscaling, groupName, signal);
  const members = (group.Instances ?? []).filter((member) => isPeerLifecycle(member.LifecycleState));
  const lifecycle = new Map(members.map((member) => [member.InstanceId ?? '', member.LifecycleState ?? '']));
  const instances = await describeInstancesById(clients.ec2, [...lifecycle.keys()], signal);
  // An instance without a private IP yet cannot be reached; it is left out, and the count below says so.
  const peers = instances.filter(hasIp).map((instance) => toPeer(instance, lifecycle.get(instance.id) ?? '', nameTag));
  const desired = group.DesiredCapacity ?? 0;
  if (peers.length >= desired) return { peers, complete: true };
  return {
    peers,
    complete: false,
    incompleteReason: `Auto Scaling group ${groupName} has ${peers.length} of ${desired} desired instances with private IPs`,
  };
}

async function membershipOf(autoscaling: AutoScalingClient, selfId: string, signal: AbortSignal | undefined): Promise<AutoScalingInstanceDetails> {
  let found: AutoScalingInstanceDetails | undefined;
  try {
    const answer = await autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [selfId] }), requestOptions(signal));
    found = answer.AutoScalingInstances?.find((instance) => instance.InstanceId === selfId);
  } catch (error) {
    throw awsApiError('autoscaling:DescribeAutoScalingInstances', error);
  }
  if (found?.AutoScalingGroupName === undefined) {
    throw new MusterError(`aws: this instance (${selfId}) is not in an Auto Scaling group`, {
      code: 'AWS_NOT_IN_ASG',
      kind: 'config',
      hint: 'platform.mode asg (the default) finds peers through the instance\'s Auto Scaling group; launch the nodes from one, or set platform.mode: tag with tag_key and tag_value',
    });
  }
  return found;
}

async function describeGroup(autoscaling: AutoScalingClient, name: string, signal: AbortSignal | undefined): Promise<AutoScalingGroup> {
  try {
    const pages = paginateDescribeAutoScalingGroups({ client: autoscaling }, { AutoScalingGroupNames: [name] }, requestOptions(signal));
    for await (const page of pages) {
      const group = page.AutoScalingGroups?.find((candidate) => candidate.AutoScalingGroupName === name);
      if (group) return group;
    }
  } catch (error) {
    throw awsApiError('autoscaling:DescribeAutoScalingGroups', error);
  }
  throw new MusterError(`aws: Auto Scaling group ${name} was not found, though this instance belongs to it`, {
    code: 'AWS_ASG_NOT_FOUND',
    kind: 'unavailable',
    retryable: true,
    hint: 'the group may have just been created or be being deleted; muster retries',
  });
}

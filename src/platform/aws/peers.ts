import { MusterError } from '../../core/errors.js';
import type { Peer } from '../types.js';
import type { Ec2Instance } from './instances.js';

/** What a discovery mode (asg, tag) finds; the platform adds `self` around it. */
export interface PeerDiscovery {
  peers: Peer[];
  complete: boolean;
  incompleteReason?: string;
}

/** A node's name: the value of the `name_tag` tag when configured and set, else the instance id. */
export function nodeName(instance: Pick<Ec2Instance, 'id' | 'tags'>, nameTag: string | undefined): string {
  const tagged = nameTag === undefined ? undefined : instance.tags[nameTag];
  return tagged === undefined || tagged === '' ? instance.id : tagged;
}

/** An instance with a private address, as a peer in the given platform state. */
export function toPeer(instance: Ec2Instance & { ip: string }, state: string, nameTag: string | undefined): Peer {
  return { id: instance.id, name: nodeName(instance, nameTag), ip: instance.ip, tags: instance.tags, state };
}

export function hasIp<T extends Ec2Instance>(instance: T): instance is T & { ip: string } {
  return instance.ip !== undefined;
}

/**
 * Names become etcd member names, so two peers must never share one. With name_tag, that is up
 * to whoever tags the instances; say which ones clash rather than form a broken cluster.
 */
export function assertUniqueNames(peers: readonly Peer[], nameTag: string | undefined): void {
  const byName = new Map<string, string>();
  for (const peer of peers) {
    const other = byName.get(peer.name);
    if (other !== undefined) {
      throw new MusterError(`aws: instances ${other} and ${peer.id} are both named ${peer.name}`, {
        code: 'AWS_DUPLICATE_NAME',
        kind: 'config',
        hint: `give every instance a distinct ${nameTag ?? 'name'} tag value, or drop platform.name_tag to name nodes by instance id`,
      });
    }
    byName.set(peer.name, peer.id);
  }
}

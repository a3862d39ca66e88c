import { createHash } from 'node:crypto';
import type { Member } from './types.js';
import { compareText } from '../core/compare-text.js';

export interface InitialMember {
  name: string;
  peerUrl: string;
}

/** Sorted by name so that every node computes the same string from the same peer set. */
export function sortInitialCluster(members: readonly InitialMember[]): InitialMember[] {
  return [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareText(a.peerUrl, b.peerUrl)));
}

export function formatInitialCluster(members: readonly InitialMember[]): string {
  return sortInitialCluster(members)
    .map((member) => `${member.name}=${member.peerUrl}`)
    .join(',');
}

/**
 * The cluster token is derived from the peer set, so nodes that boot together agree on it
 * without talking, and a cluster formed from another peer set cannot be mistaken for this one.
 */
export function clusterToken(members: readonly InitialMember[]): string {
  return `muster-${createHash('sha256').update(formatInitialCluster(members)).digest('hex').slice(0, 16)}`;
}

/**
 * The initial cluster of a node that joins an existing cluster: every member etcd knows of
 * (etcd refuses to start with "member count is unequal" otherwise), each by its name, by the
 * name discovery gives its peer URL when it has not started yet, or by its id.
 */
export function initialClusterFromMembers(
  members: readonly Member[],
  self: InitialMember,
  namesByPeerUrl: ReadonlyMap<string, string>,
): InitialMember[] {
  return members.flatMap((member) =>
    member.peerURLs.slice(0, 1).map((peerUrl) => ({
      name: member.peerURLs.includes(self.peerUrl) ? self.name : member.name || namesByPeerUrl.get(peerUrl) || `member-${member.id}`,
      peerUrl,
    })),
  );
}

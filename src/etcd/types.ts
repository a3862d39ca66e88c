/** An etcd cluster member, as the peer `/members` endpoint and the v3 MemberList report it. */
export interface Member {
  /** Member id in hex, as etcdctl prints it. */
  id: string;
  /** Empty until the member has started (or been named in an initial cluster). */
  name: string;
  peerURLs: readonly string[];
  /** Empty until the member has started and published them: "started" means non-empty. */
  clientURLs: readonly string[];
  isLearner: boolean;
}

/** What probing one peer told us. */
export type ProbeResult =
  | { peer: string; url: string; kind: 'no-etcd'; detail: string }
  | { peer: string; url: string; kind: 'member'; clusterId: string; members: readonly Member[] }
  | { peer: string; url: string; kind: 'unknown'; detail: string };

/** What the node's own data dir holds. */
export type LocalData =
  | { kind: 'empty' }
  | { kind: 'present'; clusterId: string; memberId: string }
  | { kind: 'unreadable'; detail: string };

/** This node's own URLs, as the other members see them. */
export interface SelfUrls {
  name: string;
  peerUrl: string;
  clientUrl: string;
}

export function isStarted(member: Member): boolean {
  return member.clientURLs.length > 0;
}

export function quorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The platform family answers two questions for a booting node: who am I, and who are my
 * peers. Every provider (static list, AWS Auto Scaling group, the local sandbox, …) implements
 * this one interface and passes the shared contract suite in test/contract/platform.ts.
 */
export interface NodeFacts {
  /** Stable identity from the platform (instance id, or the configured name). */
  id: string;
  /** The name used for the etcd member and, before the hostname step, for logs. */
  name: string;
  /** The address peers reach this node on. */
  ip: string;
  tags: Readonly<Record<string, string>>;
}

export interface Peer extends NodeFacts {
  /** Platform lifecycle state as the platform reports it (running, pending, InService, …). */
  state: string;
}

export interface Discovery {
  self: NodeFacts;
  /** Every expected member of the group, this node included, sorted by name. */
  peers: readonly Peer[];
  /**
   * True when the platform vouches that `peers` is the whole expected group (a static list, or an
   * Auto Scaling group with as many instances as its desired capacity). Creating a new cluster is
   * only safe on a complete discovery.
   */
  complete: boolean;
  /** Why the discovery is not complete, for the log and --dry-run. */
  incompleteReason?: string;
}

export interface Platform {
  readonly type: string;
  discover(signal?: AbortSignal): Promise<Discovery>;
}

export function sortPeers<T extends { name: string }>(peers: readonly T[]): T[] {
  return [...peers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

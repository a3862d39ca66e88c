/**
 * The DNS family: a record model, a pure plan (diff + policy + ownership), and providers that
 * list and apply. Every provider implements DnsProvider and passes the shared contract suite in
 * test/contract/dns-contract.ts.
 */
export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'SRV';

/**
 * One record set: all values of one name and type. Canonical form (see record.ts): name is
 * lower-case, fully qualified with a trailing dot; values are sorted and de-duplicated; TXT
 * values are the unquoted text; SRV values are "priority weight port target." with an FQDN target.
 */
export interface RecordSet {
  name: string;
  type: RecordType;
  ttl: number;
  values: readonly string[];
}

export interface RecordChanges {
  create: readonly RecordSet[];
  update: readonly { from: RecordSet; to: RecordSet }[];
  delete: readonly RecordSet[];
}

export interface ApplyResult {
  /** API calls or protocol messages that changed the zone (0 for a no-op). */
  writeCalls: number;
  /**
   * What the provider left undone on purpose, one sentence each, for the user (the DNS step logs
   * them as warnings and prints them with its summary): e.g. coredns-etcd never deletes a key
   * another tool wrote, though it is part of a record set muster changed.
   */
  notes?: readonly string[];
}

export interface DnsProvider {
  readonly type: string;
  /** The zone this provider manages, FQDN with trailing dot. */
  readonly zone: string;
  /** Every record set of a managed type in the zone. */
  list(signal?: AbortSignal): Promise<RecordSet[]>;
  /**
   * Applies the changes, batched within the provider's limits; an empty change set writes nothing.
   * A write that finds the zone no longer as the changes expect (a set to create exists, a set to
   * update or delete holds other values) applies nothing of itself and throws DNS_ZONE_CHANGED
   * (zone-changed.ts): list and plan again.
   */
  apply(changes: RecordChanges, signal?: AbortSignal): Promise<ApplyResult>;
}

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
}

export interface DnsProvider {
  readonly type: string;
  /** The zone this provider manages, FQDN with trailing dot. */
  readonly zone: string;
  /** Every record set of a managed type in the zone. */
  list(signal?: AbortSignal): Promise<RecordSet[]>;
  /** Applies the changes, batched within the provider's limits; an empty change set writes nothing. */
  apply(changes: RecordChanges, signal?: AbortSignal): Promise<ApplyResult>;
}

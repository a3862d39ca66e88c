import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { canonicalValue, isRecordType, sortValues } from '../../record.js';
import type { RecordSet, RecordType } from '../../types.js';
import { decodeName, decodeTxt, encodeTxt } from './text.js';

/**
 * Route 53 record sets ↔ muster's canonical RecordSet.
 *
 * Left out of list(): alias records (no values, an AWS-only construct) and record sets with a
 * routing policy (weighted, latency, failover, …: they carry a SetIdentifier, and one name and type
 * can then have many sets). muster cannot express either, so it never sees, changes or deletes
 * them; creating a plain set where one exists is refused by Route 53 ("… but it already exists",
 * which muster cannot tell from a concurrent writer's create: the DNS step plans again until it
 * gives up at etcd.timeout).
 */
export function fromRoute53(set: ResourceRecordSet, zone: string): RecordSet | undefined {
  const type = set.Type ?? '';
  if (!isRecordType(type) || set.Name === undefined) return undefined;
  if (set.AliasTarget !== undefined || set.SetIdentifier !== undefined) return undefined;
  const name = decodeName(set.Name);
  const raw = (set.ResourceRecords ?? []).map((record) => record.Value ?? '');
  try {
    return { name, type, ttl: set.TTL ?? 0, values: sortValues(raw.map((value) => canonical(type, value, zone, name))) };
  } catch {
    // A value record.ts refuses (someone else's record, written with another tool) cannot be
    // compared or written back; like an alias, it is left out rather than failing the whole list.
    return undefined;
  }
}

function canonical(type: RecordType, value: string, zone: string, name: string): string {
  // TXT is decoded here rather than by record.ts: Route 53's \ooo escapes are octal, zone files' decimal.
  if (type === 'TXT') return decodeTxt(value);
  // Route 53 reads every target as absolute, with or without the trailing dot.
  const absolute = type === 'CNAME' || type === 'SRV' ? value.trim().replace(/([^.])$/, '$1.') : value;
  return canonicalValue(type, absolute, zone, `${name} ${type}`);
}

/** A canonical record set as Route 53 takes it: TXT quoted and escaped, everything else as is. */
export function toRoute53(set: RecordSet): ResourceRecordSet {
  return {
    Name: set.name,
    Type: set.type,
    TTL: set.ttl,
    ResourceRecords: set.values.map((value) => ({ Value: set.type === 'TXT' ? encodeTxt(value) : value })),
  };
}

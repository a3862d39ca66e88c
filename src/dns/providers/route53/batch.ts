import type { Change, ResourceRecordSet } from '@aws-sdk/client-route-53';
import { MusterError } from '../../../core/errors.js';
import { ownershipTarget } from '../../ownership.js';
import { describeRecordSet, recordKey } from '../../record.js';
import type { RecordChanges, RecordSet } from '../../types.js';

/**
 * ChangeResourceRecordSets limits, as the Route 53 developer guide states them: at most 1,000
 * ResourceRecord elements and 32,000 characters of Value text per request, where an UPSERT
 * counts its elements and characters twice. (The old 100-Change limit is gone.)
 */
export const ROUTE53_LIMITS = { elements: 1000, chars: 32_000 } as const;

export interface BatchLimits {
  elements: number;
  chars: number;
}

/** How a record set is sent: `current` sets (deleted) must match what Route 53 holds exactly. */
export type ToWire = (set: RecordSet, current: boolean) => ResourceRecordSet;

/**
 * Splits a change set into as few ChangeResourceRecordSets calls as the limits allow, in an order
 * where the zone is valid after every call, even if a later call fails:
 * 1. deletes, so a CNAME that replaces an A record at the same name finds the name free;
 * 2. updates, each as DELETE(from) + CREATE(to) in one call: atomic, and Route 53 refuses it if the
 *    set changed since muster listed it, instead of overwriting someone else's edit (UPSERT would);
 * 3. creates.
 * A record and its ownership TXT travel as one unit in one call (a call is atomic), so a record
 * never exists without its ownership TXT, or muster could not clean it up later; other TXT sets go
 * last among deletes and first among creates and updates, for the same reason. Calls are filled
 * greedily in that order, so N one-value changes take ⌈N/1000⌉ calls when characters allow.
 */
export function planBatches(changes: RecordChanges, toWire: ToWire, limits: BatchLimits = ROUTE53_LIMITS): Change[][] {
  const txtFirst = (a: RecordSet, b: RecordSet): number => Number(b.type === 'TXT') - Number(a.type === 'TXT');
  const deletes = pairWithOwnership(changes.delete);
  const creates = pairWithOwnership(changes.create);
  const units: Change[][] = [
    ...deletes.sort((a, b) => -txtFirst(a[0], b[0])).map((sets) => sets.map((set) => change('DELETE', toWire(set, true))).reverse()),
    ...[...changes.update].sort((a, b) => txtFirst(a.to, b.to)).map(({ from, to }) => updateUnit(from, to, toWire, limits)),
    ...creates.sort((a, b) => txtFirst(a[0], b[0])).map((sets) => sets.map((set) => change('CREATE', toWire(set, false)))),
  ];
  const batches: Change[][] = [];
  let current: Change[] = [];
  let used = { elements: 0, chars: 0 };
  for (const unit of units) {
    const size = sizeOf(unit);
    if (size.elements > limits.elements || size.chars > limits.chars) throw tooLarge(describeChange(unit[0]), limits);
    if (current.length > 0 && (used.elements + size.elements > limits.elements || used.chars + size.chars > limits.chars)) {
      batches.push(current);
      current = [];
      used = { elements: 0, chars: 0 };
    }
    current.push(...unit);
    used = { elements: used.elements + size.elements, chars: used.chars + size.chars };
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Groups each record set with its ownership TXT, ownership first: [[TXT, record], …]; sets
 * without a partner stand alone. Keeps the input order of the records.
 */
function pairWithOwnership(sets: readonly RecordSet[]): [RecordSet, ...RecordSet[]][] {
  const ownershipByTarget = new Map<string, RecordSet>();
  for (const set of sets) {
    const target = set.type === 'TXT' ? ownershipTarget(set.name) : undefined;
    if (target) ownershipByTarget.set(recordKey(target), set);
  }
  const placed = new Set<RecordSet>();
  const units: [RecordSet, ...RecordSet[]][] = [];
  for (const set of sets) {
    const ownership = set.type === 'TXT' && ownershipTarget(set.name) ? undefined : ownershipByTarget.get(recordKey(set));
    if (ownership) {
      placed.add(ownership).add(set);
      units.push([ownership, set]);
    }
  }
  for (const set of sets) if (!placed.has(set)) units.push([set]);
  return units;
}

/** Elements and value characters a list of changes counts against the limits. */
export function sizeOf(changes: readonly Change[]): BatchLimits {
  let elements = 0;
  let chars = 0;
  for (const { Action, ResourceRecordSet: set } of changes) {
    const weight = Action === 'UPSERT' ? 2 : 1;
    for (const record of set?.ResourceRecords ?? []) {
      elements += weight;
      chars += weight * (record.Value ?? '').length;
    }
  }
  return { elements, chars };
}

function updateUnit(from: RecordSet, to: RecordSet, toWire: ToWire, limits: BatchLimits): Change[] {
  const pair = [change('DELETE', toWire(from, true)), change('CREATE', toWire(to, false))];
  if (fits(pair, limits)) return pair;
  // Too big to replace in one call: UPSERT counts only the new set (twice) and stays atomic.
  const upsert = [change('UPSERT', toWire(to, false))];
  if (fits(upsert, limits)) return upsert;
  throw tooLarge(describeRecordSet(to), limits);
}

function fits(changes: readonly Change[], limits: BatchLimits): boolean {
  const size = sizeOf(changes);
  return size.elements <= limits.elements && size.chars <= limits.chars;
}

function change(action: 'CREATE' | 'DELETE' | 'UPSERT', set: ResourceRecordSet): Change {
  return { Action: action, ResourceRecordSet: set };
}

function describeChange(change: Change | undefined): string {
  return `${change?.ResourceRecordSet?.Name ?? '?'} ${change?.ResourceRecordSet?.Type ?? '?'}`;
}

function tooLarge(what: string, limits: BatchLimits): MusterError {
  return new MusterError(`route53: ${what} is too large to change in one ChangeResourceRecordSets call`, {
    code: 'DNS_ROUTE53_SET_TOO_LARGE',
    kind: 'config',
    hint: `Route 53 takes at most ${limits.elements} values and ${limits.chars} characters of values per call (an UPSERT counts twice); split the record set`,
  });
}

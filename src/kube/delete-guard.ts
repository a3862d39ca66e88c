import { isOwnershipRecord, ownershipTarget, readOwnership } from '../dns/ownership.js';
import { recordKey } from '../dns/record.js';
import type { RecordChanges, RecordSet } from '../dns/types.js';

/**
 * The deletion guard (external-dns #414: an empty list from the API server during a rolling
 * update deleted every record). A record set whose name is no longer wanted at all is deleted
 * only when
 * - every watch has synced (a cache still filling looks like Services deleted), and
 * - its Service was seen deleted (or unlabeled) by a watch event — evidence, not absence — or
 *   the names lost this way are at most `maxDeleteRatio` of the record sets this owner holds in
 *   the zone, or two consecutive full resyncs computed the very same deletes (a real mass
 *   deletion survives a resync interval; a transient partial source does not).
 * Deletes at a name that stays wanted (A → CNAME on failover), creates and updates always go
 * through: they never lose a name.
 */
export interface GuardInput {
  changes: RecordChanges;
  /** What the zone held when the plan was made. */
  current: readonly RecordSet[];
  /** Names (FQDN) the plan still wants, with any type. */
  wantedNames: ReadonlySet<string>;
  /** Names whose Service a watch event showed deleted or no longer selected. */
  removedByEvent: ReadonlySet<string>;
  ownerId: string;
  sourceSynced: boolean;
  /** A periodic full resync (only these can confirm a held mass deletion). */
  resync: boolean;
  /** The deletes held at the previous resync of this zone, if any. */
  held: string | undefined;
  maxDeleteRatio: number;
}

export interface GuardOutput {
  changes: RecordChanges;
  /** The deletes now held (kept for the next resync to confirm), or undefined. */
  held: string | undefined;
  /** Why deletes were withheld, for the log and /state; undefined when none were. */
  reason: string | undefined;
  /** Record sets (ownership records aside) not deleted this time. */
  withheld: number;
}

export function guardDeletes(input: GuardInput): GuardOutput {
  const lost = input.changes.delete.filter((set) => !isOwnershipRecord(set) && !input.wantedNames.has(set.name));
  const pass: GuardOutput = { changes: input.changes, held: undefined, reason: undefined, withheld: 0 };
  if (lost.length === 0) return pass;
  if (!input.sourceSynced) return withhold(input.changes, lost, 'the Kubernetes watches have not all synced: nothing is deleted from a partial view', input.held);
  const unexplained = lost.filter((set) => !input.removedByEvent.has(set.name));
  if (unexplained.length === 0) return pass;
  const owned = ownedCount(input.current, input.ownerId);
  const ratio = owned === 0 ? 1 : unexplained.length / owned;
  if (ratio <= input.maxDeleteRatio) return pass;
  const key = unexplained.map(recordKey).sort().join('\n');
  if (input.resync && input.held === key) return pass;
  const what = `${unexplained.length} of the ${owned} record sets this owner holds (${Math.round(ratio * 100)} % > max_delete_ratio ${Math.round(input.maxDeleteRatio * 100)} %), with no watch event saying their Services went`;
  return input.resync
    ? withhold(input.changes, unexplained, `the plan deletes ${what}; held until the next resync computes the same deletes`, key)
    : withhold(input.changes, unexplained, `the plan deletes ${what}; held until two consecutive resyncs agree`, input.held);
}

/** The changes without these deletes and their ownership records. */
function withhold(changes: RecordChanges, sets: readonly RecordSet[], reason: string, held: string | undefined): GuardOutput {
  const keys = new Set(sets.map(recordKey));
  const remaining = changes.delete.filter((set) => {
    const target = isOwnershipRecord(set) ? ownershipTarget(set.name) : set;
    return target === undefined || !keys.has(recordKey(target));
  });
  return { changes: { ...changes, delete: remaining }, held, reason, withheld: sets.length };
}

function ownedCount(current: readonly RecordSet[], ownerId: string): number {
  const ownership = readOwnership(current);
  let count = 0;
  for (const set of current) {
    if (isOwnershipRecord(set)) continue;
    const owner = ownership.ownerOf(set);
    if (owner.kind === 'owned' && owner.owner === ownerId) count += 1;
  }
  return count;
}

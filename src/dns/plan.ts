/**
 * The DNS plan: a pure function from (desired, current) record sets to the changes that make the
 * zone match, under muster's safety rules (external-dns's plan.Calculate plus its policies):
 * - muster changes or deletes only record sets it owns (ownership.ts: its owner id, and a record
 *   field naming that very set, or a legacy value at an unambiguous name); any other record set in
 *   the way is reported as a conflict and left alone. take_over adopts *desired* record sets that
 *   exist without any ownership record (made by hand, or by NodeReg); a set another owner id owns,
 *   or whose ownership record muster cannot read, stays a conflict, or two clusters with take_over
 *   would take it from each other on every run. take_over never deletes someone else's records;
 * - `sync` also deletes owned record sets that are no longer desired; `upsert-only` never
 *   deletes; `create-only` never updates or deletes;
 * - an ownership TXT is created with its record and deleted with it; one in the previous release's
 *   format is rewritten in the current one (when the policy allows updates);
 * - a zone that already matches gives an empty change set.
 * Output is sorted, so two nodes planning the same zone print the same plan.
 *
 * Providers apply a change set as deletes, then updates, then creates: a CNAME that replaces an A
 * record at the same name needs the A gone first.
 */
import { isMusterError } from '../core/errors.js';
import { isOwnershipName, isOwnershipRecord, legacyWildcardOwnership, ownershipRecord, ownershipTarget, readOwnership, validateOwnerId, type Ownership } from './ownership.js';
import { compareStrings, describeData, describeRecordSet, recordKey, sameRecordSet, sortRecordSets } from './record.js';
import type { RecordChanges, RecordSet } from './types.js';

export type DnsPolicy = 'sync' | 'upsert-only' | 'create-only';

export interface DnsPlanInput {
  /** What muster wants in the zone (canonical, see record.ts), without ownership records. */
  desired: readonly RecordSet[];
  /** What the provider listed: everything of a managed type, ownership TXTs included. */
  current: readonly RecordSet[];
  ownerId: string;
  policy: DnsPolicy;
  takeOver: boolean;
}

/** A desired record set muster did not apply, and why. */
export interface DnsNote {
  record: RecordSet;
  reason: string;
}

export interface DnsPlan {
  changes: RecordChanges;
  /** Desired record sets in the way of someone else's records (or invalid together). */
  conflicts: DnsNote[];
  /** Desired changes the policy does not allow (create-only never updates). */
  skipped: DnsNote[];
  /** One line per change, conflict and skip, for --dry-run and logs; ["no changes"] if none. */
  summary: string[];
}

export function isEmptyChangeSet(changes: RecordChanges): boolean {
  return changes.create.length === 0 && changes.update.length === 0 && changes.delete.length === 0;
}

export function planDns(input: DnsPlanInput): DnsPlan {
  const ownerId = validateOwnerId(input.ownerId);
  const allowsUpdate = input.policy !== 'create-only';
  const allowsDelete = input.policy === 'sync';
  const current = new Map(input.current.map((set) => [recordKey(set), set]));
  const ownership = readOwnership(input.current);
  const create: RecordSet[] = [];
  const update: { from: RecordSet; to: RecordSet }[] = [];
  const del: RecordSet[] = [];
  const conflicts: DnsNote[] = [];
  const skipped: DnsNote[] = [];

  const desired = validDesired(input.desired, conflicts);
  for (const want of desired.values()) {
    let wantOwnership: RecordSet;
    try {
      wantOwnership = ownershipRecord(want, ownerId);
    } catch (error) {
      if (!isMusterError(error)) throw error;
      conflicts.push({ record: want, reason: error.message });
      continue;
    }
    const have = current.get(recordKey(want));
    const owner = ownership.ownerOf(want);
    const mine = owner.kind === 'owned' && owner.owner === ownerId;
    // Someone else's set, or someone else's claim on the name: only an unclaimed set is adopted.
    const foreign = !mine && (have !== undefined || owner.kind !== 'none');
    if (foreign && !(input.takeOver && owner.kind === 'none')) {
      conflicts.push({ record: want, reason: foreignReason(have, owner, want, legacyWildcardOwnership(ownership, want, ownerId)) });
      continue;
    }
    if (!have) create.push(want);
    else if (!sameRecordSet(have, want)) {
      if (allowsUpdate) update.push({ from: have, to: want });
      else skipped.push({ record: want, reason: `exists as ${describeRecordSet(have)}; policy create-only does not update` });
    }
    const haveOwnership = current.get(recordKey(wantOwnership));
    if (!haveOwnership) create.push(wantOwnership);
    // Only the TTL, or a legacy value without the record field, can differ here.
    else if (!sameRecordSet(haveOwnership, wantOwnership) && allowsUpdate) update.push({ from: haveOwnership, to: wantOwnership });
  }

  if (allowsDelete) {
    for (const have of input.current) {
      if (isOwnershipRecord(have) || desired.has(recordKey(have))) continue;
      const owner = ownership.ownerOf(have);
      if (owner.kind !== 'owned' || owner.owner !== ownerId) continue; // not ours: never deleted
      del.push(have, owner.record);
    }
    // Ownership records whose record is gone (a crash between two messages, a hand deletion).
    for (const { target, record } of ownership.records.values()) {
      const owner = ownership.ownerOf(target);
      if (owner.kind !== 'owned' || owner.owner !== ownerId) continue;
      if (!current.has(recordKey(target)) && !desired.has(recordKey(target))) del.push(record);
    }
  }

  dropCnameClashes({ create, update, delete: del }, input.current, conflicts);
  const changes: RecordChanges = {
    create: sortForApply(create, (set) => set),
    update: sortForApply(update, (change) => change.to),
    delete: sortForApply(dedupe(del), (set) => set),
  };
  const sortedConflicts = sortNotes(conflicts);
  const sortedSkipped = sortNotes(skipped);
  return { changes, conflicts: sortedConflicts, skipped: sortedSkipped, summary: summarize(changes, sortedConflicts, sortedSkipped) };
}

/** Desired record sets by key, minus those that cannot be applied at all (reported as conflicts). */
function validDesired(desired: readonly RecordSet[], conflicts: DnsNote[]): Map<string, RecordSet> {
  const byKey = new Map<string, RecordSet>();
  const rejected = new Set<string>();
  for (const set of sortRecordSets(desired)) {
    const key = recordKey(set);
    if (isOwnershipName(set.name)) {
      conflicts.push({ record: set, reason: `names under ${set.name.split('.')[0]}. are reserved for muster's ownership records` });
      continue;
    }
    const seen = byKey.get(key);
    if (seen && !sameRecordSet(seen, set)) {
      conflicts.push({ record: set, reason: `desired twice with different values (also ${describeRecordSet(seen)})` });
      rejected.add(key);
    }
    byKey.set(key, set);
  }
  for (const key of rejected) byKey.delete(key);
  const typesByName = new Map<string, RecordSet[]>();
  for (const set of byKey.values()) typesByName.set(set.name, [...(typesByName.get(set.name) ?? []), set]);
  for (const sets of typesByName.values()) {
    if (sets.length < 2 || !sets.some((set) => set.type === 'CNAME')) continue;
    for (const set of sets) {
      conflicts.push({ record: set, reason: `a CNAME cannot share its name with other records (desired: ${sets.map((s) => s.type).join(', ')})` });
      byKey.delete(recordKey(set));
    }
  }
  return byKey;
}

/** Why a desired set is left alone; take_over is suggested only where it would help. */
function foreignReason(have: RecordSet | undefined, owner: Ownership, want: RecordSet, legacyWildcard: RecordSet | undefined): string {
  const matches = have !== undefined && sameRecordSet(have, want) ? ' (its values already match)' : '';
  if (owner.kind === 'none' && legacyWildcard) {
    return `its ownership record from muster 0.1.0, ${legacyWildcard.name}, names this owner_id but also stands for ${ownershipTarget(legacyWildcard.name)?.name ?? '?'}, so muster no longer trusts it${matches}; set dns.take_over: true once to adopt the wildcard, then delete ${legacyWildcard.name} by hand`;
  }
  if (owner.kind === 'owned') return `owned by "${owner.owner}", not this muster${matches}; give both the same owner_id if they are one cluster`;
  if (owner.kind === 'unreadable') return `its ownership record ${owner.record.name} ${owner.reason}${matches}; muster leaves both alone (remove that record by hand if it is stale)`;
  return `exists without a muster ownership record, so someone else made it${matches}; set dns.take_over: true to let muster manage it`;
}

/**
 * A CNAME allows no other data at its name. A create that would put a CNAME next to records that
 * stay (someone else's, or kept by the policy), or another type next to a CNAME that stays, is
 * dropped with its ownership record and reported; a server would reject or silently ignore it.
 */
function dropCnameClashes(changes: { create: RecordSet[]; update: unknown[]; delete: RecordSet[] }, current: readonly RecordSet[], conflicts: DnsNote[]): void {
  const deleted = new Set(changes.delete.map(recordKey));
  const finalTypes = new Map<string, Set<string>>();
  const add = (set: RecordSet): void => {
    if (isOwnershipRecord(set)) return;
    finalTypes.set(set.name, (finalTypes.get(set.name) ?? new Set()).add(set.type));
  };
  current.filter((set) => !deleted.has(recordKey(set))).forEach(add);
  changes.create.forEach(add);
  const dropped = new Set<string>();
  for (const set of changes.create) {
    const types = finalTypes.get(set.name);
    if (isOwnershipRecord(set) || !types || types.size < 2 || !types.has('CNAME')) continue;
    const others = [...types].filter((type) => type !== set.type).sort(compareStrings);
    conflicts.push({ record: set, reason: `a CNAME cannot share its name with other records (the zone keeps ${others.join(', ')} at ${set.name})` });
    dropped.add(recordKey(set));
  }
  if (dropped.size === 0) return;
  const keep = changes.create.filter((set) => {
    const target = isOwnershipRecord(set) ? ownershipTarget(set.name) : set;
    return !target || !dropped.has(recordKey(target));
  });
  changes.create.splice(0, changes.create.length, ...keep);
}

/** Sorted by the record set a change is about, each record directly followed by its ownership TXT. */
function sortForApply<T>(items: readonly T[], recordOf: (item: T) => RecordSet): T[] {
  const sortKey = (item: T): string => {
    const set = recordOf(item);
    const target = isOwnershipRecord(set) ? ownershipTarget(set.name) : undefined;
    return target ? `${recordKey(target)} 1` : `${recordKey(set)} 0`;
  };
  return [...items].sort((a, b) => compareStrings(sortKey(a), sortKey(b)));
}

function dedupe(sets: readonly RecordSet[]): RecordSet[] {
  return [...new Map(sets.map((set) => [recordKey(set), set])).values()];
}

function sortNotes(notes: readonly DnsNote[]): DnsNote[] {
  return [...notes].sort((a, b) => compareStrings(recordKey(a.record), recordKey(b.record)) || compareStrings(a.reason, b.reason));
}

function summarize(changes: RecordChanges, conflicts: readonly DnsNote[], skipped: readonly DnsNote[]): string[] {
  const lines = [
    ...changes.delete.map((set) => `delete ${describeRecordSet(set)}`),
    ...changes.update.map(({ from, to }) => `update ${describeRecordSet(from)} → ${describeData(to)}`),
    ...changes.create.map((set) => `create ${describeRecordSet(set)}`),
    ...conflicts.map((note) => `conflict ${recordKey(note.record)}: ${note.reason}`),
    ...skipped.map((note) => `skip ${recordKey(note.record)}: ${note.reason}`),
  ];
  return lines.length === 0 ? ['no changes'] : lines;
}

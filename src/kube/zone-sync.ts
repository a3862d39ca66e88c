import { isEmptyChangeSet, planDns, type DnsPlan, type DnsPolicy } from '../dns/plan.js';
import { recordKey } from '../dns/record.js';
import type { DnsProvider, RecordChanges, RecordSet } from '../dns/types.js';
import { guardDeletes, type GuardOutput } from './delete-guard.js';

/**
 * One zone's round: plan against what the zone holds, pass the plan through the deletion guard,
 * and (on the leader) apply it. Pure apart from the provider calls, which the caller owns.
 */
export interface ZoneRoundInput {
  zone: string;
  desired: readonly RecordSet[];
  current: readonly RecordSet[];
  ownerId: string;
  policy: DnsPolicy;
  takeOver: boolean;
  removedByEvent: ReadonlySet<string>;
  sourceSynced: boolean;
  resync: boolean;
  held: string | undefined;
  maxDeleteRatio: number;
}

export interface ZoneRound {
  plan: DnsPlan;
  guard: GuardOutput;
  /** What would be applied: the plan's changes minus the held deletes. */
  changes: RecordChanges;
}

export function planZone(input: ZoneRoundInput): ZoneRound {
  const plan = planDns({ desired: input.desired, current: input.current, ownerId: input.ownerId, policy: input.policy, takeOver: input.takeOver });
  const guard = guardDeletes({
    changes: plan.changes,
    current: input.current,
    wantedNames: new Set(input.desired.map((set) => set.name)),
    removedByEvent: input.removedByEvent,
    ownerId: input.ownerId,
    sourceSynced: input.sourceSynced,
    resync: input.resync,
    held: input.held,
    maxDeleteRatio: input.maxDeleteRatio,
  });
  return { plan, guard, changes: guard.changes };
}

/** The zone as it is once `changes` applied: the cache the next event's plan starts from. */
export function applyToSnapshot(current: readonly RecordSet[], changes: RecordChanges): RecordSet[] {
  const byKey = new Map(current.map((set) => [recordKey(set), set]));
  for (const set of changes.delete) byKey.delete(recordKey(set));
  for (const { to } of changes.update) byKey.set(recordKey(to), to);
  for (const set of changes.create) byKey.set(recordKey(set), set);
  return [...byKey.values()];
}

export async function applyRound(provider: DnsProvider, round: ZoneRound): Promise<{ writeCalls: number; notes: readonly string[] }> {
  if (isEmptyChangeSet(round.changes)) return { writeCalls: 0, notes: [] };
  const result = await provider.apply(round.changes);
  return { writeCalls: result.writeCalls, notes: result.notes ?? [] };
}

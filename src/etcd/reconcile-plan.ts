import { formatDuration } from '../core/duration.js';
import type { LeaseSighting } from './lease-sightings.js';
import { keepsQuorum } from './membership-plan.js';
import type { Member } from './types.js';
import { compareText } from '../core/compare-text.js';

export interface ReconcileInput {
  members: readonly Member[];
  /** Peer URLs of every node a successful discovery lists (complete or not). */
  listed: ReadonlySet<string>;
  /** Ids of the members that answer on their peer URL as members of this cluster now. */
  alive: ReadonlySet<string>;
  /** When each member was first seen absent and silent, from the cluster (lease-sightings.ts). */
  sightings: ReadonlyMap<string, LeaseSighting>;
  now: number;
  staleAfterMs: number;
}

export interface ReconcilePlan {
  /** Members seen absent and silent for the first time: their sighting is recorded. */
  record: Member[];
  /** Sightings that go: the member answers again, is listed again, or is no longer a member. */
  forget: string[];
  /** At most one member to remove in this run. */
  remove?: Member;
  /** One line per member that is not simply healthy and listed, for the report. */
  reasons: string[];
}

const label = (member: Member): string => member.name || member.id;

/**
 * What `muster etcd reconcile` does about members the platform no longer lists. Pure.
 *
 * A member is removed only when all of these hold: no successful discovery lists it (the group
 * may be short while its replacement launches: an absent member is no less stale for that), it
 * has not answered since a sighting recorded at least `staleAfterMs` ago (a member that is only
 * slow, paused or partitioned answers again and its sighting is dropped), and the living voters
 * keep a quorum without it. One removal per run, as in a join.
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const memberIds = new Set(input.members.map((member) => member.id));
  const plan: ReconcilePlan = { record: [], forget: [...input.sightings.keys()].filter((id) => !memberIds.has(id)), reasons: [] };
  const candidates = [...input.members].sort((a, b) => Number(a.isLearner ? 0 : 1) - Number(b.isLearner ? 0 : 1) || compareText(label(a), label(b)));
  for (const member of candidates) {
    const listed = member.peerURLs.some((url) => input.listed.has(url));
    const alive = input.alive.has(member.id);
    const sighting = input.sightings.get(member.id);
    if (listed || alive) {
      if (sighting) {
        plan.forget.push(member.id);
        plan.reasons.push(`${label(member)} ${listed ? 'is listed by the platform again' : 'answers again'}: its sighting is dropped, it stays`);
      } else if (!listed) plan.reasons.push(`${label(member)} is not listed by the platform but answers: it stays (a node still booting, or the platform's view lags)`);
      continue;
    }
    if (!sighting) {
      plan.record.push(member);
      plan.reasons.push(`${label(member)} is not listed by the platform and does not answer: first sighting recorded; removed if it stays so for etcd.stale_after (${formatDuration(input.staleAfterMs)})`);
      continue;
    }
    const silentFor = formatDuration(Math.max(0, input.now - sighting.since));
    if (!sighting.over) {
      plan.reasons.push(`${label(member)} has been absent and silent since ${silentFor} ago (seen by ${sighting.by}); removed once etcd.stale_after (${formatDuration(input.staleAfterMs)}) has passed`);
      continue;
    }
    if (plan.remove) {
      plan.reasons.push(`${label(member)} is stale too; one removal per run: the next run removes it`);
      continue;
    }
    if (!keepsQuorum(input.members, member, input.alive)) {
      plan.reasons.push(`${label(member)} is stale, but the members that answer would not keep a quorum without it: left alone`);
      continue;
    }
    plan.remove = member;
    plan.reasons.push(`${label(member)} is not listed by the platform and has not answered for etcd.stale_after (first seen ${silentFor} ago by ${sighting.by}): remove it`);
  }
  return plan;
}

import type { ClusterClient } from './cluster-client.js';
import { forgetLeaseSighting, readLeaseSightings, recordLeaseSighting } from './lease-sightings.js';
import { isStarted, type Member, type SelfUrls } from './types.js';

/**
 * When a muster first saw each learner that was added but has not started, kept in the cluster
 * itself (written under the join lock), so the grace period before such a learner is removed
 * runs from the first sighting by any node, not from each joiner's own start. Two keys per
 * learner:
 *
 *     muster/unstarted-learners/<member id>         {"since": <ms>, "by": "<node>", "durationMs": <ms>}
 *     muster/unstarted-learners/<member id>.grace   "" on a lease of the grace's length, never kept alive
 *
 * The grace is over when the first key exists and the second is gone (lease-sightings.ts).
 */
export const SIGHTINGS_PREFIX = 'muster/unstarted-learners/';
// Not lease-sightings' default suffix: the keys stay those the previous release wrote and reads.
const GRACE_SUFFIX = '.grace';

export interface Sighting {
  /** Milliseconds since the epoch, on the clock of the node that recorded it. */
  since: number;
  /** The node that first saw it, for the log. */
  by: string;
  /** The lease-timed key has expired: the learner has been unstarted for the whole grace. */
  graceOver: boolean;
}

export interface UnstartedLearner {
  since: number;
  graceOver: boolean;
}

export interface SightingChanges {
  /** Member ids of unstarted learners seen for the first time. */
  record: string[];
  /** Member ids whose sightings go: the member started, or is gone. */
  forget: string[];
  /** Every unstarted learner now, by member id. */
  unstarted: Map<string, UnstartedLearner>;
}

/** Which sightings to add and drop for the member list read now. Pure. */
export function planSightings(members: readonly Member[], known: ReadonlyMap<string, Sighting>, self: SelfUrls, now: number): SightingChanges {
  const changes: SightingChanges = { record: [], forget: [], unstarted: new Map() };
  for (const learner of members.filter((member) => member.isLearner && !isStarted(member) && !member.peerURLs.includes(self.peerUrl))) {
    const sighting = known.get(learner.id);
    if (sighting) changes.unstarted.set(learner.id, { since: sighting.since, graceOver: sighting.graceOver });
    else {
      changes.record.push(learner.id);
      changes.unstarted.set(learner.id, { since: now, graceOver: false });
    }
  }
  for (const id of known.keys()) if (!changes.unstarted.has(id)) changes.forget.push(id);
  return changes;
}

export async function readSightings(client: ClusterClient): Promise<Map<string, Sighting>> {
  const sightings = await readLeaseSightings(client, SIGHTINGS_PREFIX, GRACE_SUFFIX);
  return new Map([...sightings].map(([id, sighting]) => [id, { since: sighting.since, by: sighting.by, graceOver: sighting.over }]));
}

/** Records new sightings and drops old ones; returns every unstarted learner with its grace. */
export async function recordSightings(
  client: ClusterClient,
  members: readonly Member[],
  known: ReadonlyMap<string, Sighting>,
  options: { self: SelfUrls; now: number; graceMs: number },
): Promise<Map<string, UnstartedLearner>> {
  const changes = planSightings(members, known, options.self, options.now);
  for (const id of changes.record) await recordLeaseSighting(client, SIGHTINGS_PREFIX, id, { now: options.now, by: options.self.name, durationMs: options.graceMs }, GRACE_SUFFIX);
  for (const id of changes.forget) await forgetLeaseSighting(client, SIGHTINGS_PREFIX, id, GRACE_SUFFIX);
  return changes.unstarted;
}

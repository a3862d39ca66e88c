import type { ClusterClient } from './cluster-client.js';
import { isStarted, type Member, type SelfUrls } from './types.js';

/**
 * When a muster first saw each learner that was added but has not started, kept in the cluster
 * itself (one key per member, written under the join lock), so the grace period before such a
 * learner is removed runs from the first sighting by any node, not from each joiner's own start.
 * Times are the writer's wall clock, compared with the reader's: skew between nodes shifts the
 * grace by that much, which NTP keeps far below the minutes it lasts.
 */
export const SIGHTINGS_PREFIX = 'muster/unstarted-learners/';

export interface Sighting {
  /** Milliseconds since the epoch. */
  since: number;
  /** The node that first saw it, for the log. */
  by: string;
}

export interface SightingChanges {
  put: [memberId: string, sighting: Sighting][];
  /** Sightings of members that have started or are gone. */
  delete: string[];
  /** First sighting of every unstarted learner now, by member id. */
  since: Map<string, number>;
}

/** Which sightings to add and drop for the member list read now. Pure. */
export function planSightings(members: readonly Member[], known: ReadonlyMap<string, Sighting>, self: SelfUrls, now: number): SightingChanges {
  const unstarted = members.filter((member) => member.isLearner && !isStarted(member) && !member.peerURLs.includes(self.peerUrl));
  const changes: SightingChanges = { put: [], delete: [], since: new Map() };
  for (const learner of unstarted) {
    const sighting = known.get(learner.id);
    if (sighting) changes.since.set(learner.id, sighting.since);
    else {
      changes.put.push([learner.id, { since: now, by: self.name }]);
      changes.since.set(learner.id, now);
    }
  }
  for (const id of known.keys()) if (!changes.since.has(id)) changes.delete.push(id);
  return changes;
}

export async function readSightings(client: ClusterClient): Promise<Map<string, Sighting>> {
  const sightings = new Map<string, Sighting>();
  for (const [key, value] of await client.readPrefix(SIGHTINGS_PREFIX)) {
    const sighting = parseSighting(value);
    // An unreadable record is rewritten: the grace then starts over, which only delays a removal.
    if (sighting) sightings.set(key.slice(SIGHTINGS_PREFIX.length), sighting);
  }
  return sightings;
}

/** Records new sightings and drops old ones; returns when each unstarted learner was first seen. */
export async function recordSightings(client: ClusterClient, members: readonly Member[], known: ReadonlyMap<string, Sighting>, self: SelfUrls, now: number): Promise<Map<string, number>> {
  const changes = planSightings(members, known, self, now);
  for (const [id, sighting] of changes.put) await client.put(`${SIGHTINGS_PREFIX}${id}`, JSON.stringify(sighting));
  for (const id of changes.delete) await client.deleteKey(`${SIGHTINGS_PREFIX}${id}`);
  return changes.since;
}

function parseSighting(value: string): Sighting | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<Sighting>;
    return typeof parsed.since === 'number' && Number.isFinite(parsed.since) ? { since: parsed.since, by: typeof parsed.by === 'string' ? parsed.by : '?' } : undefined;
  } catch {
    return undefined;
  }
}

import type { ClusterClient } from './cluster-client.js';

/**
 * A condition first seen at some moment and timed by etcd, not by node clocks: two keys per id
 * under a prefix, written under the join lock.
 *
 *     <prefix><id>            {"since": <ms>, "by": "<node>", "durationMs": <ms>}
 *     <prefix><id>.timer      "" on a lease of the duration's length, never kept alive
 *
 * The duration is over when the first key exists and the second is gone: etcd's leader times the
 * lease, so nodes whose clocks disagree (a fresh VM before NTP has synced) still agree on it. A
 * leader change renews leases, which can only make the wait longer, never shorter. `since` is
 * the recording node's clock, for messages only.
 */
export interface LeaseSighting {
  /** Milliseconds since the epoch, on the clock of the node that recorded it. */
  since: number;
  /** The node that first saw it, for the log. */
  by: string;
  /** The lease-timed key has expired: the condition has lasted the whole duration. */
  over: boolean;
}

const TIMER_SUFFIX = '.timer';

export async function readLeaseSightings(client: ClusterClient, prefix: string, timerSuffix = TIMER_SUFFIX): Promise<Map<string, LeaseSighting>> {
  const keys = await client.readPrefix(prefix);
  const sightings = new Map<string, LeaseSighting>();
  for (const [key, value] of keys) {
    if (key.endsWith(timerSuffix)) continue;
    const parsed = parseSighting(value);
    // An unreadable record is written again: the wait then starts over, which only delays what it guards.
    if (parsed) sightings.set(key.slice(prefix.length), { ...parsed, over: !keys.has(`${key}${timerSuffix}`) });
  }
  return sightings;
}

export async function recordLeaseSighting(
  client: ClusterClient,
  prefix: string,
  id: string,
  sighting: { now: number; by: string; durationMs: number },
  timerSuffix = TIMER_SUFFIX,
): Promise<void> {
  const key = `${prefix}${id}`;
  // The timed key first: a crash between the two writes leaves a timer without a sighting, which
  // is ignored and written again, never a sighting whose time looks over.
  await client.putWithNewLease(`${key}${timerSuffix}`, '', Math.max(1, Math.ceil(sighting.durationMs / 1000)));
  await client.put(key, JSON.stringify({ since: sighting.now, by: sighting.by, durationMs: sighting.durationMs }));
}

export async function forgetLeaseSighting(client: ClusterClient, prefix: string, id: string, timerSuffix = TIMER_SUFFIX): Promise<void> {
  await client.deleteKey(`${prefix}${id}`);
  await client.deleteKey(`${prefix}${id}${timerSuffix}`);
}

function parseSighting(value: string): Omit<LeaseSighting, 'over'> | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<LeaseSighting>;
    return typeof parsed.since === 'number' && Number.isFinite(parsed.since) ? { since: parsed.since, by: typeof parsed.by === 'string' ? parsed.by : '?' } : undefined;
  } catch {
    return undefined;
  }
}

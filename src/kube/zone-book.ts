import type { RecordSet } from '../dns/types.js';
import type { ServiceTarget } from './targets.js';
import type { ZoneRound } from './zone-sync.js';

/** One zone as /state shows it. */
export interface ZoneStatus {
  zone: string;
  records: number;
  lastSync: string | undefined;
  lastError: string | undefined;
  heldDeletes: string | undefined;
  conflicts: string[];
}

/**
 * What the controller knows of each zone between syncs: the records it last listed or wrote (so
 * an event-driven sync plans without listing again), the deletes its guard holds back, and the
 * status /state reports. A zone whose list or write failed is forgotten, so the next sync lists
 * it again instead of planning from a cache that may be wrong.
 */
export class ZoneBook {
  private readonly cache = new Map<string, RecordSet[]>();
  private readonly known = new Set<string>();
  private readonly held = new Map<string, string>();
  private readonly status = new Map<string, ZoneStatus>();

  constructor(configured: readonly string[]) {
    for (const zone of configured) this.known.add(zone);
  }

  /** Every zone configured, synced before, or wanted now. */
  zonesWith(wanted: Iterable<string>): Set<string> {
    return new Set([...this.known, ...wanted]);
  }

  remember(zone: string): void {
    this.known.add(zone);
  }

  records(zone: string): RecordSet[] | undefined {
    return this.cache.get(zone);
  }

  setRecords(zone: string, records: RecordSet[]): void {
    this.cache.set(zone, records);
  }

  forget(zone: string): void {
    this.cache.delete(zone);
  }

  heldDeletes(zone: string): string | undefined {
    return this.held.get(zone);
  }

  /** Keeps what a planned round says about the zone: its conflicts and the deletes held. */
  notePlanned(zone: string, round: ZoneRound): void {
    const status = this.statusOf(zone);
    status.conflicts = round.plan.conflicts.map((note) => `${note.record.name} ${note.record.type}: ${note.reason}`);
    if (round.guard.held === undefined) this.held.delete(zone);
    else this.held.set(zone, round.guard.held);
    status.heldDeletes = round.guard.reason;
  }

  statusOf(zone: string): ZoneStatus {
    let status = this.status.get(zone);
    if (status === undefined) this.status.set(zone, (status = { zone, records: 0, lastSync: undefined, lastError: undefined, heldDeletes: undefined, conflicts: [] }));
    return status;
  }

  statuses(): ZoneStatus[] {
    return [...this.status.values()].sort((a, b) => (a.zone < b.zone ? -1 : 1));
  }

  /** For a Service first seen: does any zone already point its name at the failover value? */
  showsFailover(fqdn: string, failover: NonNullable<ServiceTarget['failover']>): boolean {
    for (const sets of this.cache.values()) {
      const set = sets.find((entry) => entry.name === fqdn && entry.type === failover.type);
      if (set !== undefined && set.values.length === 1 && set.values[0] === failover.value) return true;
    }
    return false;
  }
}

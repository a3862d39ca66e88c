import type { Logger } from '../core/logger.js';
import type { DnsProvider } from '../dns/types.js';
import type { KubeDnsMetrics } from './metrics.js';
import { applyRound, type ZoneRound } from './zone-sync.js';

export interface ZoneWrite {
  zone: string;
  round: ZoneRound;
  provider: DnsProvider;
  /** The plan's create/update/delete lines, for the log. */
  changeLines: readonly string[];
  /** Why the sync ran (event, resync, …), for the log. */
  reason: string;
  metrics: KubeDnsMetrics;
  logger: Logger;
}

/**
 * Applies one planned round to its zone and counts it: write calls and changes per action in the
 * metrics, a log line per record the provider left alone. Returns the provider's write calls;
 * a failed write throws, and the caller forgets what it believed the zone held.
 */
export async function writeZoneRound(write: ZoneWrite): Promise<number> {
  const { zone, round, metrics, logger } = write;
  const applied = await applyRound(write.provider, round);
  for (const note of applied.notes) logger.warn({ zone, note }, 'kube-dns: left alone while applying');
  metrics.dnsWrites.inc({ zone }, applied.writeCalls);
  metrics.dnsChanges.inc({ zone, action: 'create' }, round.changes.create.length);
  metrics.dnsChanges.inc({ zone, action: 'update' }, round.changes.update.length);
  metrics.dnsChanges.inc({ zone, action: 'delete' }, round.changes.delete.length);
  logger.info({ zone, reason: write.reason, changes: write.changeLines, writeCalls: applied.writeCalls }, 'kube-dns: zone updated');
  return applied.writeCalls;
}

import { ChangeResourceRecordSetsCommand, type Change, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { MusterError, isMusterError } from '../../../core/errors.js';
import { canonicalZone, recordKey, sameRecordSet, sortRecordSets } from '../../record.js';
import type { ApplyResult, DnsProvider, RecordChanges, RecordSet } from '../../types.js';
import { planBatches } from './batch.js';
import { openSession, type Route53RetryOptions, type Route53Session } from './client.js';
import { listRecordSets, type ListedSet } from './list.js';
import { toRoute53 } from './records.js';
import type { Route53Config } from './schema.js';
import { waitForSync, type SyncWaitOptions } from './sync.js';
import { findHostedZone, bareId, type HostedZoneRef } from './zone.js';

export { route53Schema, type Route53Config } from './schema.js';

/** Knobs for tests: shorter backoff and polling than production wants. */
export interface Route53ProviderOptions {
  retry?: Route53RetryOptions;
  sync?: Partial<SyncWaitOptions>;
}

/**
 * The Route 53 provider. Loaded lazily by the registry, so the AWS SDK is only imported when
 * the configured DNS provider is route53. Each list() and apply() uses its own client, so
 * nothing stays open between syncs; the hosted zone, once found, is remembered.
 */
export function createRoute53Provider(config: Route53Config & { zone: string }, options: Route53ProviderOptions = {}): DnsProvider {
  const zone = canonicalZone(config.zone);
  let hostedZone: HostedZoneRef | undefined;
  /** The last list, by record key: DELETEs must send the values exactly as Route 53 holds them. */
  let listed = new Map<string, ListedSet>();

  async function withSession<T>(signal: AbortSignal | undefined, work: (session: Route53Session, zoneId: string) => Promise<T>): Promise<T> {
    const session = openSession(config, options.retry ?? {}, signal);
    try {
      hostedZone ??= await findHostedZone(session, zone, config.zone_id === undefined ? undefined : bareId(config.zone_id));
      return await work(session, hostedZone.id);
    } finally {
      session.destroy();
    }
  }

  /** The wire form of a set: as listed when it is the set Route 53 holds, else freshly encoded. */
  function toWire(set: RecordSet, current: boolean): ResourceRecordSet {
    const known = current ? listed.get(recordKey(set)) : undefined;
    return known !== undefined && sameRecordSet(known.set, set) ? known.wire : toRoute53(set);
  }

  return {
    type: 'route53',
    zone,
    list: (signal) =>
      withSession(signal, async (session, zoneId) => {
        const sets = await listRecordSets(session, zoneId, zone);
        listed = new Map(sets.map((entry) => [recordKey(entry.set), entry]));
        // Route 53 lists by reversed name; muster's order is record.ts's, as every provider's.
        return sortRecordSets(sets.map((entry) => entry.set));
      }),
    async apply(changes: RecordChanges, signal?: AbortSignal): Promise<ApplyResult> {
      const batches = planBatches(changes, toWire);
      // A no-op sync makes no call at all, not even the zone lookup.
      if (batches.length === 0) return { writeCalls: 0 };
      return withSession(signal, async (session, zoneId) => {
        const changeIds: string[] = [];
        for (const [index, batch] of batches.entries()) {
          changeIds.push(await submit(session, zoneId, batch, index, batches.length));
        }
        if (config.wait_for_sync) await waitForSync(session, changeIds, { pollMs: options.sync?.pollMs ?? 5000, timeoutMs: options.sync?.timeoutMs ?? 300_000 }, signal);
        return { writeCalls: batches.length };
      });
    },
  };
}

async function submit(session: Route53Session, zoneId: string, changes: Change[], index: number, total: number): Promise<string> {
  try {
    const answer = await session.call('route53:ChangeResourceRecordSets', (options) =>
      session.client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: 'muster', Changes: changes } }), options),
    );
    return answer.ChangeInfo?.Id ?? '';
  } catch (error) {
    if (!isMusterError(error) || total === 1) throw error;
    // Earlier calls were applied: say so, since the zone is now between the old and the new state.
    throw new MusterError(`${error.message} (call ${index + 1} of ${total}; ${index === 0 ? 'nothing was applied' : `calls 1-${index} were applied`})`, {
      code: error.code,
      kind: error.kind,
      retryable: error.retryable,
      cause: error.cause,
      details: error.details,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
}

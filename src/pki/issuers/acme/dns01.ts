/**
 * dns-01 (RFC 8555 §8.4): the key authorization digests go into TXT records at
 * _acme-challenge.<name> through muster's DNS provider, and come out again when the order is done.
 *
 * Values are added to, and removed from, whatever TXT record set already exists at the name (a
 * second certificate for the same name, ordered by another node at the same time, has its own
 * value there), so muster deletes exactly what it added. Challenge records get no ownership TXT
 * on purpose: an owned record that the DNS step does not want would be deleted by `sync` while
 * the CA is still looking for it; unowned, the DNS step leaves it alone.
 */
import { systemClock } from '../../../core/clock.js';
import { MusterError, describeError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { defaultIsRetryable } from '../../../core/retry.js';
import { canonicalName, canonicalZone, isInZone, recordKey, sortValues } from '../../../dns/record.js';
import type { DnsProvider, RecordChanges, RecordSet } from '../../../dns/types.js';
import { isZoneChanged } from '../../../dns/zone-changed.js';

/** Short, so a stale value is gone from caches soon; Let's Encrypt queries authoritative servers anyway. */
const TXT_TTL = 60;

export interface DnsChallengeContext {
  provider: DnsProvider;
  /** dns.zone; every challenge name must be in it. */
  zone: string;
  /**
   * dns.owner_id. Not written: see above why challenge records carry no ownership record. Kept
   * so the pki step can hand over the DNS context it has as it is.
   */
  ownerId?: string;
}

export interface TxtValue {
  /** The identifier, for messages. */
  identifier: string;
  /** _acme-challenge.<identifier>. (canonical). */
  name: string;
  value: string;
}

export function challengeName(identifier: string, zone: string): string {
  const canonical = canonicalZone(zone);
  const name = canonicalName(`_acme-challenge.${identifier}.`, canonical);
  if (!isInZone(name, canonical)) {
    throw new MusterError(`dns-01 for ${identifier} needs a TXT record at ${name}, outside the zone ${canonical} muster manages`, {
      code: 'ACME_DNS01_OUTSIDE_ZONE',
      kind: 'config',
      hint: `order only names under ${canonical} with dns-01, or use http-01 for the others`,
    });
  }
  return name;
}

/** Adds the values, then waits until the provider lists all of them (re-adding any that another writer replaced). */
export async function publish(ctx: DnsChallengeContext, values: readonly TxtValue[], timeoutMs: number, logger: Logger, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    // The first check after a write is immediate (most providers list what they just applied).
    if (round > 1) await systemClock.sleep(Math.min(1000, 50 * 2 ** round), signal);
    signal.throwIfAborted();
    try {
      const changes = addChanges(await ctx.provider.list(signal), values);
      if (changes.create.length + changes.update.length === 0) return;
      await ctx.provider.apply(changes, signal);
      logger.debug({ records: values.map((v) => v.name), round }, 'acme: dns-01 TXT records published');
    } catch (error) {
      // A provider's own config error (a wrong TSIG key, a refused update) says best what to fix.
      // Another writer changing the record set in between (the provider refused the stale
      // change and applied nothing) is not one: list again and plan again.
      if (!defaultIsRetryable(error) && !isZoneChanged(error)) throw error;
      if (Date.now() >= deadline || signal.aborted) throw publishError(ctx, values, error);
      logger.debug({ error: describeError(error), round }, 'acme: publishing dns-01 records failed, trying again');
    }
    if (Date.now() >= deadline) {
      throw publishError(ctx, values, new Error(`the ${ctx.provider.type} provider did not list them within ${Math.round(timeoutMs / 1000)}s`));
    }
  }
}

/** Removes exactly the values added; a record set left empty is deleted. Never throws: the certificate matters more. */
export async function unpublish(ctx: DnsChallengeContext, values: readonly TxtValue[], logger: Logger): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const changes = removeChanges(await ctx.provider.list(), values);
      if (changes.update.length + changes.delete.length === 0) return;
      await ctx.provider.apply(changes);
      logger.debug({ records: values.map((v) => v.name) }, 'acme: dns-01 TXT records removed');
    } catch (error) {
      logger.warn({ error: describeError(error), attempt }, 'acme: removing dns-01 TXT records failed');
    }
  }
  logger.warn({ records: values.map((v) => v.name) }, 'acme: dns-01 TXT records may be left in the zone; remove them by hand');
}

function byName(values: readonly TxtValue[]): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const { name, value } of values) names.set(name, [...(names.get(name) ?? []), value]);
  return names;
}

function txtAt(current: readonly RecordSet[], name: string): RecordSet | undefined {
  const key = recordKey({ name, type: 'TXT' });
  return current.find((set) => recordKey(set) === key);
}

export function addChanges(current: readonly RecordSet[], values: readonly TxtValue[]): RecordChanges {
  const create: RecordSet[] = [];
  const update: { from: RecordSet; to: RecordSet }[] = [];
  for (const [name, wanted] of byName(values)) {
    const have = txtAt(current, name);
    if (!have) create.push({ name, type: 'TXT', ttl: TXT_TTL, values: sortValues(wanted) });
    else if (wanted.some((value) => !have.values.includes(value))) update.push({ from: have, to: { ...have, values: sortValues([...have.values, ...wanted]) } });
  }
  return { create, update, delete: [] };
}

export function removeChanges(current: readonly RecordSet[], values: readonly TxtValue[]): RecordChanges {
  const update: { from: RecordSet; to: RecordSet }[] = [];
  const del: RecordSet[] = [];
  for (const [name, ours] of byName(values)) {
    const have = txtAt(current, name);
    if (!have || !have.values.some((value) => ours.includes(value))) continue;
    const rest = have.values.filter((value) => !ours.includes(value));
    if (rest.length === 0) del.push(have);
    else update.push({ from: have, to: { ...have, values: rest } });
  }
  return { create: [], update, delete: del };
}

function publishError(ctx: DnsChallengeContext, values: readonly TxtValue[], error: unknown): MusterError {
  const names = [...new Set(values.map((v) => v.name))].join(', ');
  return new MusterError(`dns-01: cannot publish ${names} through the ${ctx.provider.type} DNS provider: ${describeError(error)}`, {
    code: 'ACME_DNS01_PUBLISH',
    kind: 'unavailable',
    retryable: true,
    hint: `check that the ${ctx.provider.type} provider can read and write ${ctx.zone}, or raise challenge.propagation_timeout`,
    cause: error,
  });
}

/**
 * The one signal, shared by every provider, for "the zone changed since it was listed": a write
 * found a record set created, changed or deleted by another writer after the plan was made, and
 * applied nothing of that write (that call, message or transaction; earlier ones of the same
 * apply may have gone through, which a new plan sees).
 *
 * Resending the same change never helps: it is refused again, or it would overwrite the other
 * writer. What helps is listing the zone and planning again, which runDnsStep does on exactly this
 * error. So it is not `retryable` (that flag is for "send the same request again", and call-level
 * retry loops such as the route53 client's must leave it alone).
 */
import { MusterError, isMusterError } from '../core/errors.js';

export const ZONE_CHANGED = 'DNS_ZONE_CHANGED';

const HINT = 'another writer changed the same records since muster listed the zone: muster lists it again and plans again';

export function zoneChanged(message: string, options: { hint?: string; cause?: unknown } = {}): MusterError {
  return new MusterError(message, {
    code: ZONE_CHANGED,
    kind: 'unavailable',
    retryable: false,
    hint: options.hint ?? HINT,
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

export function isZoneChanged(error: unknown): boolean {
  return isMusterError(error) && error.code === ZONE_CHANGED;
}

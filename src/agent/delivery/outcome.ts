import { parseRetryAfter } from './retry-after.js';

/** What one attempt to POST an event produced. */
export type AttemptResult = { kind: 'answer'; status: number; retryAfter?: string | null } | { kind: 'network-error'; detail: string };

export type Decision = { kind: 'delivered' } | { kind: 'retry'; delayMs: number; reason: string } | { kind: 'drop'; reason: string };

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Longest Retry-After honoured; a server asking for more is asked again then. */
  maxRetryAfterMs?: number;
}

/**
 * 2xx: delivered. 429: wait what Retry-After says (else back off). 5xx, 408 and network errors:
 * capped exponential backoff (`failures` counts the consecutive failures so far, this one
 * included). Any other 4xx: the request itself is wrong (a revoked webhook, a bad channel), so
 * sending it again cannot help: drop.
 */
export function decide(result: AttemptResult, failures: number, policy: BackoffPolicy, now: number): Decision {
  const backoff = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, failures - 1));
  if (result.kind === 'network-error') return { kind: 'retry', delayMs: backoff, reason: result.detail };
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 429) {
    const asked = parseRetryAfter(result.retryAfter, now);
    return asked === undefined
      ? { kind: 'retry', delayMs: backoff, reason: 'HTTP 429 without a readable Retry-After' }
      : { kind: 'retry', delayMs: Math.min(asked, policy.maxRetryAfterMs ?? 3_600_000), reason: `HTTP 429, Retry-After ${result.retryAfter ?? ''}` };
  }
  if (status >= 500 || status === 408) return { kind: 'retry', delayMs: backoff, reason: `HTTP ${status}` };
  return { kind: 'drop', reason: `HTTP ${status}` };
}

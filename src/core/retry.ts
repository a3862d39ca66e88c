import { systemClock, type Clock } from './clock.js';
import { MusterError, describeError, isMusterError } from './errors.js';

export interface RetryOptions {
  /** Give up when this much time has passed since the first attempt. */
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Which failures are worth another attempt; others are thrown at once. */
  isRetryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  clock?: Clock;
  /** Random source for jitter, replaceable in tests. */
  random?: () => number;
  /** What we were trying to do, for the timeout error. */
  what: string;
  hint?: string;
}

export const defaultIsRetryable = (error: unknown): boolean => !isMusterError(error) || error.retryable;

/**
 * Full-jitter exponential backoff (the AWS architecture blog's recommendation): each delay is
 * uniform in [0, min(max, initial * 2^attempt)], so many nodes retrying at once spread out.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5000;
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  const deadline = clock.now() + options.timeoutMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const ceiling = Math.min(max, initial * 2 ** n);
      const delay = Math.max(initial / 4, random() * ceiling);
      if (clock.now() + delay >= deadline) {
        throw new MusterError(`${options.what}: gave up after ${Math.round(options.timeoutMs / 1000)}s: ${describeError(error)}`, {
          code: 'TIMEOUT',
          kind: 'unavailable',
          ...withHint((isMusterError(error) ? error.hint : undefined) ?? options.hint),
          cause: error,
          details: isMusterError(error) ? error.details : [],
        });
      }
      options.onRetry?.(error, n + 1, delay);
      await clock.sleep(delay);
    }
  }
}

function withHint(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}

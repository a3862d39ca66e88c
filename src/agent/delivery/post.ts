import { describeError } from '../../core/errors.js';
import type { AttemptResult } from './outcome.js';

/**
 * One POST of a webhook body. Never throws: an answer of any status, or a network error
 * described without the URL (the caller logs the redacted URL beside it).
 */
export async function postOnce(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; signal: AbortSignal }): Promise<AttemptResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
    });
    // The body is not needed; reading it lets the connection be reused.
    await response.arrayBuffer().catch(() => undefined);
    return { kind: 'answer', status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    return { kind: 'network-error', detail: cause === undefined ? describeError(error) : describeError(cause) };
  }
}

import { Route53Client } from '@aws-sdk/client-route-53';
import { retry } from '../../../core/retry.js';
import { isRetryableRoute53Error, route53Error } from './errors.js';
import type { Route53Config } from './schema.js';

/** Backoff for throttled and transient calls; tests shorten it. */
export interface Route53RetryOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
}

/** One Route 53 client for one list() or apply(), and the retrying call wrapper around it. */
export interface Route53Session {
  client: Route53Client;
  /** Runs one API call: transient failures retried with jittered backoff, others as MusterErrors. */
  call<T>(action: string, send: (options: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T>;
  destroy(): void;
}

/**
 * Route 53 is a global service with its endpoint in us-east-1; other partitions (China,
 * GovCloud) set `region`. Credentials come from the SDK's standard chain, never from muster's
 * config. The SDK's own retries are off (maxAttempts 1): muster's retry loop handles throttling
 * and PriorRequestNotComplete — which the SDK does not retry — with one policy and one deadline.
 */
export function openSession(config: Route53Config, retryOptions: Route53RetryOptions, signal: AbortSignal | undefined): Route53Session {
  const client = new Route53Client({
    region: config.region ?? 'us-east-1',
    maxAttempts: 1,
    // The SDK has no request timeout by default: a subnet without a route to the API would hang.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
  });
  const options = signal === undefined ? {} : { abortSignal: signal };
  return {
    client,
    call: (action, send) =>
      retry(
        async () => {
          signal?.throwIfAborted();
          try {
            return await send(options);
          } catch (error) {
            throw route53Error(action, error);
          }
        },
        {
          what: action,
          timeoutMs: retryOptions.timeoutMs ?? 120_000,
          initialDelayMs: retryOptions.initialDelayMs ?? 500,
          maxDelayMs: retryOptions.maxDelayMs ?? 10_000,
          isRetryable: isRetryableRoute53Error,
        },
      ),
    destroy: () => client.destroy(),
  };
}

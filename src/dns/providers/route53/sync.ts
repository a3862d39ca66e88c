import { GetChangeCommand } from '@aws-sdk/client-route-53';
import { systemClock } from '../../../core/clock.js';
import { MusterError } from '../../../core/errors.js';
import type { Route53Session } from './client.js';

export interface SyncWaitOptions {
  pollMs: number;
  timeoutMs: number;
}

/**
 * Waits until Route 53 reports each change INSYNC: applied on all its authoritative servers
 * (usually within 60 seconds). Until then a resolver may still get the old answer.
 */
export async function waitForSync(session: Route53Session, changeIds: readonly string[], options: SyncWaitOptions, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (const id of changeIds) {
    for (;;) {
      const answer = await session.call('route53:GetChange', (requestOptions) => session.client.send(new GetChangeCommand({ Id: id }), requestOptions));
      if (answer.ChangeInfo?.Status === 'INSYNC') break;
      if (Date.now() + options.pollMs > deadline) {
        throw new MusterError(`route53: change ${id} was still ${answer.ChangeInfo?.Status ?? 'PENDING'} after ${Math.round(options.timeoutMs / 1000)}s`, {
          code: 'DNS_ROUTE53_SYNC_TIMEOUT',
          kind: 'unavailable',
          retryable: true,
          hint: 'the change is applied and will propagate; Route 53 usually needs under a minute. Set dns.provider.wait_for_sync: false not to wait',
        });
      }
      await systemClock.sleep(options.pollMs, signal);
    }
  }
}

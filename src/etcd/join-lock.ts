import { describeError, isMusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import type { ClusterClient } from './cluster-client.js';

export const JOIN_LOCK_KEY = 'muster/locks/etcd-join';
export const LOCK_TTL_SECONDS = 30;

export interface LockOptions {
  timeoutMs: number;
  what: string;
  hint: string;
  logger: Logger;
}

/**
 * Runs `work` holding the cluster's one membership lock (joins and reconciles take turns), again
 * until `timeoutMs` while the lock is held elsewhere or etcd refuses the change. If this process
 * dies, the lock's lease expires and frees it.
 */
export async function underJoinLock<T>(client: ClusterClient, options: LockOptions, work: () => Promise<T>): Promise<T> {
  return underLeaseLock(client, { ...options, key: JOIN_LOCK_KEY, name: 'join lock' }, work);
}

/**
 * Runs `work` holding the lease-backed lock `key`, again until `timeoutMs` while the lock is held
 * elsewhere or `work` fails in a way worth retrying (the lock is released between attempts).
 * Other subsystems (the swarm step) keep a lock of their own with the same shape.
 */
export async function underLeaseLock<T>(client: ClusterClient, options: LockOptions & { key: string; name: string }, work: () => Promise<T>): Promise<T> {
  return retry(
    async () => {
      const lock = await client.tryLock(options.key, LOCK_TTL_SECONDS);
      try {
        return await work();
      } finally {
        await lock.release().catch((error: unknown) => options.logger.warn({ error: describeError(error) }, `could not release the ${options.name}; its lease will expire`));
      }
    },
    {
      timeoutMs: options.timeoutMs,
      what: options.what,
      hint: options.hint,
      // etcd refuses membership changes for a few seconds after one ("unhealthy cluster"), and
      // a refusal costs it nothing: ask again within a second, not after up to two.
      maxDelayMs: 1000,
      onRetry: (error, attempt) => {
        if (isMusterError(error) && error.code === 'ETCD_LOCK_HELD') options.logger.info({ attempt }, `${options.name} held by another node, waiting`);
        else options.logger.info({ attempt, error: describeError(error) }, `change under the ${options.name} not possible yet, retrying`);
      },
    },
  );
}

/** What one keepalive round means for the registration. */
export type KeepaliveOutcome = 'alive' | 'expired' | 'unreachable';

/**
 * After a keepalive: etcd said the lease is gone → re-register now. etcd could not be reached →
 * keep the lease while it may still live (the last success is less than a TTL ago); after that
 * etcd has deleted the key, so register again as soon as etcd answers.
 */
export function leaseVerdict(outcome: KeepaliveOutcome, lastAliveMs: number, nowMs: number, ttlMs: number): 'keep' | 'lost' {
  if (outcome === 'alive') return 'keep';
  if (outcome === 'expired') return 'lost';
  return nowMs - lastAliveMs >= ttlMs ? 'lost' : 'keep';
}

import type { Lease } from 'etcd3';
import { systemClock, type Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { leaseVerdict, type KeepaliveOutcome } from './lease-health.js';
import type { RegistryClient } from './registry-client.js';

export interface RegistrationOptions {
  client: RegistryClient;
  key: string;
  value: string;
  ttlSeconds: number;
  keepaliveMs: number;
  logger: Logger;
  clock?: Clock;
}

/** Called for every lease the registration holds; `lost` aborts when it is lost or the agent stops. */
export type LeaseListener = (lease: Lease, lost: AbortSignal) => void;

/**
 * Keeps this node's registry key on a lease: grant, put, keep alive every keepalive interval.
 * When the lease is lost (etcd answered that it expired, or etcd could not be reached for a
 * whole TTL: a restart, a partition) a new lease is granted and the key written again, and the
 * loss is logged. stop() revokes the lease, so the key goes at once.
 */
export class Registration {
  private readonly stopping = new AbortController();
  private readonly listeners: LeaseListener[] = [];
  private current: { lease: Lease; lost: AbortController } | undefined;
  private running: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: RegistrationOptions) {
    this.clock = options.clock ?? systemClock;
  }

  onLease(listener: LeaseListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.running = this.run();
  }

  /** Ends the keepalives and revokes the lease (the key and anything else on it go at once). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    const held = this.current;
    this.current = undefined;
    if (!held) return;
    held.lost.abort();
    try {
      await this.options.client.revoke(held.lease);
      this.options.logger.info({ key: this.options.key }, 'lease revoked: this node is out of the registry');
    } catch (error) {
      this.options.logger.warn({ key: this.options.key, error: describeError(error) }, `could not revoke the lease: the key goes when its TTL (${this.options.ttlSeconds}s) passes`);
    }
  }

  private async run(): Promise<void> {
    const { logger, key } = this.options;
    let registrations = 0;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      let lease: Lease;
      try {
        lease = await this.register();
        failures = 0;
      } catch (error) {
        failures += 1;
        const delay = Math.min(this.options.keepaliveMs, 250 * 2 ** Math.min(failures, 6));
        logger.warn({ key, error: describeError(error), retryInMs: delay }, 'could not register in etcd, retrying');
        if (!(await this.pause(delay))) return;
        continue;
      }
      registrations += 1;
      const lost = new AbortController();
      this.current = { lease, lost };
      logger.info({ key, ttlSeconds: this.options.ttlSeconds, keepaliveMs: this.options.keepaliveMs, ...(registrations > 1 ? { registrations } : {}) }, registrations > 1 ? 'registered again on a new lease' : 'registered');
      for (const listener of this.listeners) listener(lease, lost.signal);
      const reason = await this.keepAlive(lease);
      if (reason === 'stopped') return;
      this.current = undefined;
      lost.abort();
      logger.warn({ key, reason }, 'registry lease lost: granting a new one and writing the key again');
      lease.release();
    }
  }

  private async register(): Promise<Lease> {
    const { client, key, value, ttlSeconds } = this.options;
    const lease = await client.grantLease(ttlSeconds);
    try {
      await client.putOnLease(lease, key, value);
    } catch (error) {
      await client.revoke(lease).catch(() => undefined);
      throw error;
    }
    return lease;
  }

  /** Keeps the lease alive until it is lost (the reason) or the agent stops. */
  private async keepAlive(lease: Lease): Promise<string> {
    const { client, keepaliveMs, ttlSeconds, logger, key } = this.options;
    let lastAlive = this.clock.now();
    for (;;) {
      if (!(await this.pause(keepaliveMs))) return 'stopped';
      let outcome: KeepaliveOutcome;
      try {
        outcome = await client.keepalive(lease, Math.max(1000, keepaliveMs));
      } catch (error) {
        outcome = 'unreachable';
        logger.warn({ key, error: describeError(error) }, 'lease keepalive failed');
      }
      if (this.stopping.signal.aborted) return 'stopped';
      if (outcome === 'alive') lastAlive = this.clock.now();
      if (leaseVerdict(outcome, lastAlive, this.clock.now(), ttlSeconds * 1000) === 'lost') {
        return outcome === 'expired' ? 'etcd says the lease expired' : `etcd unreachable for the whole TTL (${ttlSeconds}s)`;
      }
    }
  }

  private async pause(ms: number): Promise<boolean> {
    try {
      await this.clock.sleep(ms, this.stopping.signal);
      return true;
    } catch {
      return false;
    }
  }
}

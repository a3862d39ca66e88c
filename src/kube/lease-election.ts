import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../core/logger.js';
import { apiStatusCode, shortKubeError } from './api-error.js';

/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does:
 * - a standby takes the lease only when its holder has not renewed it for lease_duration, timed
 *   on this replica's own clock from when it last saw the lease change (never by comparing
 *   clocks across machines);
 * - every write carries the resourceVersion read, so two standbys racing for an expired lease
 *   cannot both win: the API server refuses the second with 409;
 * - a leader that could not renew for renew_deadline stops writing before the lease can expire
 *   for the others (renew_deadline < lease_duration);
 * - on shutdown the leader releases the lease, so a standby takes over at its next try.
 */
export interface LeaseElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onChange: (leader: boolean, holder: string | undefined) => void;
  /** One request to the API server (for the metrics). */
  onRequest?: () => void;
  now?: () => number;
}

export class LeaseElection {
  private leading = false;
  private lastRenew = 0;
  private observed: { key: string; at: number } | undefined;
  private holder: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: LeaseElectionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True only while the last renewal is fresher than renew_deadline. */
  get isLeader(): boolean {
    return this.leading && this.now() - this.lastRenew < this.options.renewDeadlineMs;
  }

  get currentHolder(): string | undefined {
    return this.holder;
  }

  start(): void {
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) await this.release();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.tryAcquireOrRenew();
    } catch (error) {
      this.options.logger.warn({ lease: `${this.options.namespace}/${this.options.name}`, error: shortKubeError(error) }, 'kube-dns: lease request failed');
    }
    if (this.leading && !this.isLeader) this.setLeading(false, this.holder, 'could not renew the lease within renew_deadline');
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs);
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { api, namespace, name, identity } = this.options;
    let lease: V1Lease;
    try {
      this.options.onRequest?.();
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
      this.options.onRequest?.();
      try {
        await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.spec(undefined) } });
      } catch (createError) {
        if (apiStatusCode(createError) === 409) return; // another replica created it first
        throw createError;
      }
      this.renewed();
      return;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity === '' ? undefined : spec.holderIdentity;
    const key = `${holder ?? ''} ${String(spec.renewTime?.valueOf() ?? '')} ${lease.metadata?.resourceVersion ?? ''}`;
    const now = this.now();
    if (this.observed?.key !== key) this.observed = { key, at: now };
    this.holder = holder;
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.options.leaseDurationMs / 1000)) * 1000;
    if (holder !== undefined && holder !== identity && now - this.observed.at < durationMs) {
      if (this.leading) this.setLeading(false, holder, `the lease is held by ${holder}`);
      return;
    }
    const body: V1Lease = {
      metadata: { ...lease.metadata, name, namespace },
      spec: { ...this.spec(holder === identity ? spec.acquireTime : undefined), leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1) },
    };
    this.options.onRequest?.();
    try {
      await api.replaceNamespacedLease({ name, namespace, body });
    } catch (error) {
      if (apiStatusCode(error) === 409) return; // someone else wrote the lease since we read it
      throw error;
    }
    this.renewed();
  }

  private spec(acquireTime: Date | undefined): NonNullable<V1Lease['spec']> {
    const now = new V1MicroTime(this.now());
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      acquireTime: acquireTime === undefined ? now : new V1MicroTime(acquireTime.valueOf()),
      renewTime: now,
    };
  }

  private renewed(): void {
    this.lastRenew = this.now();
    this.holder = this.options.identity;
    if (!this.leading) this.setLeading(true, this.options.identity, 'acquired the lease');
  }

  private setLeading(leading: boolean, holder: string | undefined, why: string): void {
    this.leading = leading;
    this.options.logger.info({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity, holder, why }, leading ? 'kube-dns: leading' : 'kube-dns: standing by');
    this.options.onChange(leading, holder);
  }

  /** Gives the lease up: an empty holder, which any standby may take at once. */
  private async release(): Promise<void> {
    const { api, namespace, name, identity } = this.options;
    this.leading = false;
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      await api.replaceNamespacedLease({
        name,
        namespace,
        body: { metadata: lease.metadata ?? { name, namespace }, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime(this.now()) } },
      });
      this.options.logger.info({ lease: `${namespace}/${name}` }, 'kube-dns: released the lease');
    } catch (error) {
      this.options.logger.warn({ lease: `${namespace}/${name}`, error: shortKubeError(error) }, 'kube-dns: could not release the lease; a standby takes over when it expires');
    }
  }
}

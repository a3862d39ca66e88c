import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DnsProvider } from '../dns/types.js';
import { isZoneChanged } from '../dns/zone-changed.js';
import type { KubeDnsFile } from './config-schema.js';
import { computeDesired, type ServiceState } from './desired.js';
import type { FailoverState } from './failover.js';
import type { KubeAccess } from './kube-config.js';
import { recordPublished, type KubeDnsMetrics } from './metrics.js';
import type { NodeInfo, PodInfo, ServiceInfo } from './objects.js';
import { PodIndex } from './pod-index.js';
import type { Change, Reflector } from './reflector.js';
import { formatReport, stateReport, type ReportWriter } from './report.js';
import { serviceTarget } from './targets.js';
import { createWatches } from './watches.js';
import { ZoneBook } from './zone-book.js';
import { applyToSnapshot, planZone } from './zone-sync.js';
import { writeZoneRound } from './zone-write.js';

/**
 * The kube-dns controller: watches keep a small cache of Services, Running pods and Nodes; a
 * change schedules a sync after the debounce window; a periodic resync lists every zone again
 * and repairs drift; failover timers wake it when a decision is due. Standbys do everything but
 * write, so their caches and failover timers are warm when they take over.
 */
export interface ControllerOptions {
  file: KubeDnsFile;
  access: KubeAccess;
  logger: Logger;
  metrics: KubeDnsMetrics;
  dryRun: boolean;
  providerFor: (zone: string) => Promise<DnsProvider>;
  report: ReportWriter | undefined;
  /** Whether this replica may write now (the lease; always true without leader election). */
  isLeader: () => boolean;
  now?: () => number;
}

export type SyncReason = 'start' | 'event' | 'resync' | 'timer' | 'leader' | 'request';

export interface SyncResult {
  reason: SyncReason;
  applied: boolean;
  writeCalls: number;
  summary: string[];
  errors: string[];
}

export class KubeDnsController {
  private readonly services: Reflector<ServiceInfo>[];
  private readonly pods: Reflector<PodInfo>[];
  private readonly nodes: Reflector<NodeInfo>;
  private readonly podIndex = new PodIndex();
  private states = new Map<string, FailoverState>();
  private readonly zones: ZoneBook;
  private readonly removedByEvent = new Set<string>();
  private lastServices: ServiceState[] = [];
  private lastInvalid: { service: string; reason: string }[] = [];
  private lastReport: string | undefined;
  private lastSyncAt: number | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private wakeTimer: { at: number; timer: NodeJS.Timeout } | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private running: Promise<SyncResult> | undefined;
  private again: SyncReason | undefined;
  private stopped = false;
  private synced = false;
  /** Syncs on its own (events, timers); false under --once, where only the one sync runs. */
  private looping = false;
  private readonly now: () => number;

  constructor(private readonly options: ControllerOptions) {
    this.now = options.now ?? Date.now;
    this.zones = new ZoneBook(options.file.dns.zones);
    const watches = createWatches({
      file: options.file,
      access: options.access,
      logger: options.logger,
      metrics: options.metrics,
      onServiceChanges: (changes) => this.onServiceChanges(changes),
      onPodChanges: (changes) => this.onPodChanges(changes),
      onNodeChanges: (changes) => this.changed(changes),
      onHealthChange: (resource) => this.changed([resource]),
    });
    this.services = watches.services;
    this.pods = watches.pods;
    this.nodes = watches.nodes;
  }

  private get reflectors(): Reflector<unknown>[] {
    return [...this.services, ...this.pods, this.nodes] as Reflector<unknown>[];
  }

  /** Every watch has listed once: before that, nothing is planned. */
  get isSynced(): boolean {
    return this.synced;
  }

  get apiserverAvailable(): boolean {
    return this.reflectors.every((reflector) => reflector.isHealthy);
  }

  /** Starts the watches; once all have synced, the first sync and the resync timer (unless `loop` is false: --once). */
  async start(options: { loop: boolean } = { loop: true }): Promise<void> {
    for (const reflector of this.reflectors) reflector.start();
    await Promise.all(this.reflectors.map((reflector) => reflector.waitForSync()));
    if (this.stopped) return;
    this.synced = true;
    this.options.logger.info({ services: this.services.reduce((n, r) => n + r.store.size, 0), pods: this.podIndex.size, nodes: this.nodes.store.size }, 'kube-dns: every watch synced');
    if (!options.loop) return;
    this.looping = true;
    await this.sync('start');
    this.scheduleResync();
  }

  stop(): void {
    this.stopped = true;
    for (const reflector of this.reflectors) reflector.stop();
    for (const timer of [this.debounceTimer, this.resyncTimer, this.wakeTimer?.timer]) if (timer) clearTimeout(timer);
  }

  /** Runs a sync now (kuberoute's GET /), or joins the one running. */
  sync(reason: SyncReason): Promise<SyncResult> {
    if (this.running) {
      // One sync at a time; a request during one runs once more after it, with the newest state.
      this.again = this.again === 'resync' || reason === 'resync' ? 'resync' : reason;
      return this.running;
    }
    this.running = this.runSync(reason).finally(() => {
      this.running = undefined;
      const again = this.again;
      this.again = undefined;
      if (again !== undefined && !this.stopped) void this.sync(again);
    });
    return this.running;
  }

  private onServiceChanges(changes: Change<ServiceInfo>[]): void {
    for (const change of changes) {
      if (change.relist || change.previous === undefined) continue;
      // Evidence that a name is no longer wanted: the Service was deleted, or relabeled away.
      const before = serviceTarget(change.previous, this.options.file.kube_dns);
      const after = change.current === undefined ? undefined : serviceTarget(change.current, this.options.file.kube_dns);
      if (before.kind === 'target' && (after?.kind !== 'target' || after.target.fqdn !== before.target.fqdn)) this.removedByEvent.add(before.target.fqdn);
    }
    this.changed(changes);
  }

  private onPodChanges(changes: Change<PodInfo>[]): void {
    for (const change of changes) {
      if (change.current === undefined) this.podIndex.delete(change.key);
      else this.podIndex.set(change.key, change.current);
    }
    this.changed(changes);
  }

  private changed(changes: readonly unknown[]): void {
    if (!this.synced || this.stopped || !this.looping || changes.length === 0) return;
    if (this.debounceTimer) return; // already scheduled: this change rides along
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.sync('event');
    }, this.options.file.kube_dns.debounce);
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    this.resyncTimer = setTimeout(() => {
      void this.sync('resync').finally(() => this.scheduleResync());
    }, this.options.file.kube_dns.resync_interval);
  }

  private scheduleWake(at: number | undefined): void {
    if (at === undefined || this.stopped || !this.looping) return;
    if (this.wakeTimer !== undefined && this.wakeTimer.at <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer.timer);
    const timer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        void this.sync('timer');
      },
      Math.max(0, at - this.now()) + 5,
    );
    this.wakeTimer = { at, timer };
  }

  private compute(now: number): ReturnType<typeof computeDesired> {
    const { kube_dns: config, dns } = this.options.file;
    const services = this.services.flatMap((reflector) => [...reflector.store.values()]);
    return computeDesired({
      services,
      podsFor: (namespace, selector) => this.podIndex.matching(namespace, selector),
      nodes: [...this.nodes.store.values()],
      config,
      zones: dns.zones,
      ttl: dns.ttl,
      states: this.states,
      zoneShowsFailover: (fqdn, failover) => this.zones.showsFailover(fqdn, failover),
      now,
    });
  }

  private async runSync(reason: SyncReason): Promise<SyncResult> {
    const { logger, metrics, file } = this.options;
    const started = this.now();
    const result: SyncResult = { reason, applied: false, writeCalls: 0, summary: [], errors: [] };
    if (!this.synced) {
      result.errors.push('the Kubernetes watches have not synced yet');
      return result;
    }
    const resync = reason === 'resync' || reason === 'start' || reason === 'leader';
    let output = this.compute(started);
    const zones = this.zones.zonesWith(output.desired.keys());
    // A zone not listed yet is listed before the failover states are fixed, so a Service first
    // seen in it starts from what the zone holds.
    const fresh = [...zones].filter((zone) => this.zones.records(zone) === undefined);
    // A standby lists a zone once (to know what a failover looks like there) and not at every
    // resync: two replicas would double the provider's read calls (Route 53's throttling).
    const relist = resync && this.options.isLeader();
    if (fresh.length > 0 || relist) {
      await Promise.all([...zones].filter((zone) => relist || this.zones.records(zone) === undefined).map((zone) => this.listZone(zone, result)));
      if (fresh.length > 0) output = this.compute(started);
    }
    this.states = output.states;
    this.lastServices = output.services;
    this.lastInvalid = output.invalid;
    this.scheduleWake(output.wakeAt);

    const leader = this.options.isLeader();
    const write = leader && !this.options.dryRun;
    let conflicts = 0;
    let allZonesOk = true;
    for (const zone of [...zones].sort()) {
      this.zones.remember(zone);
      const current = this.zones.records(zone);
      const status = this.zones.statusOf(zone);
      if (current === undefined) {
        allZonesOk = false;
        continue; // its list failed: recorded in errors
      }
      const round = planZone({
        zone,
        desired: output.desired.get(zone) ?? [],
        current,
        ownerId: file.dns.owner_id,
        policy: file.dns.policy,
        takeOver: file.dns.take_over,
        removedByEvent: this.removedByEvent,
        sourceSynced: this.synced,
        resync,
        held: this.zones.heldDeletes(zone),
        maxDeleteRatio: file.kube_dns.max_delete_ratio,
      });
      conflicts += round.plan.conflicts.length;
      this.zones.notePlanned(zone, round);
      if (round.guard.reason !== undefined) {
        metrics.deletesHeld.inc({ zone }, round.guard.withheld);
        logger.warn({ zone, withheld: round.guard.withheld, reason: round.guard.reason }, 'kube-dns: deletes held');
      }
      for (const conflict of round.plan.conflicts) logger.debug({ zone, record: `${conflict.record.name} ${conflict.record.type}`, reason: conflict.reason }, 'kube-dns: conflict, record left alone');
      const changeCount = round.changes.create.length + round.changes.update.length + round.changes.delete.length;
      if (changeCount === 0) {
        status.lastSync = new Date(this.now()).toISOString();
        continue;
      }
      // The lease is checked again before each zone: a sync can outlast a renewal.
      const writeNow = write && this.options.isLeader();
      const changeLines = round.plan.summary.filter((line) => /^(create|update|delete) /.test(line));
      result.summary.push(...changeLines.map((line) => `${writeNow ? '' : 'would '}${line}`));
      if (!writeNow) continue;
      try {
        const provider = await this.options.providerFor(zone);
        result.writeCalls += await writeZoneRound({ zone, round, provider, changeLines, reason, metrics, logger });
        result.applied = true;
        this.zones.setRecords(zone, applyToSnapshot(current, round.changes));
        status.lastSync = new Date(this.now()).toISOString();
        status.lastError = undefined;
      } catch (error) {
        allZonesOk = false;
        // The zone is not what the cache says (someone wrote it) or the write failed: list it
        // again on the next round, which comes soon.
        this.zoneFailed(zone, result, error, 'kube-dns: zone not updated', isZoneChanged(error) ? 'the zone changed while muster wrote it; planning again' : undefined);
      }
    }
    for (const zone of zones) this.zones.statusOf(zone).records = (output.desired.get(zone) ?? []).length;
    if (write && allZonesOk) this.removedByEvent.clear();
    if (allZonesOk) {
      this.lastSyncAt = this.now();
      metrics.lastSync.set(this.lastSyncAt / 1000);
    }
    metrics.conflicts.set(conflicts);
    metrics.syncDuration.observe((this.now() - started) / 1000);
    recordPublished(metrics, output.services);
    if (leader) await this.writeReport(result);
    return result;
  }

  private retrySoon(): void {
    if (this.stopped || !this.looping) return;
    setTimeout(() => void this.sync('event'), Math.max(1000, this.options.file.kube_dns.debounce)).unref();
  }

  private async listZone(zone: string, result: SyncResult): Promise<void> {
    try {
      const provider = await this.options.providerFor(zone);
      this.zones.setRecords(zone, await provider.list());
    } catch (error) {
      this.zoneFailed(zone, result, error, 'kube-dns: cannot list the zone; its records stay as they are');
    }
  }

  /** A zone's list or write failed: forget what the cache held of it, say so, and try again soon. */
  private zoneFailed(zone: string, result: SyncResult, error: unknown, message: string, hint?: string): void {
    this.zones.forget(zone);
    this.options.metrics.registryErrors.inc({ zone });
    this.zones.statusOf(zone).lastError = describeError(error);
    result.errors.push(`${zone}: ${describeError(error)}`);
    this.options.logger.warn({ zone, error: describeError(error), ...(hint === undefined ? {} : { hint }) }, message);
    this.retrySoon();
  }

  private async writeReport(result: SyncResult): Promise<void> {
    const { report, dryRun, logger } = this.options;
    if (report === undefined || dryRun) return;
    const text = formatReport(this.report());
    if (text === this.lastReport) return;
    try {
      await report.write(text);
      this.lastReport = text;
      logger.debug({ targets: report.targets }, 'kube-dns: state report written');
    } catch (error) {
      result.errors.push(describeError(error));
      logger.warn({ error: describeError(error) }, 'kube-dns: state report not written; trying again at the next sync');
    }
  }

  /** kuberoute's report shape. */
  report(): ReturnType<typeof stateReport> {
    return stateReport(this.apiserverAvailable, [...this.nodes.store.values()], this.lastServices);
  }

  /** /state: everything the controller believes, for people and scripts. */
  state(): Record<string, unknown> {
    return {
      synced: this.synced,
      leader: this.options.isLeader(),
      apiserver_available: this.apiserverAvailable,
      last_sync: this.lastSyncAt === undefined ? null : new Date(this.lastSyncAt).toISOString(),
      counts: { services: this.services.reduce((n, r) => n + r.store.size, 0), running_pods: this.podIndex.size, nodes: this.nodes.store.size },
      services: this.lastServices,
      invalid: this.lastInvalid,
      zones: this.zones.statuses(),
      report: this.report(),
    };
  }
}

import { CoreV1Api, type V1ListMeta } from '@kubernetes/client-node';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DnsProvider, RecordSet } from '../dns/types.js';
import { isZoneChanged } from '../dns/zone-changed.js';
import type { KubeDnsFile } from './config-schema.js';
import { computeDesired, type ServiceState } from './desired.js';
import type { FailoverState } from './failover.js';
import type { KubeAccess } from './kube-config.js';
import { recordPublished, type KubeDnsMetrics } from './metrics.js';
import { nodeInfo, podInfo, serviceInfo, type NodeInfo, type PodInfo, type ServiceInfo } from './objects.js';
import { PodIndex } from './pod-index.js';
import { Reflector, type Change, type ListPage } from './reflector.js';
import { formatReport, stateReport, type ReportWriter } from './report.js';
import { serviceTarget } from './targets.js';
import { applyRound, applyToSnapshot, planZone } from './zone-sync.js';

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

export interface ZoneStatus {
  zone: string;
  records: number;
  lastSync: string | undefined;
  lastError: string | undefined;
  heldDeletes: string | undefined;
  conflicts: string[];
}

export interface SyncResult {
  reason: SyncReason;
  applied: boolean;
  writeCalls: number;
  summary: string[];
  errors: string[];
}

const json = (value: unknown): string => JSON.stringify(value);

export class KubeDnsController {
  private readonly services: Reflector<ServiceInfo>[] = [];
  private readonly pods: Reflector<PodInfo>[] = [];
  private readonly nodes: Reflector<NodeInfo>;
  private readonly podIndex = new PodIndex();
  private states = new Map<string, FailoverState>();
  private readonly zoneCache = new Map<string, RecordSet[]>();
  private readonly knownZones = new Set<string>();
  private readonly held = new Map<string, string>();
  private readonly zoneStatus = new Map<string, ZoneStatus>();
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
    const { kubeConfig } = options.access;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const { kube_dns: config } = options.file;
    const timeoutMs = config.kubernetes.timeout;
    const page = (list: { items: unknown[]; metadata?: V1ListMeta }): ListPage => ({ items: list.items, resourceVersion: list.metadata?.resourceVersion, continueToken: list.metadata?._continue });
    const common = { kubeConfig, logger: options.logger, timeoutMs, same: <T>(a: T, b: T) => json(a) === json(b) };
    const namespaces: (string | undefined)[] = config.namespaces.length === 0 ? [undefined] : config.namespaces;
    for (const namespace of namespaces) {
      const where = namespace === undefined ? '' : `/namespaces/${namespace}`;
      this.services.push(
        new Reflector<ServiceInfo>({
          ...common,
          name: `services${namespace === undefined ? '' : ` in ${namespace}`}`,
          path: `/api/v1${where}/services`,
          list: async ({ limit, continueToken }) =>
            page(namespace === undefined ? await core.listServiceForAllNamespaces({ limit, ...(continueToken ? { _continue: continueToken } : {}) }) : await core.listNamespacedService({ namespace, limit, ...(continueToken ? { _continue: continueToken } : {}) })),
          project: serviceInfo,
          onChanges: (changes) => this.onServiceChanges(changes),
          hooks: this.hooks('services'),
        }),
      );
      // Only Running pods are ever published: the server filters the rest out (a pod that stops
      // running arrives as a deletion), so a cluster full of finished jobs costs nothing here.
      const fieldSelector = 'status.phase=Running';
      this.pods.push(
        new Reflector<PodInfo>({
          ...common,
          name: `pods${namespace === undefined ? '' : ` in ${namespace}`}`,
          path: `/api/v1${where}/pods`,
          fieldSelector,
          list: async ({ limit, continueToken }) =>
            page(
              namespace === undefined
                ? await core.listPodForAllNamespaces({ limit, fieldSelector, ...(continueToken ? { _continue: continueToken } : {}) })
                : await core.listNamespacedPod({ namespace, limit, fieldSelector, ...(continueToken ? { _continue: continueToken } : {}) }),
            ),
          project: podInfo,
          onChanges: (changes) => this.onPodChanges(changes),
          hooks: this.hooks('pods'),
        }),
      );
    }
    this.nodes = new Reflector<NodeInfo>({
      ...common,
      name: 'nodes',
      path: '/api/v1/nodes',
      list: async ({ limit, continueToken }) => page(await core.listNode({ limit, ...(continueToken ? { _continue: continueToken } : {}) })),
      project: nodeInfo,
      onChanges: (changes) => this.changed(changes),
      hooks: this.hooks('nodes'),
    });
    for (const zone of options.file.dns.zones) this.knownZones.add(zone);
  }

  private get reflectors(): Reflector<unknown>[] {
    return [...this.services, ...this.pods, this.nodes] as Reflector<unknown>[];
  }

  private hooks(resource: string): ConstructorParameters<typeof Reflector>[0]['hooks'] {
    const { metrics } = this.options;
    return {
      request: (kind) => metrics.apiRequests.inc({ kind }),
      failure: () => metrics.sourceErrors.inc({ resource }),
      watchRestart: (reason) => metrics.watchRestarts.inc({ resource, reason }),
      // The report says whether the API server answers (kuberoute wrote it on a ConnectionError
      // too): a sync from the cache rewrites it, and changes nothing else.
      health: () => this.changed([resource]),
    };
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
      zoneShowsFailover: (fqdn, failover) => {
        for (const sets of this.zoneCache.values()) {
          const set = sets.find((entry) => entry.name === fqdn && entry.type === failover.type);
          if (set !== undefined && set.values.length === 1 && set.values[0] === failover.value) return true;
        }
        return false;
      },
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
    const zones = new Set([...this.knownZones, ...output.desired.keys()]);
    // A zone not listed yet is listed before the failover states are fixed, so a Service first
    // seen in it starts from what the zone holds.
    const fresh = [...zones].filter((zone) => !this.zoneCache.has(zone));
    // A standby lists a zone once (to know what a failover looks like there) and not at every
    // resync: two replicas would double the provider's read calls (Route 53's throttling).
    const relist = resync && this.options.isLeader();
    if (fresh.length > 0 || relist) {
      await Promise.all([...zones].filter((zone) => relist || !this.zoneCache.has(zone)).map((zone) => this.listZone(zone, result)));
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
      this.knownZones.add(zone);
      const current = this.zoneCache.get(zone);
      const status = this.statusOf(zone);
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
        held: this.held.get(zone),
        maxDeleteRatio: file.kube_dns.max_delete_ratio,
      });
      conflicts += round.plan.conflicts.length;
      status.conflicts = round.plan.conflicts.map((note) => `${note.record.name} ${note.record.type}: ${note.reason}`);
      if (round.guard.held === undefined) this.held.delete(zone);
      else this.held.set(zone, round.guard.held);
      status.heldDeletes = round.guard.reason;
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
        const applied = await applyRound(provider, round);
        for (const note of applied.notes) logger.warn({ zone, note }, 'kube-dns: left alone while applying');
        result.writeCalls += applied.writeCalls;
        result.applied = true;
        metrics.dnsWrites.inc({ zone }, applied.writeCalls);
        metrics.dnsChanges.inc({ zone, action: 'create' }, round.changes.create.length);
        metrics.dnsChanges.inc({ zone, action: 'update' }, round.changes.update.length);
        metrics.dnsChanges.inc({ zone, action: 'delete' }, round.changes.delete.length);
        this.zoneCache.set(zone, applyToSnapshot(current, round.changes));
        status.lastSync = new Date(this.now()).toISOString();
        status.lastError = undefined;
        logger.info({ zone, reason, changes: changeLines, writeCalls: applied.writeCalls }, 'kube-dns: zone updated');
      } catch (error) {
        allZonesOk = false;
        // The zone is not what the cache says (someone wrote it) or the write failed: list it
        // again on the next round, which comes soon.
        this.zoneFailed(zone, result, error, 'kube-dns: zone not updated', isZoneChanged(error) ? 'the zone changed while muster wrote it; planning again' : undefined);
      }
    }
    for (const zone of zones) this.statusOf(zone).records = (output.desired.get(zone) ?? []).length;
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
      this.zoneCache.set(zone, await provider.list());
    } catch (error) {
      this.zoneFailed(zone, result, error, 'kube-dns: cannot list the zone; its records stay as they are');
    }
  }

  /** A zone's list or write failed: forget what the cache held of it, say so, and try again soon. */
  private zoneFailed(zone: string, result: SyncResult, error: unknown, message: string, hint?: string): void {
    this.zoneCache.delete(zone);
    this.options.metrics.registryErrors.inc({ zone });
    this.statusOf(zone).lastError = describeError(error);
    result.errors.push(`${zone}: ${describeError(error)}`);
    this.options.logger.warn({ zone, error: describeError(error), ...(hint === undefined ? {} : { hint }) }, message);
    this.retrySoon();
  }

  private statusOf(zone: string): ZoneStatus {
    let status = this.zoneStatus.get(zone);
    if (status === undefined) this.zoneStatus.set(zone, (status = { zone, records: 0, lastSync: undefined, lastError: undefined, heldDeletes: undefined, conflicts: [] }));
    return status;
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
      zones: [...this.zoneStatus.values()].sort((a, b) => (a.zone < b.zone ? -1 : 1)),
      report: this.report(),
    };
  }
}

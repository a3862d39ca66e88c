import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceState } from './desired.js';

/**
 * kube-dns's Prometheus metrics. Where external-dns has a metric that means the same, its name
 * is used with muster's prefix (external_dns_controller_last_sync_timestamp_seconds →
 * muster_kube_dns_controller_last_sync_timestamp_seconds), so dashboards port by a rename.
 */
export type KubeDnsMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'muster_kube_dns_' });
  const prefix = 'muster_kube_dns_';
  return {
    registry,
    lastSync: new Gauge({ name: `${prefix}controller_last_sync_timestamp_seconds`, help: 'When the last sync that reached every zone finished (external-dns\'s name).', registers: [registry] }),
    registryErrors: new Counter({ name: `${prefix}registry_errors_total`, help: 'DNS provider list or apply failures (external-dns\'s name).', labelNames: ['zone'], registers: [registry] }),
    sourceErrors: new Counter({ name: `${prefix}source_errors_total`, help: 'Kubernetes list or watch failures (external-dns\'s name).', labelNames: ['resource'], registers: [registry] }),
    watchRestarts: new Counter({ name: `${prefix}watch_restarts_total`, help: 'Watches restarted, by reason: error (backoff), gone (410: relisted), closed (server timeout).', labelNames: ['resource', 'reason'], registers: [registry] }),
    apiRequests: new Counter({ name: `${prefix}api_requests_total`, help: 'Requests to the Kubernetes API server, by kind (list page, watch, lease).', labelNames: ['kind'], registers: [registry] }),
    dnsWrites: new Counter({ name: `${prefix}dns_write_calls_total`, help: 'API calls or messages that changed a zone.', labelNames: ['zone'], registers: [registry] }),
    dnsChanges: new Counter({ name: `${prefix}dns_record_changes_total`, help: 'Record sets created, updated and deleted (ownership records included).', labelNames: ['zone', 'action'], registers: [registry] }),
    deletesHeld: new Counter({ name: `${prefix}deletes_held_total`, help: 'Record sets the deletion guard kept (an unsynced or partial source, or a mass delete not yet confirmed).', labelNames: ['zone'], registers: [registry] }),
    syncDuration: new Histogram({ name: `${prefix}sync_duration_seconds`, help: 'Duration of one sync of every zone.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    leader: new Gauge({ name: `${prefix}leader`, help: '1 while this replica holds the lease and writes, 0 on standby.', registers: [registry] }),
    failoverActive: new Gauge({ name: `${prefix}failover_active`, help: '1 while a Service\'s name points at its failover value.', labelNames: ['name'], registers: [registry] }),
    servicesPublished: new Gauge({ name: `${prefix}services`, help: 'Selected Services, by what their name holds (addresses, failover, none).', labelNames: ['published'], registers: [registry] }),
    conflicts: new Gauge({ name: `${prefix}conflicts`, help: 'Desired record sets left alone because someone else owns the name (the last sync).', registers: [registry] }),
  };
}

/** What every selected Service's name holds after a sync: the per-kind counts and the failovers in force. */
export function recordPublished(metrics: KubeDnsMetrics, services: readonly ServiceState[]): void {
  metrics.failoverActive.reset();
  const published: Record<ServiceState['published'], number> = { addresses: 0, failover: 0, none: 0 };
  for (const service of services) {
    published[service.published] += 1;
    if (service.published === 'failover') metrics.failoverActive.set({ name: service.name }, 1);
  }
  for (const [key, value] of Object.entries(published)) metrics.servicesPublished.set({ published: key }, value);
}

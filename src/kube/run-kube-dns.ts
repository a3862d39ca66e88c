import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { forwardingSignals } from '../core/signals.js';
import { createDnsProvider } from '../dns/registry.js';
import type { DnsProvider } from '../dns/types.js';
import type { LoadedKubeDns } from './config-load.js';
import { KubeDnsController, type SyncResult } from './controller.js';
import { startHttpServer } from './http-server.js';
import { kubeAccess } from './kube-config.js';
import { LeaseElection } from './lease-election.js';
import { createMetrics } from './metrics.js';
import { createReportWriter } from './report.js';

export interface RunKubeDnsOptions {
  dryRun: boolean;
  /** Sync once when every watch has synced, print the result and exit (no HTTP, no lease). */
  once: boolean;
  port: number | undefined;
}

/**
 * `muster kube-dns`: the controller, its lease, its HTTP server, until SIGTERM / SIGINT; then the
 * lease is released (a standby takes over at its next try) and the process exits 0.
 */
export async function runKubeDns(loaded: LoadedKubeDns, options: RunKubeDnsOptions, logger: Logger): Promise<SyncResult | undefined> {
  const { file } = loaded;
  for (const notice of loaded.notices) logger.warn({ config: loaded.path }, notice);
  Object.assign(process.env, loaded.env);
  const config = file.kube_dns;
  const access = kubeAccess(config.kubernetes, logger);
  const metrics = createMetrics();
  const providers = new Map<string, Promise<DnsProvider>>();
  const providerFor = (zone: string): Promise<DnsProvider> => {
    let provider = providers.get(zone);
    if (provider === undefined) {
      provider = createProvider(file.dns.provider, zone, logger);
      providers.set(zone, provider);
      provider.catch(() => providers.delete(zone));
    }
    return provider;
  };
  const report = await createReportWriter(config.report, config.replacements);

  const election =
    config.leader_election.enabled && !options.once
      ? new LeaseElection({
          api: access.kubeConfig.makeApiClient(CoordinationV1Api),
          namespace: config.leader_election.namespace ?? access.namespace ?? 'default',
          name: config.leader_election.name,
          identity: config.leader_election.identity ?? `${process.env['POD_NAME'] ?? hostname()}_${randomUUID().slice(0, 8)}`,
          leaseDurationMs: config.leader_election.lease_duration,
          renewDeadlineMs: config.leader_election.renew_deadline,
          retryPeriodMs: config.leader_election.retry_period,
          logger,
          onRequest: () => metrics.apiRequests.inc({ kind: 'lease' }),
          onChange: (leader) => {
            metrics.leader.set(leader ? 1 : 0);
            // A new leader plans from a fresh listing of every zone at once.
            if (leader) void controller.sync('leader');
          },
        })
      : undefined;
  const isLeader = (): boolean => election?.isLeader ?? true;
  if (election === undefined) metrics.leader.set(1);
  const controller = new KubeDnsController({ file, access, logger, metrics, dryRun: options.dryRun, providerFor, report, isLeader });

  logger.info({ server: access.server, namespaces: config.namespaces.length === 0 ? 'all' : config.namespaces, provider: file.dns.provider.type, zones: file.dns.zones, dryRun: options.dryRun }, 'kube-dns: starting');
  if (options.once) {
    await controller.start({ loop: false });
    // A fresh listing of every zone, as a new leader does.
    const result = await controller.sync('leader');
    controller.stop();
    return result;
  }

  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  forwardingSignals(true);
  const server: Server = await startHttpServer({ controller, registry: metrics.registry, isLeader, leaderName: () => election?.currentHolder, host: config.listen_address, port: options.port ?? config.port });
  logger.info({ address: `${config.listen_address}:${options.port ?? config.port}` }, 'kube-dns: HTTP on /healthz /readyz /metrics /state /health /');
  election?.start();
  controller.start().catch((error: unknown) => logger.error({ error: describeError(error) }, 'kube-dns: the controller stopped'));

  const signal = await stopRequested;
  logger.info({ signal }, 'kube-dns: stopping');
  controller.stop();
  await election?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return undefined;
}

async function createProvider(config: LoadedKubeDns['file']['dns']['provider'], zone: string, logger: Logger): Promise<DnsProvider> {
  if (config.type !== 'fake') return createDnsProvider(config, { zone, root: '/' });
  const { createMemoryProvider } = await import('../dns/providers/memory/index.js');
  const memory = createMemoryProvider({ zone });
  return {
    type: 'fake',
    zone: memory.zone,
    list: (signal) => memory.list(signal),
    apply: async (changes, signal) => {
      for (const set of changes.delete) logger.info({ zone, record: `${set.name} ${set.type}` }, 'fakedns: delete');
      for (const { to } of changes.update) logger.info({ zone, record: `${to.name} ${to.type}`, values: to.values }, 'fakedns: update');
      for (const set of changes.create) logger.info({ zone, record: `${set.name} ${set.type}`, values: set.values }, 'fakedns: create');
      return memory.apply(changes, signal);
    },
  };
}

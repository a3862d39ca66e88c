import { CoreV1Api, type V1ListMeta } from '@kubernetes/client-node';
import type { Logger } from '../core/logger.js';
import type { KubeDnsFile } from './config-schema.js';
import type { KubeAccess } from './kube-config.js';
import type { KubeDnsMetrics } from './metrics.js';
import { nodeInfo, podInfo, serviceInfo, type NodeInfo, type PodInfo, type ServiceInfo } from './objects.js';
import { Reflector, type Change, type ListPage } from './reflector.js';

/** The watches kube-dns keeps: Services and Running pods per namespace (or all), and Nodes. */
export interface KubeWatches {
  services: Reflector<ServiceInfo>[];
  pods: Reflector<PodInfo>[];
  nodes: Reflector<NodeInfo>;
}

export interface WatchOptions {
  file: KubeDnsFile;
  access: KubeAccess;
  logger: Logger;
  metrics: KubeDnsMetrics;
  onServiceChanges: (changes: Change<ServiceInfo>[]) => void;
  onPodChanges: (changes: Change<PodInfo>[]) => void;
  onNodeChanges: (changes: Change<NodeInfo>[]) => void;
  /** A watch's health changed (the API server stopped or started answering). */
  onHealthChange: (resource: string) => void;
}

const json = (value: unknown): string => JSON.stringify(value);

/** Builds (does not start) one reflector per watched resource and namespace. */
export function createWatches(options: WatchOptions): KubeWatches {
  const { kubeConfig } = options.access;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const { kube_dns: config } = options.file;
  const page = (list: { items: unknown[]; metadata?: V1ListMeta }): ListPage => ({ items: list.items, resourceVersion: list.metadata?.resourceVersion, continueToken: list.metadata?._continue });
  const common = { kubeConfig, logger: options.logger, timeoutMs: config.kubernetes.timeout, same: <T>(a: T, b: T) => json(a) === json(b) };
  const hooks = (resource: string): ConstructorParameters<typeof Reflector>[0]['hooks'] => ({
    request: (kind) => options.metrics.apiRequests.inc({ kind }),
    failure: () => options.metrics.sourceErrors.inc({ resource }),
    watchRestart: (reason) => options.metrics.watchRestarts.inc({ resource, reason }),
    // The report says whether the API server answers (kuberoute wrote it on a ConnectionError
    // too): a sync from the cache rewrites it, and changes nothing else.
    health: () => options.onHealthChange(resource),
  });
  const continued = (continueToken: string | undefined): { _continue?: string } => (continueToken ? { _continue: continueToken } : {});

  const services: Reflector<ServiceInfo>[] = [];
  const pods: Reflector<PodInfo>[] = [];
  const namespaces: (string | undefined)[] = config.namespaces.length === 0 ? [undefined] : config.namespaces;
  for (const namespace of namespaces) {
    const where = namespace === undefined ? '' : `/namespaces/${namespace}`;
    const suffix = namespace === undefined ? '' : ` in ${namespace}`;
    services.push(
      new Reflector<ServiceInfo>({
        ...common,
        name: `services${suffix}`,
        path: `/api/v1${where}/services`,
        list: async ({ limit, continueToken }) =>
          page(namespace === undefined ? await core.listServiceForAllNamespaces({ limit, ...continued(continueToken) }) : await core.listNamespacedService({ namespace, limit, ...continued(continueToken) })),
        project: serviceInfo,
        onChanges: options.onServiceChanges,
        hooks: hooks('services'),
      }),
    );
    // Only Running pods are ever published: the server filters the rest out (a pod that stops
    // running arrives as a deletion), so a cluster full of finished jobs costs nothing here.
    const fieldSelector = 'status.phase=Running';
    pods.push(
      new Reflector<PodInfo>({
        ...common,
        name: `pods${suffix}`,
        path: `/api/v1${where}/pods`,
        fieldSelector,
        list: async ({ limit, continueToken }) =>
          page(
            namespace === undefined
              ? await core.listPodForAllNamespaces({ limit, fieldSelector, ...continued(continueToken) })
              : await core.listNamespacedPod({ namespace, limit, fieldSelector, ...continued(continueToken) }),
          ),
        project: podInfo,
        onChanges: options.onPodChanges,
        hooks: hooks('pods'),
      }),
    );
  }
  const nodes = new Reflector<NodeInfo>({
    ...common,
    name: 'nodes',
    path: '/api/v1/nodes',
    list: async ({ limit, continueToken }) => page(await core.listNode({ limit, ...continued(continueToken) })),
    project: nodeInfo,
    onChanges: options.onNodeChanges,
    hooks: hooks('nodes'),
  });
  return { services, pods, nodes };
}

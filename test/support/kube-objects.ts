import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  Watch,
  setHeaderOptions,
  type KubernetesObject,
  type V1LoadBalancerIngress,
  type V1Namespace,
  type V1Node,
  type V1NodeAddress,
  type V1PolicyRule,
  type V1Pod,
  type V1PodCondition,
  type V1Service,
  type V1ServicePort,
  type V1Status,
} from '@kubernetes/client-node';
import type { KubeApiServer } from './kube-apiserver.js';

/**
 * Objects in a test kube-apiserver (test/support/kube-apiserver.ts) through
 * @kubernetes/client-node 1.x (promise API, one object parameter per call). No kubelet or
 * controller runs there, so the `status` a kubelet or cloud controller would write (Node
 * addresses and Ready, Pod phase, IPs and Ready, a LoadBalancer's ingress) is set here with merge
 * patches on the status subresource.
 *
 * client-node 1.x sends every patch* call as `application/json-patch+json` unless told
 * otherwise; a merge patch is `core.patchX({ name, body }, MERGE_PATCH)`, where MERGE_PATCH is
 * `setHeaderOptions('Content-Type', PatchStrategy.MergePatch)` (a middleware that overrides the
 * header). A failed call throws ApiException (`code` is the HTTP status, `body` the Status JSON).
 * MicroTime fields (a Lease's renewTime and acquireTime) must be `new V1MicroTime()`, not a Date:
 * a Date is sent with milliseconds, which the 1.20 apiserver rejects (400, "cannot parse .558Z as
 * .000000"); read back, they are strings, and writing such an object back works.
 */
export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  rbac: RbacAuthorizationV1Api;
}

/** The options that make a client-node 1.x patch* call a JSON merge patch (RFC 7386). */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** The options that make a client-node 1.x patch* call a strategic merge patch. */
export const STRATEGIC_MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** A KubeConfig for the server: the admin (system:masters) by default, or the `muster-kube-dns` user. */
export function kubeConfig(server: KubeApiServer, as: 'admin' | 'readonly' = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(as === 'admin' ? server.kubeconfigPath : server.readonlyKubeconfigPath);
  return kc;
}

export function kubeClients(server: KubeApiServer, as: 'admin' | 'readonly' = 'admin'): KubeClients {
  const kc = kubeConfig(server, as);
  return { kc, core: kc.makeApiClient(CoreV1Api), coordination: kc.makeApiClient(CoordinationV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api) };
}

/** The HTTP status of a failed client-node call (ApiException), or of a failed watch; undefined otherwise. */
export function httpStatus(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { statusCode?: unknown; code?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export async function createNamespace(core: CoreV1Api, name: string, labels: Record<string, string> = {}): Promise<V1Namespace> {
  return core.createNamespace({ body: { metadata: { name, labels } } });
}

export interface NodeOptions {
  internalIP: string;
  externalIP?: string;
  /** The Ready condition: True unless false. */
  ready?: boolean;
  unschedulable?: boolean;
  labels?: Record<string, string>;
}

function nodeAddresses(name: string, options: { internalIP: string; externalIP?: string }): V1NodeAddress[] {
  return [
    { type: 'InternalIP', address: options.internalIP },
    ...(options.externalIP === undefined ? [] : [{ type: 'ExternalIP', address: options.externalIP }]),
    { type: 'Hostname', address: name },
  ];
}

function nodeReadyCondition(ready: boolean): object {
  const now = new Date().toISOString();
  return ready
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
    : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'set not ready by the test', lastHeartbeatTime: now, lastTransitionTime: now };
}

/** A Node as a kubelet would have registered it: created, then its status (addresses, Ready) patched. */
export async function createNode(core: CoreV1Api, name: string, options: NodeOptions): Promise<V1Node> {
  await core.createNode({
    body: {
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...options.labels } },
      spec: { unschedulable: options.unschedulable ?? false },
    },
  });
  return core.patchNodeStatus(
    { name, body: { status: { addresses: nodeAddresses(name, options), conditions: [nodeReadyCondition(options.ready ?? true)] } } },
    MERGE_PATCH,
  );
}

/** Sets the Node's Ready condition (the whole conditions list: merge patches replace lists). */
export async function setNodeReady(core: CoreV1Api, name: string, ready: boolean): Promise<V1Node> {
  return core.patchNodeStatus({ name, body: { status: { conditions: [nodeReadyCondition(ready)] } } }, MERGE_PATCH);
}

export async function setNodeAddresses(core: CoreV1Api, name: string, addresses: { internalIP: string; externalIP?: string }): Promise<V1Node> {
  return core.patchNodeStatus({ name, body: { status: { addresses: nodeAddresses(name, addresses) } } }, MERGE_PATCH);
}

export async function setNodeUnschedulable(core: CoreV1Api, name: string, unschedulable: boolean): Promise<V1Node> {
  return core.patchNode({ name, body: { spec: { unschedulable } } }, MERGE_PATCH);
}

export async function deleteNode(core: CoreV1Api, name: string): Promise<void> {
  await core.deleteNode({ name });
}

export interface PodOptions {
  labels?: Record<string, string>;
  /** spec.nodeName, set at creation (no scheduler runs). */
  nodeName: string;
  /** status.hostIP: the node's InternalIP, as a kubelet reports it. */
  hostIP: string;
  /** status.podIP (and podIPs); none unless given. */
  podIP?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  ready: boolean;
  /** spec.hostNetwork. */
  hostNetwork?: boolean;
  containerPorts?: readonly { name?: string; containerPort: number; hostPort?: number; protocol?: 'TCP' | 'UDP' }[];
  annotations?: Record<string, string>;
}

function podConditions(ready: boolean): V1PodCondition[] {
  const now = new Date();
  const status = ready ? 'True' : 'False';
  return [
    { type: 'Initialized', status: 'True', lastTransitionTime: now },
    { type: 'Ready', status, lastTransitionTime: now },
    { type: 'ContainersReady', status, lastTransitionTime: now },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
  ];
}

/** A Pod bound to a node (spec.nodeName), then its status set as that node's kubelet would. */
export async function createPod(core: CoreV1Api, namespace: string, name: string, options: PodOptions): Promise<V1Pod> {
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: options.labels ?? {}, annotations: options.annotations ?? {} },
      spec: {
        nodeName: options.nodeName,
        hostNetwork: options.hostNetwork ?? false,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'pause',
            image: 'k8s.gcr.io/pause:3.2',
            ports: (options.containerPorts ?? []).map((port) => ({ ...port, protocol: port.protocol ?? 'TCP' })),
          },
        ],
      },
    },
  });
  return setPodStatus(core, namespace, name, options);
}

/** Sets phase, hostIP, podIP and the Ready conditions of a Pod (merge patch on pods/status). */
export async function setPodStatus(
  core: CoreV1Api,
  namespace: string,
  name: string,
  options: { hostIP: string; podIP?: string; phase?: PodOptions['phase']; ready: boolean },
): Promise<V1Pod> {
  const phase = options.phase ?? 'Running';
  const podIP = options.podIP;
  const status = {
    phase,
    hostIP: options.hostIP,
    ...(podIP === undefined ? {} : { podIP, podIPs: [{ ip: podIP }] }),
    startTime: new Date().toISOString(),
    conditions: podConditions(options.ready),
    containerStatuses: [
      {
        name: 'pause',
        image: 'k8s.gcr.io/pause:3.2',
        imageID: '',
        ready: options.ready,
        restartCount: 0,
        started: phase === 'Running',
        state: phase === 'Running' ? { running: { startedAt: new Date().toISOString() } } : { waiting: { reason: 'ContainerCreating' } },
      },
    ],
  };
  return core.patchNamespacedPodStatus({ namespace, name, body: { status } }, MERGE_PATCH);
}

/** Flips the Pod's Ready and ContainersReady conditions, keeping its phase and addresses. */
export async function setPodReady(core: CoreV1Api, namespace: string, name: string, ready: boolean): Promise<V1Pod> {
  return core.patchNamespacedPodStatus({ namespace, name, body: { status: { conditions: podConditions(ready) } } }, MERGE_PATCH);
}

/**
 * Deletes a Pod at once (grace period 0: no kubelet would ever confirm a graceful one), or with
 * `graceful: true` only marks it terminating (deletionTimestamp set; it stays, as on a real node
 * until its containers stop; delete it again with grace 0 to remove it).
 */
export async function deletePod(core: CoreV1Api, namespace: string, name: string, options: { graceful?: boolean } = {}): Promise<void> {
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: options.graceful === true ? 30 : 0 });
}

export interface ServiceOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** spec.selector; none: a Service without a selector (its Endpoints are the test's to write). */
  selector?: Record<string, string>;
  type: 'NodePort' | 'ClusterIP' | 'LoadBalancer';
  /** One TCP port 80 → 8080 named http unless given; NodePort and LoadBalancer get a node port allocated. */
  ports?: V1ServicePort[];
  /** 'None': a headless ClusterIP Service. */
  clusterIP?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  externalIPs?: string[];
}

export async function createService(core: CoreV1Api, namespace: string, name: string, options: ServiceOptions): Promise<V1Service> {
  const ports = options.ports ?? [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];
  return core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, labels: options.labels ?? {}, annotations: options.annotations ?? {} },
      spec: {
        type: options.type,
        ports,
        ...(options.selector === undefined ? {} : { selector: options.selector }),
        ...(options.clusterIP === undefined ? {} : { clusterIP: options.clusterIP }),
        ...(options.externalTrafficPolicy === undefined ? {} : { externalTrafficPolicy: options.externalTrafficPolicy }),
        ...(options.externalIPs === undefined ? {} : { externalIPs: options.externalIPs }),
      },
    },
  });
}

/** Merges labels and annotations into a Service (null removes a key, as in any merge patch). */
export async function patchServiceMetadata(
  core: CoreV1Api,
  namespace: string,
  name: string,
  metadata: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
): Promise<V1Service> {
  return core.patchNamespacedService({ namespace, name, body: { metadata } }, MERGE_PATCH);
}

/** status.loadBalancer.ingress, as a cloud controller would set it; [] clears it. */
export async function setLoadBalancerIngress(core: CoreV1Api, namespace: string, name: string, ingress: readonly V1LoadBalancerIngress[]): Promise<V1Service> {
  return core.patchNamespacedServiceStatus({ namespace, name, body: { status: { loadBalancer: { ingress } } } }, MERGE_PATCH);
}

export async function deleteService(core: CoreV1Api, namespace: string, name: string): Promise<void> {
  await core.deleteNamespacedService({ namespace, name });
}

/**
 * Lets `user` do `rules` cluster-wide: a ClusterRole and a ClusterRoleBinding, both named `name`.
 * RBAC takes it into account within a second or so (the authorizer reads through an informer).
 */
export async function grantClusterRole(rbac: RbacAuthorizationV1Api, name: string, user: string, rules: V1PolicyRule[]): Promise<void> {
  await rbac.createClusterRole({ body: { metadata: { name }, rules } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
}

/**
 * One event of a watch. The object is the JSON as received (client-node's Watch does not turn it
 * into its model classes: timestamps stay strings); an ERROR carries a Status (code 410, reason
 * Expired, for a resourceVersion that is gone).
 */
export type WatchEvent<T extends KubernetesObject = KubernetesObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: V1Status };

export interface RecordedWatch<T extends KubernetesObject = KubernetesObject> {
  /** Every event received so far, in order. */
  events: WatchEvent<T>[];
  /** Resolves with the first event (already received or to come) that matches; rejects after timeoutMs or if the watch ended first. */
  next(match: (event: WatchEvent<T>) => boolean, timeoutMs?: number): Promise<WatchEvent<T>>;
  /** Resolves when the watch has ended, with its error (a failed HTTP request has statusCode) or null. */
  ended: Promise<unknown>;
  stop(): void;
}

/**
 * A client-node `Watch` on `path` (e.g. /api/v1/pods, /api/v1/namespaces/NS/services) that
 * records its events. A watch from a resourceVersion that etcd has compacted away gets HTTP 200
 * and then one ERROR event whose object is a Status with code 410 (reason Expired).
 */
export async function recordWatch<T extends KubernetesObject = KubernetesObject>(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): Promise<RecordedWatch<T>> {
  const events: WatchEvent<T>[] = [];
  const waiters = new Set<() => void>();
  let endedWith: { error: unknown } | undefined;
  let resolveEnded: (error: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (resolveEnded = resolve));
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type: string, object: unknown) => {
      events.push({ type, object } as WatchEvent<T>);
      wake();
    },
    (error: unknown) => {
      endedWith = { error: error ?? null };
      resolveEnded(error ?? null);
      wake();
    },
  );
  return {
    events,
    ended,
    next: (match, timeoutMs = 10_000) =>
      new Promise<WatchEvent<T>>((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < events.length; seen++) {
            const event = events[seen];
            if (event && match(event)) {
              done();
              resolve(event);
              return;
            }
          }
          if (endedWith) {
            done();
            reject(new Error(`the watch on ${path} ended (${String(endedWith.error)}) before a matching event; got ${events.map((e) => e.type).join(', ') || 'none'}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching event on the watch of ${path} within ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ') || 'none'}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    stop: () => controller.abort(),
  };
}

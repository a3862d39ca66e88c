/**
 * The few fields of Services, Pods and Nodes the controller decides on. Watches deliver whole
 * objects (a Pod is several KiB of JSON); only these projections are kept, so 20,000 pods cost
 * a few MiB and not hundreds (external-dns's pod informers: 290 MiB at 8k pods).
 */

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string;
  labels: Readonly<Record<string, string>>;
  /** Only the muster.dev/ annotations. */
  annotations: Readonly<Record<string, string>>;
  /** null: no selector (its endpoints are managed by hand; no pods are looked up). */
  selector: Readonly<Record<string, string>> | null;
  loadBalancer: readonly { ip?: string; hostname?: string }[];
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  nodeName: string | undefined;
  hostIP: string | undefined;
  running: boolean;
  ready: boolean;
}

export interface NodeInfo {
  name: string;
  ready: boolean;
  schedulable: boolean;
  addresses: readonly { type: string; address: string }[];
}

export const ANNOTATION_PREFIX = 'muster.dev/';

/* Watch events carry plain JSON; lists through the client carry its model classes. Both are read
 * as loose records here. */
type Loose = Record<string, unknown> | undefined;

function record(value: unknown): Loose {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function stringMap(value: unknown, keep: (key: string) => boolean = () => true): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(record(value) ?? {})) if (typeof item === 'string' && keep(key)) result[key] = item;
  return result;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function conditionTrue(status: Loose, type: string): boolean {
  const conditions = status?.['conditions'];
  if (!Array.isArray(conditions)) return false;
  return conditions.some((condition) => record(condition)?.['type'] === type && record(condition)?.['status'] === 'True');
}

export function objectKey(object: { namespace?: string; name: string }): string {
  return object.namespace === undefined ? object.name : `${object.namespace}/${object.name}`;
}

export function metaOf(raw: unknown): { namespace: string; name: string; resourceVersion: string | undefined } {
  const metadata = record(record(raw)?.['metadata']);
  return { namespace: text(metadata?.['namespace']) ?? '', name: text(metadata?.['name']) ?? '', resourceVersion: text(metadata?.['resourceVersion']) };
}

export function serviceInfo(raw: unknown): ServiceInfo {
  const object = record(raw);
  const metadata = record(object?.['metadata']);
  const spec = record(object?.['spec']);
  const ingress = record(record(object?.['status'])?.['loadBalancer'])?.['ingress'];
  const selector = stringMap(spec?.['selector']);
  return {
    namespace: text(metadata?.['namespace']) ?? '',
    name: text(metadata?.['name']) ?? '',
    type: text(spec?.['type']) ?? 'ClusterIP',
    labels: stringMap(metadata?.['labels']),
    annotations: stringMap(metadata?.['annotations'], (key) => key.startsWith(ANNOTATION_PREFIX)),
    selector: Object.keys(selector).length === 0 ? null : selector,
    loadBalancer: (Array.isArray(ingress) ? ingress : []).map((entry) => {
      const ip = text(record(entry)?.['ip']);
      const hostname = text(record(entry)?.['hostname']);
      return { ...(ip === undefined ? {} : { ip }), ...(hostname === undefined ? {} : { hostname }) };
    }),
  };
}

export function podInfo(raw: unknown): PodInfo {
  const object = record(raw);
  const metadata = record(object?.['metadata']);
  const status = record(object?.['status']);
  return {
    namespace: text(metadata?.['namespace']) ?? '',
    name: text(metadata?.['name']) ?? '',
    labels: stringMap(metadata?.['labels']),
    nodeName: text(record(object?.['spec'])?.['nodeName']),
    hostIP: text(status?.['hostIP']),
    running: status?.['phase'] === 'Running',
    ready: conditionTrue(status, 'Ready'),
  };
}

export function nodeInfo(raw: unknown): NodeInfo {
  const object = record(raw);
  const status = record(object?.['status']);
  const addresses = status?.['addresses'];
  return {
    name: text(record(object?.['metadata'])?.['name']) ?? '',
    ready: conditionTrue(status, 'Ready'),
    schedulable: record(object?.['spec'])?.['unschedulable'] !== true,
    addresses: (Array.isArray(addresses) ? addresses : []).flatMap((entry) => {
      const type = text(record(entry)?.['type']);
      const address = text(record(entry)?.['address']);
      return type === undefined || address === undefined ? [] : [{ type, address }];
    }),
  };
}

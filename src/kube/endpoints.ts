import { isIP } from 'node:net';
import type { KubeDnsConfig } from './config-schema.js';
import type { NodeInfo, PodInfo, ServiceInfo } from './objects.js';

/** What one Service serves from right now, before quota and failover. */
export interface Endpoints {
  /** What is published when the Service is healthy: A and/or AAAA by address family, or one
   * CNAME for a load balancer's host name. Values sorted and distinct; empty: nothing serves. */
  sets: EndpointSet[];
  /** Distinct nodes serving it (node-backed Services); the quota's numerator. */
  servingNodes: number;
}

export interface EndpointSet {
  type: 'A' | 'AAAA' | 'CNAME';
  values: string[];
}

/** Every published value, for the report's endpoints list. */
export function endpointValues(endpoints: Endpoints): string[] {
  return endpoints.sets.flatMap((set) => set.values);
}

export interface NodeIndex {
  byName: ReadonlyMap<string, NodeInfo>;
  /** kuberoute found a pod's node by its InternalIP == the pod's hostIP. */
  byInternalIP: ReadonlyMap<string, NodeInfo>;
}

export function indexNodes(nodes: Iterable<NodeInfo>): NodeIndex {
  const byName = new Map<string, NodeInfo>();
  const byInternalIP = new Map<string, NodeInfo>();
  for (const node of nodes) {
    byName.set(node.name, node);
    for (const address of node.addresses) if (address.type === 'InternalIP') byInternalIP.set(address.address, node);
  }
  return { byName, byInternalIP };
}

/** kuberoute's selector test: every selector label present with the same value. */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  return true;
}

/**
 * A node-backed Service's endpoints: its pods that are Running and Ready on a schedulable node
 * (kuberoute's "alive"), as the distinct pod hostIPs, or as the chosen address of each such node.
 * A pod whose node is unknown is not counted: nothing says the node can be reached.
 */
export function nodeEndpoints(service: ServiceInfo, pods: Iterable<PodInfo>, nodes: NodeIndex, addressType: KubeDnsConfig['address_type']): Endpoints {
  const values = new Set<string>();
  const serving = new Set<string>();
  if (service.selector !== null) {
    for (const pod of pods) {
      if (!pod.running || !pod.ready || !selects(service.selector, pod.labels)) continue;
      const node = (pod.nodeName === undefined ? undefined : nodes.byName.get(pod.nodeName)) ?? (pod.hostIP === undefined ? undefined : nodes.byInternalIP.get(pod.hostIP));
      if (node === undefined || !node.schedulable) continue;
      if (addressType === 'HostIP') {
        if (pod.hostIP === undefined) continue;
        values.add(pod.hostIP);
      } else {
        // Every address of that type: a dual-stack node lists one of each family.
        const addresses = node.addresses.filter((entry) => entry.type === addressType && isIP(entry.address) !== 0);
        if (addresses.length === 0) continue;
        for (const address of addresses) values.add(address.address);
      }
      serving.add(node.name);
    }
  }
  return byFamily([...values], serving.size);
}

/**
 * A LoadBalancer Service's endpoints: its ingress IPs, or its ingress host name as a CNAME
 * (a CNAME holds one name; with several, the first in order, as a resolver would pick one).
 */
export function loadBalancerEndpoints(service: ServiceInfo): Endpoints {
  const ips = service.loadBalancer.flatMap((entry) => (entry.ip === undefined ? [] : [entry.ip]));
  if (ips.length > 0) return byFamily(ips, 0);
  const hostnames = service.loadBalancer.flatMap((entry) => (entry.hostname === undefined ? [] : [entry.hostname])).sort();
  const first = hostnames[0];
  return first === undefined ? { sets: [], servingNodes: 0 } : { sets: [{ type: 'CNAME', values: [first.endsWith('.') ? first : `${first}.`] }], servingNodes: 0 };
}

/** An A set for the IPv4 values and an AAAA set for the IPv6 ones (a dual-stack node has both). */
function byFamily(values: readonly string[], servingNodes: number): Endpoints {
  const sets: EndpointSet[] = [];
  const v4 = [...new Set(values.filter((value) => isIP(value) === 4))].sort();
  const v6 = [...new Set(values.filter((value) => isIP(value) === 6))].sort();
  if (v4.length > 0) sets.push({ type: 'A', values: v4 });
  if (v6.length > 0) sets.push({ type: 'AAAA', values: v6 });
  return { sets, servingNodes };
}

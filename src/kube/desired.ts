import { isMusterError } from '../core/errors.js';
import { canonicalRecordSet, isInZone } from '../dns/record.js';
import type { RecordSet } from '../dns/types.js';
import type { KubeDnsConfig } from './config-schema.js';
import { endpointValues, indexNodes, loadBalancerEndpoints, nodeEndpoints, type Endpoints } from './endpoints.js';
import { currentQuota, initialFailoverState, isServing, quotaMet, stepFailover, type FailoverMode, type FailoverState } from './failover.js';
import type { NodeInfo, PodInfo, ServiceInfo } from './objects.js';
import { serviceTarget, type ServiceTarget } from './targets.js';
import { heartbeatTimestamp, renderTemplate } from './templates.js';

/**
 * The pure heart of kube-dns: from the watched objects and each Service's failover history to
 * the record sets every zone should hold, and the state report. No I/O, no clock of its own.
 */
export interface DesiredInput {
  services: Iterable<ServiceInfo>;
  /** The Running pods of a namespace that a selector selects (pod-index.ts). */
  podsFor: (namespace: string, selector: Readonly<Record<string, string>>) => Iterable<PodInfo>;
  nodes: readonly NodeInfo[];
  config: Pick<KubeDnsConfig, 'labels' | 'replacements' | 'address_type' | 'quota_nodes' | 'failover_after' | 'restore_after' | 'heartbeat'>;
  /** dns.zones: empty → each Service's domain is its zone. */
  zones: readonly string[];
  ttl: number;
  states: ReadonlyMap<string, FailoverState>;
  /** For a Service first seen: does the zone already point its name at the failover value? */
  zoneShowsFailover: (fqdn: string, failover: NonNullable<ServiceTarget['failover']>) => boolean;
  now: number;
}

export interface ServiceState {
  service: string;
  /** FQDN without the trailing dot: the report's key, as kuberoute wrote it. */
  name: string;
  zone: string | undefined;
  endpoints: string[];
  quota: number;
  current_quota: number;
  healthy: boolean;
  mode: FailoverMode;
  /** What the name holds now: the Service's addresses, the failover value, or nothing. */
  published: 'addresses' | 'failover' | 'none';
}

export interface DesiredOutput {
  /** Zone → the record sets muster wants there (ownership records aside). */
  desired: Map<string, RecordSet[]>;
  services: ServiceState[];
  /** Services that carry the labels but cannot be published, and why. */
  invalid: { service: string; reason: string }[];
  states: Map<string, FailoverState>;
  /** The earliest moment a decision changes by time alone (a failover or restore due, the heartbeat's next minute). */
  wakeAt: number | undefined;
}

export function computeDesired(input: DesiredInput): DesiredOutput {
  const nodes = indexNodes(input.nodes);
  const totalNodes = input.config.quota_nodes === 'all' ? input.nodes.length : input.nodes.filter((node) => node.schedulable).length;
  const desired = new Map<string, RecordSet[]>();
  const services: ServiceState[] = [];
  const invalid: DesiredOutput['invalid'] = [];
  const states = new Map<string, FailoverState>();
  let wakeAt: number | undefined;
  const wake = (at: number | undefined): void => {
    if (at !== undefined && (wakeAt === undefined || at < wakeAt)) wakeAt = at;
  };

  for (const service of input.services) {
    const result = serviceTarget(service, input.config);
    if (result.kind === 'ignored') continue;
    if (result.kind === 'invalid') {
      invalid.push({ service: result.service, reason: result.reason });
      continue;
    }
    const { target } = result;
    const zone = zoneOf(target, input.zones);
    const endpoints: Endpoints = target.source === 'load-balancer' ? loadBalancerEndpoints(service) : nodeEndpoints(service, service.selector === null ? [] : input.podsFor(service.namespace, service.selector), nodes, input.config.address_type);
    // A load balancer's ingress is one address whatever the node count: no quota applies.
    const quota = target.source === 'load-balancer' ? 0 : target.quota;
    const serving = isServing(quota, endpoints.servingNodes, totalNodes, endpoints.sets.length > 0);
    const previous = input.states.get(target.service) ?? initialFailoverState(target.failover !== undefined && input.zoneShowsFailover(target.fqdn, target.failover));
    const step = stepFailover(previous, serving, input.now, { failoverAfter: input.config.failover_after, restoreAfter: input.config.restore_after });
    states.set(target.service, step.state);
    wake(step.wakeAt);

    // In failover: the failover value, or with none set, whatever still serves (kuberoute).
    // In primary: the Service's addresses, including while a failover is pending (what is left).
    const sets = step.state.mode === 'failover' && target.failover !== undefined ? [{ type: target.failover.type, values: [target.failover.value] }] : endpoints.sets;
    const published: ServiceState['published'] = sets.length === 0 ? 'none' : step.state.mode === 'failover' && target.failover !== undefined ? 'failover' : 'addresses';
    services.push({
      service: target.service,
      name: target.fqdn.slice(0, -1),
      zone,
      endpoints: endpointValues(endpoints),
      quota,
      current_quota: currentQuota(endpoints.servingNodes, totalNodes),
      healthy: quotaMet(quota, endpoints.servingNodes, totalNodes),
      mode: step.state.mode,
      published,
    });
    if (zone === undefined) {
      invalid.push({ service: target.service, reason: `${target.fqdn} is in none of dns.zones (${input.zones.join(', ')})` });
      continue;
    }
    const zoneSets = desired.get(zone) ?? [];
    desired.set(zone, zoneSets);
    for (const set of sets) {
      try {
        zoneSets.push(canonicalRecordSet({ name: target.fqdn, type: set.type, ttl: target.ttl ?? input.ttl, values: set.values }, zone));
      } catch (error) {
        if (!isMusterError(error)) throw error;
        invalid.push({ service: target.service, reason: error.message });
      }
    }
  }

  if (input.config.heartbeat !== undefined) {
    const zones = new Set([...input.zones, ...desired.keys()]);
    for (const zone of zones) {
      const sets = desired.get(zone) ?? [];
      desired.set(zone, sets);
      try {
        sets.push(heartbeatRecord(input.config.heartbeat, input.config.replacements, zone, input.ttl, input.now));
      } catch (error) {
        invalid.push({ service: '[heartbeat]', reason: error instanceof Error ? error.message : String(error) });
      }
    }
    wake(Math.floor(input.now / 60_000) * 60_000 + 60_000);
  }
  services.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.service < b.service ? -1 : 1));
  return { desired, services, invalid, states, wakeAt };
}

/** The longest configured zone holding the name; with none configured, the Service's domain (kuberoute's zone-by-domain), else the name's parent. */
export function zoneOf(target: Pick<ServiceTarget, 'fqdn' | 'domain'>, zones: readonly string[]): string | undefined {
  if (zones.length > 0) return [...zones].filter((zone) => isInZone(target.fqdn, zone)).sort((a, b) => b.length - a.length)[0];
  if (target.domain !== undefined) return target.domain;
  const dot = target.fqdn.indexOf('.');
  const parent = target.fqdn.slice(dot + 1);
  return parent === '' ? undefined : parent;
}

/** kuberoute's heartbeat: <name_template>.<zone> CNAME <timestamp_template with the current minute>. */
function heartbeatRecord(heartbeat: NonNullable<KubeDnsConfig['heartbeat']>, replacements: Readonly<Record<string, string>>, zone: string, ttl: number, now: number): RecordSet {
  const name = renderTemplate(heartbeat.name_template, replacements);
  const target = renderTemplate(heartbeat.timestamp_template, { ...replacements, timestamp: heartbeatTimestamp(new Date(now)) });
  return canonicalRecordSet({ name, type: 'CNAME', ttl, values: [target.endsWith('.') ? target : `${target}.`] }, zone);
}

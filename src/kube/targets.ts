import { isIP } from 'node:net';
import { canonicalName } from '../dns/record.js';
import type { KubeDnsConfig } from './config-schema.js';
import { ANNOTATION_PREFIX, type ServiceInfo } from './objects.js';
import { renderTemplate } from './templates.js';

/**
 * Which Services are published, under which name, with which quota and failover. Selection is
 * kuberoute's (both the domain and the name label) or muster's own annotation
 * muster.dev/hostname; annotations override the labels (muster.dev/ttl, /failover, /quota).
 */
export const ANNOTATIONS = {
  hostname: `${ANNOTATION_PREFIX}hostname`,
  ttl: `${ANNOTATION_PREFIX}ttl`,
  failover: `${ANNOTATION_PREFIX}failover`,
  quota: `${ANNOTATION_PREFIX}quota`,
} as const;

/** NodePort (kuberoute) and LoadBalancer Services are published; the others have no outside address. */
export const PUBLISHED_TYPES = ['NodePort', 'LoadBalancer'] as const;

export interface ServiceTarget {
  /** namespace/name */
  service: string;
  /** FQDN with the trailing dot. */
  fqdn: string;
  /** The zone by kuberoute's rule (the domain label), when no zone list decides. */
  domain: string | undefined;
  /** Percent of nodes that must serve it; 0: no quota. */
  quota: number;
  failover: { type: 'A' | 'AAAA' | 'CNAME'; value: string } | undefined;
  ttl: number | undefined;
  /** Node-backed (NodePort) or the load balancer's ingress. */
  source: 'nodes' | 'load-balancer';
}

export type TargetResult = { kind: 'target'; target: ServiceTarget } | { kind: 'ignored' } | { kind: 'invalid'; service: string; reason: string };

export function serviceTarget(service: ServiceInfo, config: Pick<KubeDnsConfig, 'labels' | 'replacements'>): TargetResult {
  const key = `${service.namespace}/${service.name}`;
  const hostname = service.annotations[ANNOTATIONS.hostname];
  const domainLabel = service.labels[config.labels.domain];
  const nameLabel = service.labels[config.labels.name];
  if (hostname === undefined && (domainLabel === undefined || nameLabel === undefined)) return { kind: 'ignored' };
  const invalid = (reason: string): TargetResult => ({ kind: 'invalid', service: key, reason });
  if (!(PUBLISHED_TYPES as readonly string[]).includes(service.type)) {
    return invalid(`type ${service.type} has no address outside the cluster; muster publishes ${PUBLISHED_TYPES.join(' and ')} Services`);
  }
  let fqdn: string;
  let domain: string | undefined;
  try {
    if (hostname !== undefined) {
      fqdn = canonicalName(hostname.endsWith('.') ? hostname : `${hostname}.`, '.');
    } else {
      domain = canonicalName(`${renderTemplate(domainLabel ?? '', config.replacements)}.`, '.');
      fqdn = canonicalName(`${renderTemplate(nameLabel ?? '', config.replacements)}.${domain}`, '.');
    }
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error));
  }
  const quotaText = service.annotations[ANNOTATIONS.quota] ?? service.labels[config.labels.quota];
  const quota = quotaText === undefined || quotaText === '' ? 0 : Number(quotaText);
  if (!Number.isInteger(quota) || quota < 0 || quota > 100) return invalid(`quota "${quotaText ?? ''}" is not a whole percentage 0-100`);
  const failoverText = service.annotations[ANNOTATIONS.failover] ?? service.labels[config.labels.failover];
  let failover: ServiceTarget['failover'];
  if (failoverText !== undefined && failoverText !== '') {
    const family = isIP(failoverText);
    if (family !== 0) failover = { type: family === 6 ? 'AAAA' : 'A', value: failoverText };
    else {
      try {
        // kuberoute's label values are names without the trailing dot: a CNAME to that FQDN.
        failover = { type: 'CNAME', value: canonicalName(failoverText.endsWith('.') ? failoverText : `${failoverText}.`, '.') };
      } catch (error) {
        return invalid(`failover "${failoverText}": ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  const ttlText = service.annotations[ANNOTATIONS.ttl];
  const ttl = ttlText === undefined ? undefined : Number(ttlText);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > 2 ** 31 - 1)) return invalid(`${ANNOTATIONS.ttl} "${ttlText ?? ''}" is not a TTL in whole seconds`);
  return {
    kind: 'target',
    target: { service: key, fqdn, domain, quota, failover, ttl, source: service.type === 'LoadBalancer' ? 'load-balancer' : 'nodes' },
  };
}

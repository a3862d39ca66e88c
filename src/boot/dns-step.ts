import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { MusterError, describeError } from '../core/errors.js';
import { defaultIsRetryable, retry } from '../core/retry.js';
import type { DnsConfig } from '../dns/config-schema.js';
import { isEmptyChangeSet, planDns } from '../dns/plan.js';
import { createDnsProvider } from '../dns/registry.js';
import { isZoneChanged } from '../dns/zone-changed.js';
import type { Discovery } from '../platform/types.js';
import { desiredRecords, type NamedPeer } from './desired-records.js';
import { peerHostname } from './peer-hostname.js';

export interface DnsStepResult {
  summary: string[];
  writeCalls: number;
  conflicts: number;
}

/**
 * Registers the group in DNS: every node wants the same record sets (all peers' node records, the
 * members name, the SRV records), plans against what the zone holds, and applies only changes to
 * records muster owns.
 */
export async function runDnsStep(config: Config & { dns: DnsConfig }, discovery: Discovery, dryRun: boolean, logger: Logger): Promise<DnsStepResult> {
  const { dns } = config;
  const peers: NamedPeer[] = [];
  for (const peer of discovery.peers) {
    try {
      peers.push({ hostname: peerHostname(peer, config.hostname), ip: peer.ip });
    } catch (error) {
      // This node's own name must be valid (the hostname step fails on it); a peer with a bad tag
      // only loses its own record.
      if (peer.name === discovery.self.name) throw error;
      logger.warn({ peer: peer.name, error: describeError(error) }, 'dns: no record for this peer');
    }
  }
  const desired = desiredRecords({ zone: dns.zone, ttl: dns.ttl, records: dns.records, peers, etcd: config.etcd });
  const provider = await createDnsProvider(dns.provider, { zone: dns.zone, root: config.root });
  // Nodes that boot together write the same zone at the same moment: the ones that lose the race
  // find the zone changed since they listed it (every provider says so with DNS_ZONE_CHANGED, and
  // applies nothing of the refused write). Resending their stale changes cannot help; the whole
  // list-plan-apply round runs again on the new state, where the winner's records usually leave
  // nothing to do. Transient (retryable) failures run the round again too.
  const refusals = new RefusedPlans();
  return retry(
    async () => {
      const current = await provider.list();
      const plan = planDns({ desired, current, ownerId: dns.owner_id, policy: dns.policy, takeOver: dns.take_over });
      for (const conflict of plan.conflicts) logger.warn({ record: `${conflict.record.name} ${conflict.record.type}`, reason: conflict.reason }, 'dns: conflict, record left alone');
      const empty = isEmptyChangeSet(plan.changes);
      if (dryRun || empty) return { summary: dryRun && !empty ? plan.summary.map((line) => (/^(create|update|delete) /.test(line) ? `would ${line}` : line)) : plan.summary, writeCalls: 0, conflicts: plan.conflicts.length };
      try {
        const { writeCalls, notes = [] } = await provider.apply(plan.changes);
        for (const note of notes) logger.warn({ note }, 'dns: left alone while applying');
        return { summary: [...plan.summary, ...notes.map((note) => `note ${note}`)], writeCalls, conflicts: plan.conflicts.length };
      } catch (error) {
        if (isZoneChanged(error)) refusals.check(plan.summary, error, dns.provider.type);
        throw error;
      }
    },
    {
      timeoutMs: config.etcd.timeout,
      initialDelayMs: 100,
      maxDelayMs: 2000,
      isRetryable: (error) => isZoneChanged(error) || defaultIsRetryable(error),
      what: `dns: sync zone ${dns.zone} through ${dns.provider.type}`,
      onRetry: (error, attempt) => logger.info({ attempt, error: describeError(error) }, 'dns: sync not applied, listing the zone and planning again'),
    },
  );
}

/**
 * A refusal is a concurrent writer only if the zone then looks different: planning again on it
 * gives other changes. When the same changes are refused again and again, what is in the way is
 * something the provider does not list (a Route 53 alias or routing-policy set at the name gets
 * the same "already exists"), and re-sending for the rest of etcd.timeout would only burn the
 * provider's request quota. A few identical refusals are allowed for providers whose listing
 * lags a write by a moment.
 */
class RefusedPlans {
  private static readonly ALLOWED_REPEATS = 3;
  private last: string | undefined;
  private repeats = 0;

  check(summary: readonly string[], error: unknown, provider: string): void {
    const key = summary.join('\n');
    this.repeats = key === this.last ? this.repeats + 1 : 0;
    this.last = key;
    if (this.repeats < RefusedPlans.ALLOWED_REPEATS) return;
    throw new MusterError(`dns: the ${provider} provider refused the same changes ${this.repeats + 1} times in a row, on a zone that lists the same each time: ${describeError(error)}`, {
      code: 'DNS_CHANGES_REFUSED',
      kind: 'unavailable',
      cause: error,
      details: summary,
      hint: 'a record the provider does not list is in the way (on Route 53: an alias or a weighted, latency or failover set at one of these names); remove it, or leave that name out of dns.records',
    });
  }
}

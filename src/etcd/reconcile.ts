import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Platform } from '../platform/types.js';
import type { ClusterClient } from './cluster-client.js';
import { underJoinLock } from './join-lock.js';
import { forgetLeaseSighting, readLeaseSightings, recordLeaseSighting } from './lease-sightings.js';
import { planReconcile, type ReconcilePlan } from './reconcile-plan.js';
import { membersAnswering, probeAll, type ProbeOptions } from './probe.js';
import { loadEtcdTls } from './tls.js';
import { isStarted, quorum, type Member } from './types.js';
import { peerUrl } from './urls.js';

/** Where the first sighting of each absent, silent member is kept (lease-sightings.ts). */
export const STALE_PREFIX = 'muster/absent-members/';

export interface ReconcileReport {
  clusterId: string;
  members: { id: string; name: string; listed: boolean; alive: boolean }[];
  /** What was done (or, with --dry-run, would be): sightings recorded and dropped, a removal. */
  changes: string[];
  reasons: string[];
  removed?: { id: string; name: string };
}

export interface ReconcileOptions {
  config: Config;
  platform: Platform;
  logger: Logger;
  dryRun: boolean;
}

/**
 * `muster etcd reconcile`, run on the survivors (a timer, later the agent): removes a member the
 * platform no longer lists once it has been silent for etcd.stale_after, under the join lock and
 * never below quorum, so that a replacement only has to add itself. A discovery or probe failure
 * fails the run; it is never taken for "nothing listed".
 */
export async function reconcileEtcd(options: ReconcileOptions): Promise<ReconcileReport> {
  const { config, logger } = options;
  const discovery = await options.platform.discover();
  const tls = await loadEtcdTls(config);
  const probe: ProbeOptions = { timeoutMs: config.etcd.probe_timeout, ...(tls.peer ? { tls: tls.peer } : {}) };
  const listed = new Set(discovery.peers.map((peer) => peerUrl(config.etcd, peer.ip)));

  const answers = await probeAll(discovery.peers.map((peer) => ({ peer: peer.name, url: peerUrl(config.etcd, peer.ip) })), probe);
  const member = answers.find((answer) => answer.kind === 'member');
  if (member?.kind !== 'member') {
    throw new MusterError(`etcd reconcile: no discovered peer answers as an etcd member (${answers.map((answer) => `${answer.peer}: ${answer.kind === 'member' ? 'member' : answer.detail}`).join('; ')})`, {
      code: 'ETCD_NO_MEMBER_ANSWERS',
      kind: 'unavailable',
      hint: 'reconcile runs on the members of a running cluster; it changes nothing until one answers',
    });
  }
  const { clusterId } = member;
  const alive = await membersAnswering(member.members, clusterId, probe);
  // Without a quorum of voters answering, no change can commit (nor the lock be taken): say so
  // now rather than wait for etcd.timeout.
  const voters = member.members.filter((candidate) => !candidate.isLearner);
  const answering = voters.filter((candidate) => alive.has(candidate.id) && isStarted(candidate));
  if (answering.length < quorum(voters.length)) {
    throw new MusterError(`etcd reconcile: only ${answering.length} of the ${voters.length} voters of cluster ${clusterId} answer (${answering.map((candidate) => candidate.name || candidate.id).join(', ') || 'none'}): no quorum, so no member can be removed`, {
      code: 'ETCD_NO_QUORUM',
      kind: 'unavailable',
      hint: 'bring back enough members for a quorum; muster never removes members of a cluster that has none (that needs etcd\'s disaster recovery: etcdctl snapshot restore)',
    });
  }
  const endpoints = member.members.filter((candidate) => isStarted(candidate) && !candidate.isLearner && alive.has(candidate.id)).flatMap((candidate) => candidate.clientURLs);
  const { ClusterClient } = await import('./cluster-client.js');
  const client = new ClusterClient({ endpoints, callTimeoutMs: Math.max(2000, config.etcd.probe_timeout), ...(tls.client ? { tls: tls.client } : {}) });
  try {
    const planFor = async (members: readonly Member[]): Promise<ReconcilePlan> =>
      planReconcile({ members, listed, alive, sightings: await readLeaseSightings(client, STALE_PREFIX), now: Date.now(), staleAfterMs: config.etcd.stale_after });
    const first = await planFor(member.members);
    const report = (plan: ReconcilePlan, members: readonly Member[], changes: string[]): ReconcileReport => ({
      clusterId,
      members: members.map((candidate) => ({ id: candidate.id, name: candidate.name, listed: candidate.peerURLs.some((url) => listed.has(url)), alive: alive.has(candidate.id) })),
      changes,
      reasons: plan.reasons,
      ...(plan.remove ? { removed: { id: plan.remove.id, name: plan.remove.name } } : {}),
    });
    const nothingToDo = first.record.length === 0 && first.forget.length === 0 && first.remove === undefined;
    if (options.dryRun || nothingToDo) return report(first, member.members, options.dryRun ? describeChanges(first).map((change) => `would ${change}`) : []);

    // Under the join lock, on the member list read now: a joiner or another reconcile may have
    // changed it since the probes, and two reconciles must remove a member once.
    return await underJoinLock(
      client,
      { timeoutMs: config.etcd.timeout, what: `reconcile cluster ${clusterId}`, hint: 'another node holds the join lock; if none does, it expires by itself within 30s', logger },
      async () => {
        const { clusterId: current, members } = await client.memberList();
        if (current !== clusterId) throw new MusterError(`etcd reconcile: the cluster answering is ${current}, not ${clusterId}`, { code: 'ETCD_CLUSTER_CHANGED', kind: 'unsafe' });
        let plan = await planFor(members);
        // The probes are seconds old: a member about to be removed is asked once more, so one
        // that has just come back is kept.
        if (plan.remove && (await membersAnswering([plan.remove], clusterId, probe)).has(plan.remove.id)) {
          alive.add(plan.remove.id);
          plan = await planFor(members);
        }
        await applyPlan(client, plan, discovery.self.name, config.etcd.stale_after);
        for (const reason of plan.reasons) logger.info({ reason }, 'etcd reconcile');
        return report(plan, members.filter((candidate) => candidate !== plan.remove), describeChanges(plan));
      },
    );
  } finally {
    client.close();
  }
}

async function applyPlan(client: ClusterClient, plan: ReconcilePlan, self: string, staleAfterMs: number): Promise<void> {
  for (const member of plan.record) await recordLeaseSighting(client, STALE_PREFIX, member.id, { now: Date.now(), by: self, durationMs: staleAfterMs });
  for (const id of plan.forget) await forgetLeaseSighting(client, STALE_PREFIX, id);
  if (plan.remove) {
    await client.remove(plan.remove.id);
    await forgetLeaseSighting(client, STALE_PREFIX, plan.remove.id);
  }
}

function describeChanges(plan: ReconcilePlan): string[] {
  return [
    ...plan.record.map((member) => `record the first sighting of ${member.name || member.id} (absent and silent)`),
    ...plan.forget.map((id) => `drop the sighting of ${id}`),
    ...(plan.remove ? [`remove member ${plan.remove.name || plan.remove.id} (${plan.remove.id})`] : []),
  ];
}

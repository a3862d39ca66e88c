import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import { MusterError } from '../core/errors.js';
import { ClusterClient } from './cluster-client.js';
import { planMembership, type MembershipStep } from './membership-plan.js';
import { probeAll, type ProbeOptions } from './probe.js';
import { isStarted, type Member, type SelfUrls } from './types.js';
import type { TlsMaterial } from './tls.js';

export const JOIN_LOCK_KEY = 'muster/locks/etcd-join';
const LOCK_TTL_SECONDS = 30;

export interface JoinOptions {
  clusterId: string;
  /** The member list the probes saw; its started voters are the endpoints to talk to. */
  members: readonly Member[];
  self: SelfUrls;
  discoveredPeerUrls: ReadonlySet<string>;
  replaceOwn: boolean;
  deadline: number;
  callTimeoutMs: number;
  probe: ProbeOptions;
  tls?: TlsMaterial;
  logger: Logger;
}

export interface JoinOutcome {
  /** The member list after this node's entry was added or found. */
  members: Member[];
  /** Every change made, in order, for the report. */
  changes: string[];
}

/**
 * Joins this node to a running cluster, one joiner at a time: under a lease-backed lock in the
 * cluster itself, re-read the member list, then apply planMembership's steps until this node
 * has an entry. If this process dies, the lease expires and the lock frees itself.
 */
export async function joinCluster(options: JoinOptions): Promise<JoinOutcome> {
  // Only members that answer now: a dead member's client URL (the one being replaced) would make
  // the client's calls fail until it happened to pick another endpoint.
  const alive = await aliveMembers(options.members, options);
  const endpoints = options.members.filter((member) => isStarted(member) && !member.isLearner && alive.has(member.id)).flatMap((member) => member.clientURLs);
  if (endpoints.length === 0) {
    throw new MusterError(`no voting member of cluster ${options.clusterId} answers`, {
      code: 'ETCD_NO_VOTERS_ALIVE',
      kind: 'unavailable',
      retryable: true,
      hint: 'the cluster may be restarting; muster retries until etcd.timeout',
    });
  }
  const client = new ClusterClient({ endpoints, callTimeoutMs: options.callTimeoutMs, ...(options.tls ? { tls: options.tls } : {}) });
  const remaining = (): number => Math.max(1, options.deadline - Date.now());
  try {
    const lock = await retry(() => client.tryLock(JOIN_LOCK_KEY, LOCK_TTL_SECONDS), {
      timeoutMs: remaining(),
      what: `take the join lock in cluster ${options.clusterId}`,
      hint: 'another node is joining; if none is, the lock expires by itself within 30s',
      onRetry: (error, attempt) => options.logger.debug({ attempt, error: String(error) }, 'join lock busy, retrying'),
    });
    try {
      return await applySteps(client, options, remaining);
    } finally {
      await lock.release().catch((error: unknown) => options.logger.warn({ error: String(error) }, 'could not release the join lock; its lease will expire'));
    }
  } finally {
    client.close();
  }
}

async function applySteps(client: ClusterClient, options: JoinOptions, remaining: () => number): Promise<JoinOutcome> {
  const changes: string[] = [];
  let removalsLeft = 1;
  let replaceOwn = options.replaceOwn;
  return retry(
    async () => {
      for (;;) {
        const { clusterId, members } = await client.memberList();
        if (clusterId !== options.clusterId) {
          throw new MusterError(`the endpoints answered for cluster ${clusterId}, but the probes saw cluster ${options.clusterId}`, {
            code: 'ETCD_CLUSTER_CHANGED',
            kind: 'unsafe',
            hint: 'two clusters may be running; check `etcdctl member list` on each peer',
          });
        }
        const alive = await aliveMembers(members, options);
        const step = planMembership({ self: options.self, members, discoveredPeerUrls: options.discoveredPeerUrls, alive, replaceOwn, removalsLeft });
        options.logger.info({ step: step.kind, reason: step.reason }, 'etcd membership step');
        const outcome = await applyStep(client, step, options);
        if (step.kind === 'remove') {
          removalsLeft -= 1;
          if (step.member.peerURLs.includes(options.self.peerUrl)) replaceOwn = false;
        }
        changes.push(`${step.kind}: ${step.reason}`);
        if (outcome) return { members: outcome, changes };
      }
    },
    {
      timeoutMs: remaining(),
      what: `join cluster ${options.clusterId}`,
      maxDelayMs: 2000,
      onRetry: (error, attempt) => options.logger.info({ attempt, error: String(error) }, 'etcd membership change not possible yet, retrying'),
    },
  );
}

async function applyStep(client: ClusterClient, step: MembershipStep, options: JoinOptions): Promise<Member[] | undefined> {
  switch (step.kind) {
    case 'remove':
      await client.remove(step.member.id);
      return undefined;
    case 'promote-learner':
      await client.promote(step.member.id);
      return undefined;
    case 'wait':
      throw new MusterError(step.reason, { code: 'ETCD_JOIN_WAIT', kind: 'unavailable', retryable: true });
    case 'add-self':
      return client.addLearner(options.self.peerUrl);
    case 'reuse-self':
      return (await client.memberList()).members;
  }
}

/** Members that answer on their peer URL as members of this cluster right now. */
async function aliveMembers(members: readonly Member[], options: JoinOptions): Promise<Set<string>> {
  const targets = members.flatMap((member) => member.peerURLs.slice(0, 1).map((url) => ({ peer: member.id, url })));
  const results = await probeAll(targets, options.probe);
  return new Set(results.filter((result) => result.kind === 'member' && result.clusterId === options.clusterId).map((result) => result.peer));
}

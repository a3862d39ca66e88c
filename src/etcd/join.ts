import type { Logger } from '../core/logger.js';
import { MusterError } from '../core/errors.js';
import { ClusterClient } from './cluster-client.js';
import { underJoinLock } from './join-lock.js';
import { planMembership, type MembershipStep, type PeerView } from './membership-plan.js';
import { membersAnswering, type ProbeOptions } from './probe.js';
import { isStarted, type Member, type SelfUrls } from './types.js';
import type { TlsMaterial } from './tls.js';
import { readSightings, recordSightings } from './unstarted-sightings.js';

export { JOIN_LOCK_KEY } from './join-lock.js';

export interface JoinOptions {
  clusterId: string;
  /** The member list the probes saw; its started voters are the endpoints to talk to. */
  members: readonly Member[];
  self: SelfUrls;
  /**
   * Discovers the peers again. Called each time the join lock is held: a node that joined while
   * this one waited for the lock is absent from any discovery taken before, and must not be
   * taken for stale.
   */
  discover: () => Promise<PeerView>;
  replaceOwn: boolean;
  deadline: number;
  callTimeoutMs: number;
  unstartedGraceMs: number;
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

/** What carries over from one hold of the lock to the next. */
interface JoinProgress {
  changes: string[];
  removalsLeft: number;
  replaceOwn: boolean;
}

/**
 * Joins this node to a running cluster, one joiner at a time: under a lease-backed lock in the
 * cluster itself, discover the peers and read the member list afresh, then apply planMembership's
 * steps until this node has an entry. When the plan says wait (another node's learner is not
 * ready yet), the lock is released before waiting, so the node being waited for can finish its
 * own join. If this process dies, the lease expires and the lock frees itself.
 */
export async function joinCluster(options: JoinOptions): Promise<JoinOutcome> {
  // Only members that answer now: a dead member's client URL (the one being replaced) would make
  // the client's calls fail until it happened to pick another endpoint.
  const alive = await membersAnswering(options.members, options.clusterId, options.probe);
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
  const progress: JoinProgress = { changes: [], removalsLeft: 1, replaceOwn: options.replaceOwn };
  try {
    return await underJoinLock(
      client,
      {
        timeoutMs: Math.max(1, options.deadline - Date.now()),
        what: `join cluster ${options.clusterId}`,
        hint: 'another node is joining; if none is, the lock expires by itself within 30s',
        logger: options.logger,
      },
      () => stepsUnderLock(client, options, progress),
    );
  } finally {
    client.close();
  }
}

async function stepsUnderLock(client: ClusterClient, options: JoinOptions, progress: JoinProgress): Promise<JoinOutcome> {
  // Every node waiting for the lock waits for these reads too: the ones that do not depend on
  // each other go out together.
  const [discovery, firstList] = await Promise.all([options.discover(), client.memberList()]);
  let list: Awaited<ReturnType<ClusterClient['memberList']>> | undefined = firstList;
  for (;;) {
    const { clusterId, members } = list ?? (await client.memberList());
    list = undefined;
    if (clusterId !== options.clusterId) {
      throw new MusterError(`the endpoints answered for cluster ${clusterId}, but the probes saw cluster ${options.clusterId}`, {
        code: 'ETCD_CLUSTER_CHANGED',
        kind: 'unsafe',
        hint: 'two clusters may be running; check `etcdctl member list` on each peer',
      });
    }
    const [alive, sightings] = await Promise.all([membersAnswering(members, options.clusterId, options.probe), readSightings(client)]);
    const now = Date.now();
    const unstarted = await recordSightings(client, members, sightings, { self: options.self, now, graceMs: options.unstartedGraceMs });
    const step = planMembership({
      self: options.self,
      members,
      discovery,
      alive,
      replaceOwn: progress.replaceOwn,
      removalsLeft: progress.removalsLeft,
      unstarted,
      now,
      unstartedGraceMs: options.unstartedGraceMs,
    });
    options.logger.info({ step: step.kind, reason: step.reason }, 'etcd membership step');
    if (step.kind === 'add-self') warnAboutKept(step.kept, alive, options.logger);
    const outcome = await applyStep(client, step, options);
    if (step.kind === 'remove') {
      progress.removalsLeft -= 1;
      if (step.member.peerURLs.includes(options.self.peerUrl)) progress.replaceOwn = false;
    }
    progress.changes.push(`${step.kind}: ${step.reason}`);
    if (step.kind === 'add-self') options.logger.info({ member: options.self.name }, 'etcd: added as a learner');
    if (outcome) return { members: outcome, changes: progress.changes };
  }
}

async function applyStep(client: ClusterClient, step: MembershipStep, options: JoinOptions): Promise<Member[] | undefined> {
  switch (step.kind) {
    case 'remove':
    case 'remove-unstarted':
      await client.remove(step.member.id);
      return undefined;
    case 'promote-learner':
      await client.promote(step.member.id);
      return undefined;
    case 'wait':
      throw new MusterError(step.reason, { code: 'ETCD_JOIN_WAIT', kind: 'unavailable', retryable: true, ...(step.hint === undefined ? {} : { hint: step.hint }) });
    case 'add-self':
      return client.addLearner(options.self.peerUrl);
    case 'reuse-self':
      return (await client.memberList()).members;
  }
}

/**
 * A dead member that discovery cannot vouch is stale stays a voter, and every member added beside
 * it raises the quorum the living must make: say so, each time, and what to do.
 */
function warnAboutKept(kept: readonly Member[], alive: ReadonlySet<string>, logger: Logger): void {
  const dead = kept.filter((member) => !member.isLearner && !alive.has(member.id));
  if (dead.length === 0) return;
  logger.warn(
    { members: dead.map((member) => ({ id: member.id, name: member.name, peerURLs: member.peerURLs })) },
    `etcd: ${dead.map((member) => member.name || member.id).join(', ')} ${dead.length === 1 ? 'does' : 'do'} not answer and ${dead.length === 1 ? 'is' : 'are'} not among the discovered peers, but the discovery is incomplete, so muster keeps ${dead.length === 1 ? 'it' : 'them'}; ` +
      `with platform.mode tag set platform.expected_peers, or remove ${dead.length === 1 ? 'it' : 'them'} by hand: ${dead.map((member) => `etcdctl member remove ${member.id}`).join('; ')}`,
  );
}

import type { Logger } from '../core/logger.js';
import { MusterError, describeError, isMusterError } from '../core/errors.js';
import { retry } from '../core/retry.js';
import type { ClusterClient } from './cluster-client.js';
import { probePeer, type ProbeOptions } from './probe.js';
import { isStarted, type Member, type SelfUrls } from './types.js';
import type { EtcdTlsMaterial } from './tls.js';

export interface PromoteOptions {
  self: SelfUrls;
  timeoutMs: number;
  callTimeoutMs: number;
  probe: Omit<ProbeOptions, 'tls'>;
  /** What muster presents over https: the peer side for the probe, the client side for the v3 API. */
  tls: EtcdTlsMaterial;
  logger: Logger;
}

export type PromoteOutcome = 'promoted' | 'already-voter';

/**
 * Promotes this node's learner once it has caught up with the leader. The member list is read
 * from this node's own peer endpoint (a learner answers there, not on the v3 API), and the
 * promotion is sent to the voting members. etcd refuses to promote a learner that is behind
 * ("can only promote a learner member which is in sync with leader"); that is retried with
 * backoff until the timeout, and each refusal logs how far the learner has come.
 */
export async function promoteSelf(options: PromoteOptions): Promise<PromoteOutcome> {
  const started = Date.now();
  // Loaded only here: the etcd3 client (gRPC, protobuf) is a third of muster's start-up, and
  // run-formed.ts, which imports this module, also starts members that need no promotion.
  const { ClusterClient } = await import('./cluster-client.js');
  // The learner's own client, for its progress: made on the first refusal and kept, so that a
  // learner starved of CPU (the usual reason it is behind) need not accept a new connection each time.
  let learner: ClusterClient | undefined;
  const learnerClient = (): ClusterClient =>
    (learner ??= new ClusterClient({ endpoints: [options.self.clientUrl], callTimeoutMs: 1000, ...(options.tls.client ? { tls: options.tls.client } : {}) }));
  try {
    return await retry(
      async (attempt) => {
        const client = await votersClient(options, ClusterClient);
        try {
          const own = await ownEntry(client, options.self);
          if (!own.isLearner) return 'already-voter' as const;
          try {
            if ((await client.promote(own.id)) === 'already-voter') return 'already-voter' as const;
          } catch (error) {
            if (isMusterError(error) && error.code === 'ETCD_LEARNER_NOT_IN_SYNC') {
              const progress = await learnerProgress(client, isStarted(own) ? learnerClient() : undefined);
              options.logger.info(
                { attempt: attempt + 1, node: options.self.name, waitedSeconds: Math.round((Date.now() - started) / 1000), ...progress.fields },
                `learner not in sync with the leader yet (${progress.text}); promotion retried until etcd.timeout`,
              );
            }
            throw error;
          }
          options.logger.info({ member: own.id, name: options.self.name }, 'promoted learner to voting member');
          return 'promoted' as const;
        } finally {
          client.close();
        }
      },
      {
        timeoutMs: options.timeoutMs,
        initialDelayMs: 100,
        maxDelayMs: 2000,
        what: `promote ${options.self.name}`,
        onRetry: (error, attempt) => {
          if (isMusterError(error) && error.code === 'ETCD_LEARNER_NOT_IN_SYNC') return; // logged with its progress
          options.logger.info({ attempt, error: describeError(error) }, 'promote not possible yet, retrying');
        },
      },
    );
  } finally {
    learner?.close();
  }
}

/**
 * A client of the cluster's started voting members, found through this node's own peer
 * endpoint: it answers with the member list even while the learner is catching up.
 */
async function votersClient(options: PromoteOptions, Client: typeof ClusterClient): Promise<ClusterClient> {
  const probe = await probePeer({ peer: options.self.name, url: options.self.peerUrl }, { ...options.probe, ...(options.tls.peer ? { tls: options.tls.peer } : {}) });
  if (probe.kind !== 'member') {
    throw new MusterError(`local etcd at ${options.self.peerUrl} is not answering yet (${probe.detail})`, {
      code: 'ETCD_NOT_RUNNING',
      kind: 'unavailable',
      retryable: true,
      hint: 'start etcd first (systemctl start etcd); promote waits for it until the timeout',
    });
  }
  // A learner's own member list can be stale right after it starts (it has not applied the
  // log yet), so the voting members are asked; they are the authority on who is a learner.
  const endpoints = probe.members.filter((member) => isStarted(member) && !member.peerURLs.includes(options.self.peerUrl)).flatMap((member) => member.clientURLs);
  if (endpoints.length === 0) {
    throw new MusterError(`no started voting member of cluster ${probe.clusterId} is known to ${options.self.name} yet`, {
      code: 'ETCD_NO_VOTERS_KNOWN',
      kind: 'unavailable',
      retryable: true,
    });
  }
  return new Client({ endpoints, callTimeoutMs: options.callTimeoutMs, ...(options.tls.client ? { tls: options.tls.client } : {}) });
}

async function ownEntry(client: ClusterClient, self: SelfUrls): Promise<Member> {
  const { clusterId, members } = await client.memberList();
  const own = members.find((member) => member.peerURLs.includes(self.peerUrl));
  if (!own) {
    throw new MusterError(`this node (${self.peerUrl}) is not a member of cluster ${clusterId}`, {
      code: 'ETCD_NOT_MEMBER',
      kind: 'unsafe',
      hint: 'run `muster etcd` to join first',
    });
  }
  return own;
}

/**
 * How far the learner is: the cluster's side always (a voting member's committed raft index and
 * database size), the learner's applied index once it serves clients. etcd serves a member's client port only after
 * the member has applied the log up to its own start, so a learner still receiving a large log
 * cannot say more; best effort either way, as this only feeds the log.
 */
async function learnerProgress(voters: ClusterClient, learner: ClusterClient | undefined): Promise<{ text: string; fields: Record<string, string | number> }> {
  const [voter, own] = await Promise.all([voters.status().catch(() => undefined), learner?.status().catch(() => undefined)]);
  if (voter === undefined) return { text: 'no voting member said how far the cluster is', fields: {} };
  const fields = { clusterCommitted: voter.committed.toString(), clusterDbMiB: Math.round(voter.dbSizeBytes / 2 ** 20) };
  if (own === undefined) return { text: `still receiving the log: the voters have committed raft index ${fields.clusterCommitted}, ${fields.clusterDbMiB} MiB`, fields };
  const percent = voter.committed === 0n ? 100 : Number((own.applied * 1000n) / voter.committed) / 10;
  return { text: `${percent}% of the log applied: ${own.applied} of ${fields.clusterCommitted}`, fields: { ...fields, applied: own.applied.toString(), percent } };
}

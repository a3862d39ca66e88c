import type { Logger } from '../core/logger.js';
import { MusterError, describeError, isMusterError } from '../core/errors.js';
import { retry } from '../core/retry.js';
import { ClusterClient } from './cluster-client.js';
import { probePeer, type ProbeOptions } from './probe.js';
import { isStarted, type SelfUrls } from './types.js';
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
  return retry(
    async (attempt) => {
      const probe = await probePeer(
        { peer: options.self.name, url: options.self.peerUrl },
        { ...options.probe, ...(options.tls.peer ? { tls: options.tls.peer } : {}) },
      );
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
      const endpoints = probe.members
        .filter((member) => isStarted(member) && !member.peerURLs.includes(options.self.peerUrl))
        .flatMap((member) => member.clientURLs);
      if (endpoints.length === 0) {
        throw new MusterError(`no started voting member of cluster ${probe.clusterId} is known to ${options.self.name} yet`, {
          code: 'ETCD_NO_VOTERS_KNOWN',
          kind: 'unavailable',
          retryable: true,
        });
      }
      const client = new ClusterClient({ endpoints, callTimeoutMs: options.callTimeoutMs, ...(options.tls.client ? { tls: options.tls.client } : {}) });
      let own;
      try {
        const { clusterId, members } = await client.memberList();
        own = members.find((member) => member.peerURLs.includes(options.self.peerUrl));
        if (!own) {
          throw new MusterError(`this node (${options.self.peerUrl}) is not a member of cluster ${clusterId}`, {
            code: 'ETCD_NOT_MEMBER',
            kind: 'unsafe',
            hint: 'run `muster etcd` to join first',
          });
        }
        if (!own.isLearner) return 'already-voter' as const;
        if ((await client.promote(own.id)) === 'already-voter') return 'already-voter' as const;
      } catch (error) {
        if (isMusterError(error) && error.code === 'ETCD_LEARNER_NOT_IN_SYNC') await logProgress(client, options, attempt + 1);
        throw error;
      } finally {
        client.close();
      }
      options.logger.info({ member: own.id, name: options.self.name }, 'promoted learner to voting member');
      return 'promoted' as const;
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
}

/**
 * How far the learner is behind: its applied index (it answers Status, one of the few calls a
 * learner serves) against the committed index of a voter. Best effort: a learner too busy to
 * answer is logged without numbers.
 */
async function logProgress(voters: ClusterClient, options: PromoteOptions, attempt: number): Promise<void> {
  const learner = new ClusterClient({ endpoints: [options.self.clientUrl], callTimeoutMs: 1000, ...(options.tls.client ? { tls: options.tls.client } : {}) });
  try {
    const [own, leader] = await Promise.all([learner.raftIndexes(), voters.raftIndexes()]);
    const percent = leader.committed === 0n ? 100 : Number((own.applied * 1000n) / leader.committed) / 10;
    options.logger.info(
      { attempt, name: options.self.name, applied: own.applied.toString(), leaderCommitted: leader.committed.toString(), percent },
      `learner not in sync with the leader yet (${percent}% of the log applied); promotion retried`,
    );
  } catch (error) {
    options.logger.info({ attempt, name: options.self.name, progress: describeError(error) }, 'learner not in sync with the leader yet; promotion retried');
  } finally {
    learner.close();
  }
}

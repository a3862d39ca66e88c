import type { Logger } from '../core/logger.js';
import { MusterError } from '../core/errors.js';
import { retry } from '../core/retry.js';
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
 * promotion is sent to the voting members. "Not in sync" is retried with backoff.
 */
export async function promoteSelf(options: PromoteOptions): Promise<PromoteOutcome> {
  return retry(
    async () => {
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
      const { ClusterClient } = await import('./cluster-client.js');
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
      onRetry: (error, attempt) => options.logger.debug({ attempt, error: String(error) }, 'promote not possible yet'),
    },
  );
}

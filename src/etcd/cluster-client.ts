import { handleWhen, noop, retry as retryPolicy } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { MusterError, describeError } from '../core/errors.js';
import type { Member } from './types.js';
import type { TlsMaterial } from './tls.js';

export interface ClusterClientOptions {
  /** Client URLs of started voting members. */
  endpoints: readonly string[];
  callTimeoutMs: number;
  tls?: TlsMaterial;
}

/** A lock taken with tryLock: release it when done (its lease frees it if this process dies). */
export interface HeldLock {
  release(): Promise<void>;
}

const hexId = (id: string): string => BigInt(id).toString(16);
const wireId = (hex: string): string => BigInt(`0x${hex}`).toString(10);

/**
 * The membership operations muster needs, on the official etcd3 client, with wire errors
 * translated at this edge into MusterErrors that name the endpoints and say whether a retry
 * can help.
 */
export class ClusterClient {
  private readonly client: Etcd3;
  private readonly endpoints: readonly string[];

  constructor(options: ClusterClientOptions) {
    this.endpoints = options.endpoints;
    const config: IOptions = {
      hosts: [...options.endpoints],
      dialTimeout: options.callTimeoutMs,
      defaultCallOptions: () => ({ deadline: Date.now() + options.callTimeoutMs }),
      // Our own retry loop decides about retries; the library only fails over between hosts.
      faultHandling: {
        host: () => noop,
        global: retryPolicy(handleWhen(isRecoverableError), { maxAttempts: options.endpoints.length }),
      },
      ...(options.tls ? { credentials: { rootCertificate: options.tls.ca, privateKey: options.tls.key, certChain: options.tls.cert } } : {}),
    };
    this.client = new Etcd3(config);
  }

  async memberList(): Promise<{ clusterId: string; members: Member[] }> {
    const response = await this.call('list members', () => this.client.cluster.memberList({ linearizable: true }));
    return { clusterId: hexId(response.header.cluster_id), members: response.members.map(toMember) };
  }

  async addLearner(peerUrl: string): Promise<Member[]> {
    const response = await this.call(`add learner ${peerUrl}`, () => this.client.cluster.memberAdd({ peerURLs: [peerUrl], isLearner: true }));
    return response.members.map(toMember);
  }

  async remove(memberId: string): Promise<void> {
    await this.call(`remove member ${memberId}`, () => this.client.cluster.memberRemove({ ID: wireId(memberId) }));
  }

  /**
   * Promotes a learner. Another process may have promoted it since the member list was read (its
   * own `muster etcd promote`, or a joiner clearing the way): etcd then answers "can only promote
   * a learner member", which means the goal is reached, not a failure.
   */
  async promote(memberId: string): Promise<'promoted' | 'already-voter'> {
    try {
      await this.call(`promote member ${memberId}`, () => this.client.cluster.memberPromote({ ID: wireId(memberId) }));
      return 'promoted';
    } catch (error) {
      if (/can only promote a learner member(?! which is in sync)/.test(describeError(error))) return 'already-voter';
      throw error;
    }
  }

  /** Every key under `prefix` with its value (keys muster keeps in the cluster, such as sightings). */
  async readPrefix(prefix: string): Promise<Map<string, string>> {
    return this.call(`read ${prefix}`, async () => new Map(Object.entries(await this.client.getAll().prefix(prefix).strings())));
  }

  async put(key: string, value: string): Promise<void> {
    await this.call(`write ${key}`, () => this.client.put(key).value(value).exec());
  }

  /**
   * Writes the key on a new lease of `ttlSeconds` that nobody keeps alive, so etcd deletes the key
   * once that time has passed: a timer kept by the cluster, not by any node's clock.
   */
  async putWithNewLease(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.call(`write ${key} on a ${ttlSeconds}s lease`, async () => {
      const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false });
      try {
        await lease.put(key).value(value).exec();
      } finally {
        lease.release();
      }
    });
  }

  async deleteKey(key: string): Promise<void> {
    await this.call(`delete ${key}`, () => this.client.delete().key(key).exec());
  }

  /** Raft indexes and database size of the member answering (with one endpoint: that member). */
  async status(): Promise<{ committed: bigint; applied: bigint; dbSizeBytes: number }> {
    const status = await this.call('read the member status', () => this.client.maintenance.status());
    return { committed: BigInt(status.raftIndex), applied: BigInt(status.raftAppliedIndex), dbSizeBytes: Number(status.dbSize) };
  }

  /**
   * Takes the lease-backed lock once (the key created on a lease, only if it does not exist);
   * throws a retryable error when another node holds it. The lease is kept alive here rather than
   * by etcd3's Lock: its automatic keepalive re-arms a TTL-long timer when a keepalive answer
   * arrives after the release, which kept a finished `muster boot` alive for 30 s after a lost race.
   */
  async tryLock(key: string, ttlSeconds: number): Promise<HeldLock> {
    const lease = this.client.lease(ttlSeconds, { autoKeepAlive: false });
    let taken: boolean;
    try {
      const id = await lease.grant();
      taken = (await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value('').lease(id)).commit()).succeeded;
    } catch (error) {
      await lease.revoke().catch(() => undefined);
      throw this.translate(`take the lock ${key}`, error);
    }
    if (!taken) {
      await lease.revoke().catch(() => undefined);
      throw new MusterError(`the lock ${key} is held by another node`, { code: 'ETCD_LOCK_HELD', kind: 'unavailable', retryable: true });
    }
    const keepAlive = setInterval(() => void lease.keepaliveOnce().catch(() => undefined), (ttlSeconds * 1000) / 3);
    return {
      release: async () => {
        clearInterval(keepAlive);
        await this.call(`release the lock ${key}`, () => lease.revoke());
      },
    };
  }

  close(): void {
    this.client.close();
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.translate(what, error);
    }
  }

  private translate(what: string, error: unknown): MusterError {
    const text = describeError(error);
    const message = `etcd ${what} via ${this.endpoints.join(', ')}: ${text}`;
    if (LEARNER_BEHIND.test(text)) {
      return new MusterError(message, {
        code: 'ETCD_LEARNER_NOT_IN_SYNC',
        kind: 'unavailable',
        retryable: true,
        cause: error,
        hint: 'the learner is still catching up with the leader (a large data set, a slow disk or network); muster retries until etcd.timeout, which you can raise',
      });
    }
    // Conditions that pass by themselves: a young cluster (strict reconfig check), another
    // learner in the way, a leader election.
    const transient = /unhealthy cluster|too many learner|no leader|leader changed|timed out|deadline|unavailable|connect/i.test(text) || isRecoverableError(error as Error);
    return new MusterError(message, {
      code: 'ETCD_CALL_FAILED',
      kind: 'unavailable',
      retryable: transient,
      cause: error,
      hint: transient ? 'the cluster may be electing a leader or still starting; muster retries until etcd.timeout' : 'check the etcd logs on the endpoints named',
    });
  }
}

/**
 * etcd refuses to promote a learner that has not caught up: "can only promote a learner member
 * which is in sync with leader" (ErrLearnerNotReady; older wordings said "not in sync").
 */
const LEARNER_BEHIND = /in sync with leader|not in sync/i;

function toMember(member: { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner?: boolean }): Member {
  return { id: hexId(member.ID), name: member.name, peerURLs: member.peerURLs, clientURLs: member.clientURLs, isLearner: member.isLearner === true };
}

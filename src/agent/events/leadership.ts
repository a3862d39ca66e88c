import type { Lease } from 'etcd3';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.js';
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { RegistryClient } from '../registry-client.js';
import { RegistryFollower } from './follow-registry.js';
import type { NodeEvent } from './node-event.js';

/** Held by the events leader, on its registry lease: it goes when the leader stops or is lost. */
export const EVENTS_LEADER_KEY = 'muster/locks/events';

export interface LeadershipOptions {
  client: RegistryClient;
  nodeName: string;
  /** How often a follower tries to take the lead (the keepalive interval). */
  pollMs: number;
  replaceWindowMs: number;
  enqueue: (event: NodeEvent) => Promise<void>;
  logger: Logger;
  clock?: Clock;
}

/**
 * One agent at a time sends events: the one whose lease holds EVENTS_LEADER_KEY (created only
 * if absent, in one transaction, so two agents cannot both win). The key lives on the agent's
 * registry lease, so it goes with the registration: a stopped agent frees it at once, a dead
 * or partitioned one after its TTL, and the others look every pollMs (a read, not a write).
 */
export class EventsLeadership {
  /** Unique per process: a restarted agent never mistakes its old self's key for its own. */
  readonly identity: string;
  private follower: RegistryFollower | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: LeadershipOptions) {
    this.identity = `${options.nodeName}/${process.pid}/${randomBytes(4).toString('hex')}`;
    this.clock = options.clock ?? systemClock;
  }

  get isLeader(): boolean {
    return this.follower !== undefined;
  }

  /** Whether the leader still has `key` in its view (see RegistryFollower.knows). */
  knows(key: string): boolean {
    return this.follower?.knows(key) ?? false;
  }

  /** Campaigns on `lease` until `lost` aborts; leads while it holds the key. */
  async campaign(lease: Lease, lost: AbortSignal): Promise<void> {
    const { client, logger, pollMs } = this.options;
    while (!lost.aborted) {
      let won = false;
      try {
        // A read first: while a leader holds the key, a follower's try costs etcd no raft write
        // (a failed create-if-absent transaction is still a proposal; a read is not).
        won = (await client.get(EVENTS_LEADER_KEY)) === null && (await client.createOnLease(lease, EVENTS_LEADER_KEY, this.identity));
      } catch (error) {
        logger.warn({ error: describeError(error) }, 'could not campaign for the events lead, trying again');
      }
      if (won && !lost.aborted) {
        logger.info({ identity: this.identity }, 'events leader: watching the registry');
        this.follower = new RegistryFollower({ ...this.options, leaderKey: EVENTS_LEADER_KEY, identity: this.identity, signal: lost });
        try {
          await this.follower.run();
        } catch (error) {
          logger.warn({ error: describeError(error) }, 'events leader: the registry watch failed; reading the registry again');
        } finally {
          this.follower = undefined;
        }
        if (lost.aborted) logger.info('events lead given up');
      }
      try {
        await this.clock.sleep(pollMs, lost);
      } catch {
        return;
      }
    }
  }
}

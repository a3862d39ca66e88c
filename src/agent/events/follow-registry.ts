import type { Watcher } from 'etcd3';
import { describeError, type MusterError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { parseRecord, REGISTRY_PREFIX } from '../node-record.js';
import type { RegistryClient, StoredKey, WatchedChange } from '../registry-client.js';
import { applyChanges, diffRegistry, parseState, type DerivationState, type KnownNode, type RegistryChange } from './derive.js';
import type { NodeEvent } from './node-event.js';

/** Where the leader keeps the derivation state, so the next leader goes on from it. */
export const EVENTS_STATE_KEY = 'muster/events/state';

export interface FollowOptions {
  client: RegistryClient;
  leaderKey: string;
  identity: string;
  replaceWindowMs: number;
  enqueue: (event: NodeEvent) => Promise<void>;
  logger: Logger;
  /** Aborts when leadership ends (the lease is lost, or the agent stops). */
  signal: AbortSignal;
}

/**
 * The events leader's work: compare what the last leader recorded with the registry now (what
 * happened while nobody led), then watch the registry and turn each change into events. Each
 * batch is queued (on disk) before the state that covers it is written, and the state is written
 * only while this agent is still the leader: a crash in between re-derives the same events with
 * the same ids, which the queue drops.
 */
export class RegistryFollower {
  private state: DerivationState | undefined;
  private chain: Promise<void> = Promise.resolve();
  private watcher: Watcher | undefined;

  constructor(private readonly options: FollowOptions) {}

  /** Resolves when leadership ends; rejects when the watch fails (the caller starts again). */
  async run(): Promise<void> {
    const { client, signal } = this.options;
    const state = parseState(await client.get(EVENTS_STATE_KEY));
    const { revision, keys } = await client.readPrefix(REGISTRY_PREFIX);
    this.state = state;
    await this.process(diffRegistry(state, keys.map(toKnown).filter((node) => node !== undefined), revision), revision);
    if (signal.aborted) return;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: MusterError): void => reject(error);
      signal.addEventListener('abort', () => resolve(), { once: true });
      client
        .watchPrefix(REGISTRY_PREFIX, (BigInt(revision) + 1n).toString(), (changes) => this.onWatched(changes, fail), fail)
        .then((watcher) => {
          this.watcher = watcher;
          if (signal.aborted) void watcher.cancel();
        }, reject);
    }).finally(() => {
      void this.watcher?.cancel().catch(() => undefined);
    });
    await this.chain;
  }

  /** Whether the leader has seen `key` go (a stopping leader waits for its own down event). */
  knows(key: string): boolean {
    return this.state?.nodes[key] !== undefined;
  }

  private onWatched(watched: WatchedChange[], fail: (error: MusterError) => void): void {
    const changes = watched.flatMap((change): RegistryChange[] => {
      if (change.kind === 'delete') return [{ kind: 'delete', key: change.key, revision: change.revision }];
      const known = toKnown(change.kv);
      return known ? [{ kind: 'put', ...known }] : [];
    });
    const last = watched.at(-1);
    const revision = last?.kind === 'put' ? last.kv.modRevision : (last?.revision ?? '0');
    // One batch at a time, in watch order.
    this.chain = this.chain.then(() => this.process(changes, revision)).catch((error: unknown) => fail(error as MusterError));
  }

  private async process(changes: readonly RegistryChange[], revision: string): Promise<void> {
    const { logger, client, leaderKey, identity } = this.options;
    const before = this.state;
    if (!before) return;
    const { state, events } = applyChanges(before, changes, { now: Date.now(), replaceWindowMs: this.options.replaceWindowMs });
    const next = { ...state, revision: BigInt(state.revision) > BigInt(revision) ? state.revision : revision };
    for (const event of events) {
      logger.info({ event: event.event, node: event.node.name, role: event.node.role, ip: event.node.ip, id: event.id, ...(event.replaces ? { replaces: event.replaces.name } : {}) }, `node ${event.event}`);
      await this.options.enqueue(event);
    }
    this.state = next;
    if (events.length === 0 && changes.length === 0) return;
    const written = await client.putIf(leaderKey, identity, EVENTS_STATE_KEY, JSON.stringify(next));
    if (!written) logger.warn({ error: describeError('leader key changed') }, 'no longer the events leader: the state was not written');
  }
}

function toKnown(kv: StoredKey): KnownNode | undefined {
  const record = parseRecord(kv.key, kv.value);
  return record ? { key: kv.key, record, createRevision: kv.createRevision, modRevision: kv.modRevision } : undefined;
}

import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import { shortKubeError } from './api-error.js';
import type { Logger } from '../core/logger.js';
import { metaOf } from './objects.js';

/**
 * One list + watch of one resource, kept as small projections (client-go's reflector, which
 * client-node's informer imitates but stops on errors: kubernetes-client/javascript#1933).
 * - The first list is paged; the store is swapped in whole when every page has arrived.
 * - The watch resumes from the last resourceVersion seen (bookmarks keep it fresh), so a
 *   restarted API server or a dropped connection loses no event.
 * - 410 Gone (the version was compacted away) relists, and the differences are delivered as
 *   changes marked `relist` (no event said so: the deletion guard treats them as absence).
 * - Every failure restarts the watch after a capped, jittered backoff; nothing ever stops it.
 */

export type ChangeType = 'added' | 'modified' | 'deleted';

export interface Change<T> {
  type: ChangeType;
  key: string;
  previous: T | undefined;
  current: T | undefined;
  /** The difference came from a relist, not from a watch event. */
  relist: boolean;
}

export interface ListPage {
  items: unknown[];
  resourceVersion: string | undefined;
  continueToken: string | undefined;
}

export interface ReflectorHooks {
  /** One request to the API server (a list page, a watch). */
  request(kind: 'list' | 'watch'): void;
  /** A list or watch failed, or a watch had to be restarted. */
  failure(error: unknown, what: 'list' | 'watch'): void;
  watchRestart(reason: 'error' | 'gone' | 'closed'): void;
  /** The list/watch went from working to failing or back (the report's apiserver_available). */
  health?(healthy: boolean): void;
}

export interface ReflectorOptions<T> {
  /** For logs and metrics: services, pods, nodes (with the namespace). */
  name: string;
  kubeConfig: KubeConfig;
  /** The watch path, e.g. /api/v1/namespaces/default/pods or /api/v1/nodes. */
  path: string;
  fieldSelector?: string;
  /** One page of the list (limit, continue). */
  list: (page: { limit: number; continueToken: string | undefined }) => Promise<ListPage>;
  project: (raw: unknown) => T;
  /** Deep equality of projections: an unchanged projection is no change (pod status heartbeats). */
  same: (a: T, b: T) => boolean;
  onChanges: (changes: Change<T>[]) => void;
  hooks: ReflectorHooks;
  logger: Logger;
  timeoutMs: number;
  pageSize?: number;
  /** Server-side watch timeout, so a watch that silently died is replaced (plus jitter). */
  watchTimeoutSeconds?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Reflector<T> {
  readonly store = new Map<string, T>();
  private resourceVersion: string | undefined;
  private synced = false;
  private healthy = false;
  private stopped = false;
  private abort: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private syncedWaiters: (() => void)[] = [];

  constructor(private readonly options: ReflectorOptions<T>) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  /** The last list or watch succeeded (the report's apiserver_available). */
  get isHealthy(): boolean {
    return this.healthy;
  }

  start(): void {
    void this.relist();
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.options.hooks.health?.(healthy);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const { seen, resourceVersion } = await this.listAll();
      this.replace(seen);
      this.resourceVersion = resourceVersion;
      this.setHealthy(true);
      if (!this.synced) {
        this.synced = true;
        for (const resolve of this.syncedWaiters.splice(0)) resolve();
        this.options.logger.debug({ resource: this.options.name, objects: this.store.size }, 'kube-dns: synced');
      }
      this.watch();
    } catch (error) {
      this.setHealthy(false);
      this.options.hooks.failure(error, 'list');
      this.options.logger.warn({ resource: this.options.name, error: shortKubeError(error) }, 'kube-dns: list failed; retrying');
      this.retryLater(() => void this.relist());
    }
  }

  /** Every page projected as it arrives: only one page of whole objects is alive at a time. */
  private async listAll(): Promise<{ seen: Map<string, T>; resourceVersion: string | undefined }> {
    const seen = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      this.options.hooks.request('list');
      const page = await withTimeout(this.options.list({ limit: this.options.pageSize ?? 500, continueToken }), this.options.timeoutMs, `list ${this.options.name}`);
      for (const raw of page.items) seen.set(storeKey(raw), this.options.project(raw));
      resourceVersion = page.resourceVersion;
      continueToken = page.continueToken;
    } while (continueToken !== undefined && continueToken !== '');
    return { seen, resourceVersion };
  }

  /** The store becomes the list; the differences are delivered as relist changes. */
  private replace(seen: Map<string, T>): void {
    const changes: Change<T>[] = [];
    for (const [key, previous] of this.store) {
      if (!seen.has(key)) changes.push({ type: 'deleted', key, previous, current: undefined, relist: true });
    }
    for (const [key, current] of seen) {
      const previous = this.store.get(key);
      if (previous === undefined) changes.push({ type: 'added', key, previous, current, relist: true });
      else if (!this.options.same(previous, current)) changes.push({ type: 'modified', key, previous, current, relist: true });
    }
    this.store.clear();
    for (const [key, value] of seen) this.store.set(key, value);
    if (changes.length > 0 || !this.synced) this.options.onChanges(changes);
  }

  private watch(): void {
    if (this.stopped) return;
    const startedAt = Date.now();
    let events = 0;
    let gone = false;
    let stale = false;
    const timeoutSeconds = (this.options.watchTimeoutSeconds ?? 300) + Math.floor(Math.random() * 60);
    // The server ends the watch after timeoutSeconds; silence well past that means a dead
    // connection, which TCP keepalive would notice only after minutes.
    let deadline: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (deadline) clearTimeout(deadline);
      deadline = setTimeout(() => {
        stale = true;
        this.abort?.abort();
      }, (timeoutSeconds + 30) * 1000);
      deadline.unref();
    };
    arm();
    this.options.hooks.request('watch');
    const params: Record<string, string | number | boolean | undefined> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, fieldSelector: this.options.fieldSelector };
    const onEvent = (type: string, object: unknown): void => {
      if (this.stopped || gone) return;
      events += 1;
      arm();
      if (type === 'ERROR') {
        const code = (object as { code?: number } | undefined)?.code;
        if (code === 410) {
          gone = true;
          this.abort?.abort();
          return;
        }
        this.options.logger.warn({ resource: this.options.name, status: object }, 'kube-dns: watch error event');
        return;
      }
      const { resourceVersion } = metaOf(object);
      if (resourceVersion !== undefined) this.resourceVersion = resourceVersion;
      if (type === 'BOOKMARK') return;
      this.apply(type, storeKey(object), object);
    };
    const onDone = (error: unknown): void => {
      if (deadline) clearTimeout(deadline);
      if (this.stopped) return;
      const status = (error as { statusCode?: number } | null)?.statusCode;
      if (gone || status === 410) {
        this.options.hooks.watchRestart('gone');
        this.options.logger.info({ resource: this.options.name }, 'kube-dns: resourceVersion gone (410); relisting');
        this.resourceVersion = undefined;
        void this.relist();
        return;
      }
      if (stale) {
        // No line for longer than the server's own timeout: the connection died without a word
        // (a vanished peer sends no FIN). Resume as after a clean end.
        this.options.hooks.watchRestart('error');
        this.options.logger.warn({ resource: this.options.name }, 'kube-dns: watch silent past its timeout; resuming');
        this.watch();
        return;
      }
      if (error !== null && error !== undefined && !isAbort(error)) {
        this.setHealthy(false);
        this.options.hooks.failure(error, 'watch');
        this.options.hooks.watchRestart('error');
        this.options.logger.warn({ resource: this.options.name, error: shortKubeError(error) }, 'kube-dns: watch failed; resuming from the last resourceVersion');
        this.retryLater(() => this.watch());
        return;
      }
      // A clean end (the server's timeout, or the server went away between two lines): resume
      // at once, unless the watch ended as soon as it began, which means it cannot stay up.
      this.options.hooks.watchRestart('closed');
      if (events === 0 && Date.now() - startedAt < 1000) this.retryLater(() => this.watch());
      else {
        this.failures = 0;
        this.watch();
      }
    };
    new Watch(this.options.kubeConfig)
      .watch(this.options.path, params, onEvent, onDone)
      .then((controller) => {
        this.abort = controller;
        this.setHealthy(true);
        // A 410 can arrive in the first chunk, before the controller is known here.
        if (this.stopped || gone) controller.abort();
      })
      .catch(onDone);
  }

  private apply(type: string, key: string, raw: unknown): void {
    const previous = this.store.get(key);
    if (type === 'DELETED') {
      if (previous === undefined) return;
      this.store.delete(key);
      this.options.onChanges([{ type: 'deleted', key, previous, current: undefined, relist: false }]);
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    const current = this.options.project(raw);
    this.store.set(key, current);
    if (previous !== undefined && this.options.same(previous, current)) return;
    this.failures = 0;
    this.options.onChanges([{ type: previous === undefined ? 'added' : 'modified', key, previous, current, relist: false }]);
  }

  private retryLater(run: () => void): void {
    if (this.stopped) return;
    this.failures += 1;
    const min = this.options.minBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** Math.min(this.failures - 1, 16));
    this.timer = setTimeout(run, delay / 2 + Math.random() * (delay / 2));
  }
}

/** namespace/name, or the name of a cluster-scoped object (a Node). */
function storeKey(raw: unknown): string {
  const meta = metaOf(raw);
  return meta.namespace === '' ? meta.name : `${meta.namespace}/${meta.name}`;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.message.includes('aborted'));
}

function withTimeout<V>(promise: Promise<V>, ms: number, what: string): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../../core/atomic-write.js';
import type { NodeEvent } from '../events/node-event.js';
import { queueFileName, readListing } from './queue-files.js';

/** Markers kept per queue: the ids a re-derived event is checked against, and the sequence's high-water mark. */
const MARKERS_KEPT = 1000;

/** When the last request to this URL started (ms since the epoch, as text). */
const LAST_ATTEMPT = 'last-attempt';

/** The queue directory of one webhook: named by a hash, so the secret URL is in no file name. */
export function queueDirName(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/**
 * One webhook's delivery queue on disk: one file per event, written atomically and named by a
 * monotonic sequence, so the order survives restarts; an event leaves only once delivered (or
 * refused for good).
 *
 * Delivery is at-least-once in one window only: a crash after the receiver answered 2xx but
 * before the `.sent` marker is on disk sends that event again at the next start (with the same
 * id, in the body and the x-muster-event-id header, for the receiver to drop). Every other crash
 * point neither loses nor repeats an event: the marker is fsynced before the event file is
 * deleted, and a file found beside its marker is deleted unsent. Writing the marker before
 * sending would close that window but lose the event when the send then fails: losing
 * "node down" is worse than saying it twice.
 */
export class DeliveryQueue {
  private readonly waiting = new Map<number, string>();
  private readonly doneIds = new Set<string>();
  private markers: number[] = [];
  private nextSeq = 1;
  /** When the newest marker was written (ms): the last answer this queue got, across restarts. */
  lastRecordedAt: number | undefined;
  private wake: (() => void) | undefined;

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<DeliveryQueue> {
    const queue = new DeliveryQueue(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const listing = readListing(await readdir(dir));
    for (const seq of listing.deliveredLeftovers) await unlink(join(dir, queueFileName(seq, 'event'))).catch(() => undefined);
    for (const seq of listing.waiting) {
      const event = await queue.read(seq);
      if (event) queue.waiting.set(seq, event.id);
    }
    for (const marker of listing.markers) {
      const id = await readFile(join(dir, queueFileName(marker.seq, marker.kind === 'sent' ? 'sent' : 'dropped')), 'utf8').catch(() => '');
      queue.doneIds.add(marker.kind === 'sent' ? id.trim() : (safeId(id) ?? ''));
      queue.markers.push(marker.seq);
    }
    const newest = listing.markers.at(-1);
    const delivered = newest ? (await stat(join(dir, queueFileName(newest.seq, newest.kind))).catch(() => undefined))?.mtimeMs : undefined;
    const attempted = Number(await readFile(join(dir, LAST_ATTEMPT), 'utf8').catch(() => ''));
    const times = [delivered, attempted].filter((time): time is number => time !== undefined && Number.isFinite(time) && time > 0);
    if (times.length > 0) queue.lastRecordedAt = Math.max(...times);
    queue.nextSeq = listing.nextSeq;
    await queue.prune();
    return queue;
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Queues an event unless one with its id is waiting or was already delivered. */
  async enqueue(event: NodeEvent): Promise<boolean> {
    if (this.doneIds.has(event.id) || [...this.waiting.values()].includes(event.id)) return false;
    const seq = this.nextSeq++;
    await writeFileAtomic(join(this.dir, queueFileName(seq, 'event')), `${JSON.stringify(event)}\n`, { mode: 0o600, dirMode: 0o700 });
    this.waiting.set(seq, event.id);
    this.wake?.();
    return true;
  }

  /** The oldest waiting event. */
  async head(): Promise<{ seq: number; event: NodeEvent } | undefined> {
    for (const seq of [...this.waiting.keys()].sort((a, b) => a - b)) {
      const event = await this.read(seq);
      if (event) return { seq, event };
      this.waiting.delete(seq); // unreadable: gone from under us
    }
    return undefined;
  }

  /** Resolves once an event is queued (or at once if one is waiting), or when `signal` aborts. */
  whenNotEmpty(signal: AbortSignal): Promise<void> {
    if (this.waiting.size > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** After a 2xx: the marker on disk first (fsynced), then the event file goes. */
  async markSent(seq: number, id: string): Promise<void> {
    await writeFileAtomic(join(this.dir, queueFileName(seq, 'sent')), `${id}\n`, { mode: 0o600, dirMode: 0o700 });
    this.lastRecordedAt = Date.now();
    this.forget(seq, id);
    await unlink(join(this.dir, queueFileName(seq, 'event')));
    await syncDirectory(this.dir);
    await this.prune();
  }

  /**
   * Notes that a request is about to start, so that an agent restarted right after (killed in
   * the middle of a request) still keeps the receiver's pace. Not fsynced: a lost note costs at
   * most one early request after a machine crash.
   */
  async recordAttempt(): Promise<void> {
    const now = Date.now();
    await writeFile(join(this.dir, LAST_ATTEMPT), String(now), { mode: 0o600 });
    this.lastRecordedAt = now;
  }

  /** A refusal for good: the event is kept beside the others as .dropped.json, never sent again. */
  async markDropped(seq: number, id: string): Promise<void> {
    await rename(join(this.dir, queueFileName(seq, 'event')), join(this.dir, queueFileName(seq, 'dropped')));
    await syncDirectory(this.dir);
    this.forget(seq, id);
    await this.prune();
  }

  private forget(seq: number, id: string): void {
    this.waiting.delete(seq);
    this.doneIds.add(id);
    this.markers.push(seq);
  }

  private async read(seq: number): Promise<NodeEvent | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, queueFileName(seq, 'event')), 'utf8')) as NodeEvent;
    } catch {
      return undefined;
    }
  }

  /** Keeps the newest markers only; the newest one always stays, so the sequence never goes back. */
  private async prune(): Promise<void> {
    while (this.markers.length > MARKERS_KEPT) {
      const seq = this.markers.shift() as number;
      await unlink(join(this.dir, queueFileName(seq, 'sent'))).catch(() => undefined);
      await unlink(join(this.dir, queueFileName(seq, 'dropped'))).catch(() => undefined);
    }
  }
}

/** A dropped event file holds the event; its id is what dedupes. */
function safeId(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * File names of a delivery queue: a 16-digit sequence, so names sort in delivery order, and a
 * suffix for the state.
 *   0000000000000042.event.json    waiting (the event, as queued)
 *   0000000000000042.sent          delivered (its id); the event file is deleted after this exists
 *   0000000000000042.dropped.json  refused for good (a 4xx), kept for the operator
 */
export type QueueFileKind = 'event' | 'sent' | 'dropped';

const SUFFIX: Record<QueueFileKind, string> = { event: '.event.json', sent: '.sent', dropped: '.dropped.json' };

export function queueFileName(seq: number, kind: QueueFileKind): string {
  return `${String(seq).padStart(16, '0')}${SUFFIX[kind]}`;
}

export function parseQueueFileName(name: string): { seq: number; kind: QueueFileKind } | undefined {
  const match = /^(\d{16})(\.event\.json|\.sent|\.dropped\.json)$/.exec(name);
  if (!match) return undefined;
  const kind = (Object.keys(SUFFIX) as QueueFileKind[]).find((candidate) => SUFFIX[candidate] === match[2]);
  return kind === undefined ? undefined : { seq: Number(match[1]), kind };
}

export interface QueueListing {
  /** Waiting events, oldest first (a crash after delivery leaves an event beside its marker: not waiting). */
  waiting: number[];
  /** Events whose delivery was recorded but whose file is still there: delete, never send. */
  deliveredLeftovers: number[];
  /** Markers (sent or dropped), oldest first. */
  markers: { seq: number; kind: 'sent' | 'dropped' }[];
  /** The next sequence number: above every file, so it never goes back while any marker is kept. */
  nextSeq: number;
}

/** Sorts a directory listing into the queue's state. Pure: the queue does the I/O. */
export function readListing(names: readonly string[]): QueueListing {
  const files = names.map(parseQueueFileName).filter((file) => file !== undefined);
  const done = new Set(files.filter((file) => file.kind !== 'event').map((file) => file.seq));
  const events = files.filter((file) => file.kind === 'event').map((file) => file.seq).sort((a, b) => a - b);
  const markers = files
    .filter((file): file is { seq: number; kind: 'sent' | 'dropped' } => file.kind !== 'event')
    .sort((a, b) => a.seq - b.seq);
  return {
    waiting: events.filter((seq) => !done.has(seq)),
    deliveredLeftovers: events.filter((seq) => done.has(seq)),
    markers,
    nextSeq: files.reduce((max, file) => Math.max(max, file.seq), 0) + 1,
  };
}

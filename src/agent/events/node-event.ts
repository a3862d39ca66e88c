import { createHash } from 'node:crypto';
import type { NodeRecord } from '../node-record.js';

export type NodeEventKind = 'up' | 'down' | 'replaced';

/** One lifecycle event, as queued and sent. */
export interface NodeEvent {
  /**
   * Stable across leaders and restarts: derived from the registry key and the etcd revision
   * that created (or changed) it, so two leaders deriving the same change make the same id,
   * and receivers can drop a duplicate by it.
   */
  id: string;
  event: NodeEventKind;
  node: NodeRecord;
  /** replaced: the node this one took the place of. */
  replaces?: NodeRecord;
  /** When the leader saw the change (ISO 8601). */
  time: string;
}

/** `<kind>-<16 hex>`: short enough for a header, unique per key incarnation and kind. */
export function eventId(kind: NodeEventKind, key: string, revision: string): string {
  return `${kind}-${createHash('sha256').update(`${kind}\n${key}\n${revision}`).digest('hex').slice(0, 16)}`;
}

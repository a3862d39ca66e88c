import type { NodeRecord } from '../node-record.js';
import { eventId, type NodeEvent } from './node-event.js';

/** A registry key the leader has seen, with the etcd revisions that identify its incarnation. */
export interface KnownNode {
  key: string;
  record: NodeRecord;
  /** Revision that created the key: a new one every time the key comes back after a delete. */
  createRevision: string;
  modRevision: string;
}

/** A node that went down and has not come back or been replaced yet. */
export interface RecentDown {
  key: string;
  record: NodeRecord;
  /** Leader's clock, ms. */
  at: number;
}

/**
 * What the events leader remembers between changes; kept in etcd (JSON) so the next leader goes
 * on from it: which nodes it has reported, and which went down recently (for "replaced").
 */
export interface DerivationState {
  /** The registry revision this state reflects. */
  revision: string;
  nodes: Record<string, KnownNode>;
  downs: RecentDown[];
}

export const emptyState = (): DerivationState => ({ revision: '0', nodes: {}, downs: [] });

export type RegistryChange = ({ kind: 'put' } & KnownNode) | { kind: 'delete'; key: string; revision: string };

export interface DeriveOptions {
  now: number;
  replaceWindowMs: number;
}

/**
 * Turns one registry change into events:
 * - a key that appears is `up`, unless it replaces a node that went down within the window:
 *   the same name with a new ip, or (first) another name of the same role; then it is `replaced`
 *   (and the down is consumed, so one down is replaced at most once). The same name and ip
 *   coming back is `up`.
 * - a key that changes its ip in place is `replaced` (the old record is what it replaces);
 *   other changes (a swarm id learnt, the lease re-created) are no event.
 * - a key that goes (revoked on a clean stop, or its lease expired) is `down`.
 */
export function applyChange(state: DerivationState, change: RegistryChange, options: DeriveOptions): { state: DerivationState; events: NodeEvent[] } {
  const time = new Date(options.now).toISOString();
  const downs = state.downs.filter((down) => options.now - down.at <= options.replaceWindowMs);
  const nodes = { ...state.nodes };
  if (change.kind === 'delete') {
    const known = nodes[change.key];
    if (!known) return { state: { ...state, downs, revision: maxRevision(state.revision, change.revision) }, events: [] };
    delete nodes[change.key];
    const event: NodeEvent = { id: eventId('down', change.key, known.createRevision), event: 'down', node: known.record, time };
    return { state: { revision: maxRevision(state.revision, change.revision), nodes, downs: [...downs, { key: change.key, record: known.record, at: options.now }] }, events: [event] };
  }
  const { kind: _kind, ...incoming } = change;
  const revision = maxRevision(state.revision, change.modRevision);
  const known = nodes[change.key];
  nodes[change.key] = incoming;
  if (known && known.createRevision === change.createRevision) {
    const events: NodeEvent[] =
      known.record.ip !== change.record.ip
        ? [{ id: eventId('replaced', change.key, change.modRevision), event: 'replaced', node: change.record, replaces: known.record, time }]
        : [];
    return { state: { revision, nodes, downs }, events };
  }
  // A new incarnation of a key the leader thought alive: it went down in between, unseen.
  const missed: NodeEvent[] = known ? [{ id: eventId('down', change.key, known.createRevision), event: 'down', node: known.record, time }] : [];
  const pending = known ? [...downs, { key: change.key, record: known.record, at: options.now }] : downs;
  const match = replacedDown(pending, change.record);
  const remaining = match ? pending.filter((down) => down !== match) : pending;
  const isReplacement = match !== undefined && !(match.record.name === change.record.name && match.record.ip === change.record.ip);
  const event: NodeEvent = isReplacement
    ? { id: eventId('replaced', change.key, change.createRevision), event: 'replaced', node: change.record, replaces: match.record, time }
    : { id: eventId('up', change.key, change.createRevision), event: 'up', node: change.record, time };
  return { state: { revision, nodes, downs: remaining }, events: [...missed, event] };
}

/** The recent down a new node answers to: the same name first (back, or with a new ip), else the oldest of its role. */
function replacedDown(downs: readonly RecentDown[], record: NodeRecord): RecentDown | undefined {
  return (
    downs.find((down) => down.record.role === record.role && down.record.name === record.name) ??
    downs.find((down) => down.record.role === record.role)
  );
}

/**
 * The changes between what the leader remembers and the registry now (a leader taking over, or
 * a watch that had to start again): keys gone first, then new or changed keys in the order they
 * were created, so a replacement reads down then replaced.
 */
export function diffRegistry(state: DerivationState, current: readonly KnownNode[], revision: string): RegistryChange[] {
  const now = new Map(current.map((node) => [node.key, node]));
  const gone = Object.keys(state.nodes)
    .filter((key) => !now.has(key))
    .sort()
    .map((key): RegistryChange => ({ kind: 'delete', key, revision }));
  const changed = [...current]
    .filter((node) => state.nodes[node.key]?.modRevision !== node.modRevision)
    .sort((a, b) => compareRevisions(a.createRevision, b.createRevision) || compareRevisions(a.modRevision, b.modRevision))
    .map((node): RegistryChange => ({ kind: 'put', ...node }));
  return [...gone, ...changed];
}

/** Folds a list of changes; the events in order. */
export function applyChanges(state: DerivationState, changes: readonly RegistryChange[], options: DeriveOptions): { state: DerivationState; events: NodeEvent[] } {
  let current = state;
  const events: NodeEvent[] = [];
  for (const change of changes) {
    const next = applyChange(current, change, options);
    current = next.state;
    events.push(...next.events);
  }
  return { state: current, events };
}

/** etcd revisions are int64 decimal strings. */
export function compareRevisions(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

function maxRevision(a: string, b: string): string {
  return compareRevisions(a, b) >= 0 ? a : b;
}

/** Reads the state the previous leader stored; anything unreadable starts afresh (every node then reads as up). */
export function parseState(text: string | null): DerivationState {
  if (text === null) return emptyState();
  try {
    const parsed = JSON.parse(text) as Partial<DerivationState>;
    if (typeof parsed.revision !== 'string' || parsed.nodes === null || typeof parsed.nodes !== 'object' || !Array.isArray(parsed.downs)) return emptyState();
    return { revision: parsed.revision, nodes: parsed.nodes, downs: parsed.downs };
  } catch {
    return emptyState();
  }
}

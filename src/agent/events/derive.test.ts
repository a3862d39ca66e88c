import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeRecord } from '../node-record.js';
import { applyChanges, diffRegistry, emptyState, parseState, type DerivationState, type KnownNode, type RegistryChange } from './derive.js';

const MINUTE = 60_000;
const record = (role: string, name: string, ip: string): NodeRecord => ({ role, name, ip, version: '0.1.0', boot_time: '2024-01-01T00:00:00.000Z' });
const put = (node: NodeRecord, createRevision: string, modRevision = createRevision): RegistryChange => ({ kind: 'put', key: `/muster/nodes/${node.role}/${node.name}`, record: node, createRevision, modRevision });
const del = (node: NodeRecord, revision: string): RegistryChange => ({ kind: 'delete', key: `/muster/nodes/${node.role}/${node.name}`, revision });
const summary = (events: { event: string; node: NodeRecord; replaces?: NodeRecord }[]): string[] => events.map((event) => `${event.event} ${event.node.name}${event.replaces ? ` (replaces ${event.replaces.name})` : ''}`);

function run(changes: RegistryChange[], { state = emptyState(), now = 0, windowMs = 10 * MINUTE } = {}): { state: DerivationState; events: ReturnType<typeof applyChanges>['events'] } {
  return applyChanges(state, changes, { now, replaceWindowMs: windowMs });
}

describe('event derivation from registry changes', () => {
  const w1 = record('worker', 'w1', '10.0.0.1');
  const w2 = record('worker', 'w2', '10.0.0.2');
  const m1 = record('manager', 'm1', '10.0.0.9');

  it('a key that appears is up, a key that goes is down', () => {
    assert.deepEqual(summary(run([put(w1, '5'), del(w1, '6')]).events), ['up w1', 'down w1']);
  });

  it('another node of the same role within the window replaces the one that went down, once', () => {
    const { events } = run([put(w1, '5'), del(w1, '6'), put(w2, '7'), put(record('worker', 'w3', '10.0.0.3'), '8')]);
    assert.deepEqual(summary(events), ['up w1', 'down w1', 'replaced w2 (replaces w1)', 'up w3']);
  });

  it('a node of another role, or one after the window, is only up', () => {
    const first = run([put(w1, '5'), del(w1, '6')], { now: 0 });
    assert.deepEqual(summary(run([put(m1, '7')], { state: first.state, now: 1000 }).events), ['up m1']);
    assert.deepEqual(summary(run([put(w2, '7')], { state: first.state, now: 11 * MINUTE }).events), ['up w2']);
  });

  it('the same name and ip coming back is up; with a new ip it is replaced', () => {
    const gone = run([put(w1, '5'), del(w1, '6')]);
    assert.deepEqual(summary(run([put(w1, '7')], { state: gone.state }).events), ['up w1']);
    const moved = run([put({ ...w1, ip: '10.0.0.77' }, '7')], { state: gone.state }).events;
    assert.deepEqual(summary(moved), ['replaced w1 (replaces w1)']);
    assert.equal(moved[0]?.replaces?.ip, '10.0.0.1');
  });

  it('a key whose ip changes in place is replaced; other value changes are no event', () => {
    const up = run([put(w1, '5')]);
    assert.deepEqual(summary(run([put({ ...w1, swarm_node_id: 'abc' }, '5', '9')], { state: up.state }).events), []);
    assert.deepEqual(summary(run([put({ ...w1, ip: '10.0.0.50' }, '5', '9')], { state: up.state }).events), ['replaced w1 (replaces w1)']);
  });

  it('gives the same ids to the same change whoever derives it, and new ids to a new incarnation', () => {
    const a = run([put(w1, '5'), del(w1, '6'), put(w1, '7')]).events.map((event) => event.id);
    const b = run([put(w1, '5'), del(w1, '6'), put(w1, '7')]).events.map((event) => event.id);
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, 3, 'the second up of w1 is a new incarnation (create revision 7)');
  });

  it('a leader taking over sees what happened while nobody led: gone first, then new keys in creation order', () => {
    const before = run([put(w1, '5'), put(m1, '6')]).state;
    const now: KnownNode[] = [
      { key: '/muster/nodes/worker/w3', record: record('worker', 'w3', '10.0.0.3'), createRevision: '12', modRevision: '12' },
      { key: '/muster/nodes/worker/w2', record: w2, createRevision: '10', modRevision: '10' },
      { key: '/muster/nodes/manager/m1', record: m1, createRevision: '6', modRevision: '6' },
    ];
    const changes = diffRegistry(before, now, '12');
    assert.deepEqual(summary(run(changes, { state: before }).events), ['down w1', 'replaced w2 (replaces w1)', 'up w3']);
  });

  it('a key recreated unseen (new create revision) reads as down then up', () => {
    const before = run([put(w1, '5')]).state;
    const changes = diffRegistry(before, [{ key: '/muster/nodes/worker/w1', record: w1, createRevision: '20', modRevision: '20' }], '20');
    assert.deepEqual(summary(run(changes, { state: before }).events), ['down w1', 'up w1']);
  });

  it('a stored state round-trips through JSON, and an unreadable one starts afresh', () => {
    const { state } = run([put(w1, '5')]);
    assert.deepEqual(parseState(JSON.stringify(state)), state);
    assert.deepEqual(parseState('{nonsense'), emptyState());
    assert.deepEqual(parseState(null), emptyState());
  });
});

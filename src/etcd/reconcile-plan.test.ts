import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaseSighting } from './lease-sightings.js';
import { planReconcile, type ReconcileInput } from './reconcile-plan.js';
import type { Member } from './types.js';

const member = (n: number, overrides: Partial<Member> = {}): Member => ({ id: `m${n}`, name: `node-${n}`, peerURLs: [`http://10.0.0.${n}:2380`], clientURLs: [`http://10.0.0.${n}:2379`], isLearner: false, ...overrides });
const members = [member(1), member(2), member(3)];
const over: LeaseSighting = { since: 0, by: 'node-1', over: true };
const running: LeaseSighting = { since: 0, by: 'node-1', over: false };

function plan(overrides: Partial<ReconcileInput>) {
  return planReconcile({
    members,
    listed: new Set(['http://10.0.0.1:2380', 'http://10.0.0.2:2380']),
    alive: new Set(['m1', 'm2']),
    sightings: new Map(),
    now: 60_000,
    staleAfterMs: 120_000,
    ...overrides,
  });
}

describe('etcd reconcile plan', () => {
  it('records the first sighting of an absent, silent member and removes nothing yet', () => {
    const result = plan({});
    assert.deepEqual(result.record.map((m) => m.id), ['m3']);
    assert.equal(result.remove, undefined);
    assert.match(result.reasons.join('\n'), /node-3 is not listed by the platform and does not answer: first sighting recorded/);
  });

  it('waits while etcd.stale_after has not passed, then removes it once', () => {
    assert.equal(plan({ sightings: new Map([['m3', running]]) }).remove, undefined);
    const result = plan({ sightings: new Map([['m3', over]]) });
    assert.equal(result.remove?.id, 'm3');
    assert.deepEqual(result.record, []);
  });

  it('never removes a member that answers, or that the platform lists again, and drops its sighting', () => {
    const answers = plan({ alive: new Set(['m1', 'm2', 'm3']), sightings: new Map([['m3', over]]) });
    assert.equal(answers.remove, undefined);
    assert.deepEqual(answers.forget, ['m3']);
    const listed = plan({ listed: new Set(members.flatMap((m) => m.peerURLs)), sightings: new Map([['m3', over]]) });
    assert.equal(listed.remove, undefined);
    assert.deepEqual(listed.forget, ['m3']);
  });

  it('never removes below quorum: with one of three answering, a dead voter stays', () => {
    const result = plan({ alive: new Set(['m1']), listed: new Set(['http://10.0.0.1:2380']), sightings: new Map([['m2', over], ['m3', over]]) });
    assert.equal(result.remove, undefined);
    assert.match(result.reasons.join('\n'), /would not keep a quorum without it/);
  });

  it('removes one member per run, a learner first', () => {
    const withLearner = [...members, member(4, { isLearner: true, name: '', clientURLs: [] })];
    const result = plan({ members: withLearner, sightings: new Map([['m3', over], ['m4', over]]), alive: new Set(['m1', 'm2']) });
    assert.equal(result.remove?.id, 'm4');
    assert.match(result.reasons.join('\n'), /node-3 is stale too; one removal per run/);
  });

  it('drops sightings of members that are gone', () => {
    assert.deepEqual(plan({ sightings: new Map([['m9', over]]) }).forget, ['m9']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepsQuorum, planMembership, type MembershipInput, type PeerView } from './membership-plan.js';
import type { Member } from './types.js';

const member = (name: string, n: number, extra: Partial<Member> = {}): Member => ({
  id: `${n}`,
  name,
  peerURLs: [`http://10.0.0.${n}:2380`],
  clientURLs: [`http://10.0.0.${n}:2379`],
  isLearner: false,
  ...extra,
});
const self = { name: 'node-4', peerUrl: 'http://10.0.0.4:2380', clientUrl: 'http://10.0.0.4:2379' };
const urls = (...ns: number[]): Set<string> => new Set(ns.map((n) => `http://10.0.0.${n}:2380`));
/** A complete discovery of the nodes numbered, named node-N. */
const seen = (...ns: number[]): PeerView => ({ peerUrls: urls(...ns), names: new Map(ns.map((n) => [`http://10.0.0.${n}:2380`, `node-${n}`])), complete: true });
const MINUTE = 60_000;

function input(overrides: Partial<MembershipInput>): MembershipInput {
  const members = overrides.members ?? [member('node-1', 1), member('node-2', 2), member('node-3', 3)];
  return { self, members, discovery: seen(1, 3, 4), alive: new Set(['1', '3']), replaceOwn: false, removalsLeft: 1, unstarted: new Map(), now: 10 * MINUTE, unstartedGraceMs: 5 * MINUTE, ...overrides };
}

describe('etcd membership plan', () => {
  it('removes a stale member before adding itself', () => {
    const step = planMembership(input({}));
    assert.equal(step.kind, 'remove');
    assert.equal(step.kind === 'remove' && step.member.name, 'node-2');
  });

  it('adds itself as a learner once nothing is stale', () => {
    assert.equal(planMembership(input({ removalsLeft: 0 })).kind, 'add-self');
    assert.equal(planMembership(input({ discovery: seen(1, 2, 3, 4), alive: new Set(['1', '2', '3']) })).kind, 'add-self');
  });

  it('removes at most one member per run', () => {
    const members = [member('node-1', 1), member('node-2', 2), member('node-3', 3), member('node-5', 5), member('node-6', 6)];
    const step = planMembership(input({ members, discovery: seen(1, 2, 3, 4), alive: new Set(['1', '2', '3']), removalsLeft: 0 }));
    assert.equal(step.kind, 'add-self');
  });

  it('never removes a member so that the started voters fall below quorum', () => {
    // 3 voters, only node-1 alive: removing node-2 leaves 1 alive of 2 voters (quorum 2).
    const step = planMembership(input({ alive: new Set(['1']), discovery: seen(1, 3, 4) }));
    assert.equal(step.kind, 'add-self');
    assert.equal(keepsQuorum([member('a', 1), member('b', 2), member('c', 3)], member('b', 2), new Set(['1'])), false);
  });

  it('reuses its own unstarted entry instead of adding twice', () => {
    const own = member('', 4, { clientURLs: [], isLearner: true });
    const step = planMembership(input({ members: [member('node-1', 1), member('node-3', 3), own], discovery: seen(1, 3, 4) }));
    assert.equal(step.kind, 'reuse-self');
  });

  it('waits for another joiner\'s learner that has not started, and promotes one that has', () => {
    const waiting = member('', 5, { clientURLs: [], isLearner: true });
    const started = member('node-5', 5, { isLearner: true });
    const base = [member('node-1', 1), member('node-3', 3)];
    assert.equal(planMembership(input({ members: [...base, waiting], discovery: seen(1, 3, 4, 5) })).kind, 'wait');
    assert.equal(planMembership(input({ members: [...base, started], discovery: seen(1, 3, 4, 5) })).kind, 'promote-learner');
  });

  it('removes its own old entry first when its data is gone', () => {
    const members = [member('node-1', 1), member('node-4', 4), member('node-3', 3)];
    const step = planMembership(input({ members, replaceOwn: true, alive: new Set(['1', '3']) }));
    assert.ok(step.kind === 'remove' && step.member.name === 'node-4');
  });

  it('keeps a member absent from an incomplete discovery, and says so', () => {
    const step = planMembership(input({ discovery: { ...seen(1, 3, 4), complete: false, incompleteReason: '3 of 5 expected instances are running' } }));
    assert.equal(step.kind, 'add-self');
    assert.match(step.reason, /node-2 kept though not discovered: 3 of 5 expected instances are running/);
    assert.deepEqual(step.kind === 'add-self' && step.kept.map((kept) => kept.name), ['node-2']);
  });

  it('names an unstarted learner by peer URL and node, with the etcdctl hint, while its grace runs', () => {
    const learner = member('', 5, { id: 'abc5', clientURLs: [], isLearner: true });
    const step = planMembership(input({ members: [member('node-1', 1), member('node-3', 3), learner], discovery: seen(1, 3, 4, 5), unstarted: new Map([['abc5', { since: 8 * MINUTE, graceOver: false }]]) }));
    assert.ok(step.kind === 'wait');
    assert.match(step.reason, /learner abc5 \(http:\/\/10\.0\.0\.5:2380, node node-5\) was added but has not started \(first seen 2m ago\)/);
    assert.match(step.reason, /removed once it has been unstarted for etcd\.unstarted_grace \(5m, about 3m from now/);
    assert.equal(step.hint, 'start etcd on node-5, or, if it will not come back, remove the learner now: etcdctl member remove abc5');
  });

  it('removes an unstarted learner once its grace, timed by etcd, is over, whatever this node\'s clock says', () => {
    const learner = member('', 5, { id: 'abc5', clientURLs: [], isLearner: true });
    const members = [member('node-1', 1), member('node-3', 3), learner];
    const over = planMembership(input({ members, discovery: seen(1, 3, 4, 5), removalsLeft: 0, unstarted: new Map([['abc5', { since: 9 * MINUTE, graceOver: true }]]) }));
    assert.ok(over.kind === 'remove-unstarted' && over.member.id === 'abc5', 'not counted against the one stale removal per run');
    assert.match(over.reason, /has not started within etcd\.unstarted_grace \(5m\) of its first sighting, 1m ago/);
    // A clock far ahead of the recording node's does not shorten the grace.
    const skewed = planMembership(input({ members, discovery: seen(1, 3, 4, 5), now: 60 * MINUTE, unstarted: new Map([['abc5', { since: 9 * MINUTE, graceOver: false }]]) }));
    assert.equal(skewed.kind, 'wait');
  });
});

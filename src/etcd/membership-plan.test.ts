import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepsQuorum, planMembership, type MembershipInput } from './membership-plan.js';
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

function input(overrides: Partial<MembershipInput>): MembershipInput {
  const members = overrides.members ?? [member('node-1', 1), member('node-2', 2), member('node-3', 3)];
  return { self, members, discoveredPeerUrls: urls(1, 3, 4), alive: new Set(['1', '3']), replaceOwn: false, removalsLeft: 1, ...overrides };
}

describe('etcd membership plan', () => {
  it('removes a stale member before adding itself', () => {
    const step = planMembership(input({}));
    assert.equal(step.kind, 'remove');
    assert.equal(step.kind === 'remove' && step.member.name, 'node-2');
  });

  it('adds itself as a learner once nothing is stale', () => {
    assert.equal(planMembership(input({ removalsLeft: 0 })).kind, 'add-self');
    assert.equal(planMembership(input({ discoveredPeerUrls: urls(1, 2, 3, 4), alive: new Set(['1', '2', '3']) })).kind, 'add-self');
  });

  it('removes at most one member per run', () => {
    const members = [member('node-1', 1), member('node-2', 2), member('node-3', 3), member('node-5', 5), member('node-6', 6)];
    const step = planMembership(input({ members, discoveredPeerUrls: urls(1, 2, 3, 4), alive: new Set(['1', '2', '3']), removalsLeft: 0 }));
    assert.equal(step.kind, 'add-self');
  });

  it('never removes a member so that the started voters fall below quorum', () => {
    // 3 voters, only node-1 alive: removing node-2 leaves 1 alive of 2 voters (quorum 2).
    const step = planMembership(input({ alive: new Set(['1']), discoveredPeerUrls: urls(1, 3, 4) }));
    assert.equal(step.kind, 'add-self');
    assert.equal(keepsQuorum([member('a', 1), member('b', 2), member('c', 3)], member('b', 2), new Set(['1'])), false);
  });

  it('reuses its own unstarted entry instead of adding twice', () => {
    const own = member('', 4, { clientURLs: [], isLearner: true });
    const step = planMembership(input({ members: [member('node-1', 1), member('node-3', 3), own], discoveredPeerUrls: urls(1, 3, 4) }));
    assert.equal(step.kind, 'reuse-self');
  });

  it('waits for another joiner\'s learner that has not started, and promotes one that has', () => {
    const waiting = member('', 5, { clientURLs: [], isLearner: true });
    const started = member('node-5', 5, { isLearner: true });
    const base = [member('node-1', 1), member('node-3', 3)];
    assert.equal(planMembership(input({ members: [...base, waiting], discoveredPeerUrls: urls(1, 3, 4, 5) })).kind, 'wait');
    assert.equal(planMembership(input({ members: [...base, started], discoveredPeerUrls: urls(1, 3, 4, 5) })).kind, 'promote-learner');
  });

  it('removes its own old entry first when its data is gone', () => {
    const members = [member('node-1', 1), member('node-4', 4), member('node-3', 3)];
    const step = planMembership(input({ members, replaceOwn: true, alive: new Set(['1', '3']) }));
    assert.ok(step.kind === 'remove' && step.member.name === 'node-4');
  });
});

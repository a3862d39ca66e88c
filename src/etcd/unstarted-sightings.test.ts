import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Member } from './types.js';
import { planSightings } from './unstarted-sightings.js';

const self = { name: 'node-4', peerUrl: 'http://10.0.0.4:2380', clientUrl: 'http://10.0.0.4:2379' };
const member = (id: string, n: number, extra: Partial<Member> = {}): Member => ({
  id,
  name: `node-${n}`,
  peerURLs: [`http://10.0.0.${n}:2380`],
  clientURLs: [`http://10.0.0.${n}:2379`],
  isLearner: false,
  ...extra,
});

describe('sightings of unstarted learners', () => {
  it('records the first sighting and keeps it on later reads, so the grace runs from the first node that saw it', () => {
    const learner = member('a5', 5, { name: '', clientURLs: [], isLearner: true });
    const first = planSightings([member('a1', 1), learner], new Map(), self, 1000);
    assert.deepEqual(first.record, ['a5']);
    assert.deepEqual(first.unstarted.get('a5'), { since: 1000, graceOver: false });
    const later = planSightings([member('a1', 1), learner], new Map([['a5', { since: 1000, by: 'node-6', graceOver: true }]]), self, 9000);
    assert.deepEqual(later.record, []);
    assert.deepEqual(later.unstarted.get('a5'), { since: 1000, graceOver: true });
  });

  it('forgets learners that started or left, and never records its own entry or voters', () => {
    const started = member('a5', 5, { isLearner: true });
    const ownUnstarted = member('a4', 4, { name: '', clientURLs: [], isLearner: true });
    const unstartedVoter = member('a6', 6, { clientURLs: [] });
    const known = new Map([
      ['a5', { since: 1, by: 'x', graceOver: false }],
      ['gone', { since: 1, by: 'x', graceOver: true }],
    ]);
    const changes = planSightings([member('a1', 1), started, ownUnstarted, unstartedVoter], known, self, 5);
    assert.deepEqual(changes.record, []);
    assert.deepEqual(changes.forget.sort(), ['a5', 'gone']);
    assert.equal(changes.unstarted.size, 0);
  });
});

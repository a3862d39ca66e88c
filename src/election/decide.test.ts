import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Announcement } from './announcement.js';
import { decide, type ElectionView, type PeerView } from './decide.js';
import { membershipHash, type Member } from './membership.js';

const member = (name: string, id: number): Member => ({ name, id, tiebreak: `${id}`.padStart(16, '0'), ips: [`10.0.0.${id}`], role: '', hostKey: '' });
const a = member('a', 11);
const b = member('b', 12);
const c = member('c', 13);
const d = member('d', 14);

function peer(who: Member, over: Partial<Announcement> = {}): [string, PeerView] {
  return [who.name, { firstSeen: 0, announcement: { ...who, ips: [...who.ips], group: 'g', expect: 3, state: 'candidate', membership: '', leader: '', result: undefined, time: 0, seq: 1, ...over } }];
}

function view(self: Member, peers: [string, PeerView][], over: Partial<ElectionView> = {}): ElectionView {
  return { self, group: 'g', expect: 3, now: 10_000, settleMs: 1000, peers: new Map(peers), otherGroups: [], lastChange: 0, published: new Map(), agreed: undefined, ...over };
}

describe('the election decision', () => {
  const abc = membershipHash([a, b, c]);

  it('waits until expect members are seen and every member announces the same membership; with more than expect, for the settle time too', () => {
    assert.match(JSON.stringify(decide(view(b, [peer(a)]))), /2 of 3 members seen/);
    // Exactly expect, all announcing this set: agreed at once, however recent the last arrival.
    assert.equal(decide(view(b, [peer(a, { membership: abc }), peer(c, { membership: abc })], { lastChange: 9999 })).kind, 'agreed');
    const abcd = membershipHash([a, b, c, d]);
    assert.match(JSON.stringify(decide(view(b, [peer(a, { membership: abcd }), peer(c, { membership: abcd }), peer(d, { membership: abcd })], { lastChange: 9500 }))), /settling: 4 members seen/);
    const disagreeing = decide(view(b, [peer(a, { membership: abc }), peer(c, { membership: 'other' })]));
    assert.equal(disagreeing.kind, 'wait');
    assert.match(disagreeing.kind === 'wait' ? disagreeing.reason : '', /waiting for c to see the same 3 members/);
  });

  it('agrees on the lowest id once all agree; more than expect is fine', () => {
    assert.deepEqual(decide(view(b, [peer(a, { membership: abc }), peer(c, { membership: abc })])), { kind: 'agreed', adopted: false, agreement: { membership: abc, members: [a, b, c], leader: 'a' } });
    const abcd = membershipHash([a, b, c, d]);
    const four = decide(view(d, [peer(a, { membership: abcd }), peer(b, { membership: abcd }), peer(c, { membership: abcd })]));
    assert.equal(four.kind === 'agreed' ? four.agreement.members.length : 0, 4);
  });

  it('adopts a leader announced with a membership this member announced too; a member that never did is late', () => {
    const published = new Map([[abc, [a, b, c]]]);
    const adopted = decide(view(c, [peer(a, { membership: abc, leader: 'a' }), peer(b, { membership: abc }), peer(d, { membership: 'x' })], { published, lastChange: 9999 }));
    assert.deepEqual(adopted, { kind: 'agreed', adopted: true, agreement: { membership: abc, members: [a, b, c], leader: 'a' } });
    assert.deepEqual(decide(view(d, [peer(a, { membership: abc, state: 'leader' })])), { kind: 'late', leader: 'a' });
    assert.deepEqual(decide(view(d, [peer(a, { membership: abc, state: 'done', result: 0 })])), { kind: 'finished', leader: 'a', result: 0, late: true });
  });

  it('finishes with the leader\'s exit code once it says done', () => {
    const agreed = { membership: abc, members: [a, b, c], leader: 'a' };
    assert.deepEqual(decide(view(b, [peer(a, { membership: abc, state: 'done', result: 4 })], { agreed })), { kind: 'finished', leader: 'a', result: 4, late: false });
    assert.deepEqual(decide(view(b, [peer(a, { membership: abc, state: 'leader' })], { agreed })), { kind: 'agreed', adopted: false, agreement: agreed });
  });

  it('stops on a member that expects another count or announces another group, naming it', () => {
    const wrong = decide(view(b, [peer(a, { expect: 5 }), peer(c)]));
    assert.equal(wrong.kind, 'conflict');
    assert.match(wrong.kind === 'conflict' ? wrong.message : '', /a \(10\.0\.0\.11\) expects 5/);
    const [, other] = peer(c, { group: 'h' });
    const group = decide(view(b, [peer(a)], { otherGroups: [other.announcement] }));
    assert.match(group.kind === 'conflict' ? group.message : '', /c \(10\.0\.0\.13\) in h/);
  });
});

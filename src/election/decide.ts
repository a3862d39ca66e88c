import type { Announcement } from './announcement.js';
import { electionOrder, membershipHash, type Member } from './membership.js';

/** A peer's latest valid announcement and when its name was first seen. */
export interface PeerView {
  announcement: Announcement;
  firstSeen: number;
}

export interface Agreement {
  membership: string;
  members: Member[];
  leader: string;
}

export interface ElectionView {
  self: Member;
  group: string;
  expect: number;
  now: number;
  settleMs: number;
  /** Valid, unexpired announcements of this group's other members, by name. */
  peers: ReadonlyMap<string, PeerView>;
  /** Members signed with our secret that announce another group. */
  otherGroups: readonly Announcement[];
  /** When the set of names last changed. */
  lastChange: number;
  /** Every membership this member has announced, by hash: an announced leader is ours only if we announced its membership too. */
  published: ReadonlyMap<string, Member[]>;
  /** Set once agreed (or adopted from a peer): it never changes after. */
  agreed: Agreement | undefined;
}

export type Decision =
  | { kind: 'wait'; reason: string; membership: string; members: Member[] }
  | { kind: 'conflict'; message: string; names: string[] }
  | { kind: 'agreed'; agreement: Agreement; adopted: boolean }
  | { kind: 'finished'; leader: string; result: number; late: boolean }
  | { kind: 'late'; leader: string };

/**
 * One step of the election, a pure function of what this member sees. Agreement, not silence:
 * a leader is chosen only when at least `expect` members are seen, every one of them announces
 * the same membership, and (with more than `expect`) nothing new appeared for the settle time. Once a member has agreed,
 * it announces the leader; a member that announced that same membership adopts it, so all who
 * agreed follow one leader, and one that never saw that membership is late.
 */
export function decide(view: ElectionView): Decision {
  const peers = [...view.peers.values()].map((peer) => peer.announcement);
  const wrongExpect = peers.filter((peer) => peer.expect !== view.expect);
  if (wrongExpect.length > 0) {
    return { kind: 'conflict', names: wrongExpect.map((peer) => peer.name), message: `members expect another count than this one's ${view.expect}: ${wrongExpect.map((peer) => `${peer.name} (${peer.ips.join(', ')}) expects ${peer.expect}`).join('; ')}` };
  }
  if (view.otherGroups.length > 0) {
    return { kind: 'conflict', names: view.otherGroups.map((peer) => peer.name), message: `members signed with this group's secret announce another group than ${view.group}: ${view.otherGroups.map((peer) => `${peer.name} (${peer.ips.join(', ')}) in ${peer.group}`).join('; ')}` };
  }

  // A leader (or a member that agreed on one) announcing a membership.
  for (const peer of peers) {
    if (peer.leader === '' && peer.state === 'candidate') continue;
    const ours = view.agreed?.membership === peer.membership || view.published.has(peer.membership);
    const leader = peer.state === 'candidate' ? peer.leader : peer.name;
    if (!ours) {
      if (peer.state === 'done') return { kind: 'finished', leader, result: peer.result ?? 1, late: true };
      if (peer.state === 'leader') return { kind: 'late', leader };
      continue;
    }
    if (peer.state === 'done' && peer.name === (view.agreed?.leader ?? leader)) return { kind: 'finished', leader: peer.name, result: peer.result ?? 1, late: false };
    if (view.agreed === undefined) {
      const members = view.published.get(peer.membership) ?? [];
      return { kind: 'agreed', adopted: true, agreement: { membership: peer.membership, members, leader } };
    }
  }
  if (view.agreed !== undefined) return { kind: 'agreed', adopted: false, agreement: view.agreed };

  const members = electionOrder([view.self, ...peers.map(memberOf)]);
  const membership = membershipHash(members);
  if (members.length < view.expect) return { kind: 'wait', reason: `${members.length} of ${view.expect} members seen`, membership, members };
  // With exactly expect members, the unanimity below is the agreement: every one of them
  // announcing this membership means every one sees this very set. Only with more than expect
  // may the set still be growing (more masters than expected, booting over a few seconds): then
  // it must stay still for the settle time first.
  const quiet = view.now - view.lastChange;
  if (members.length > view.expect && quiet < view.settleMs) return { kind: 'wait', reason: `settling: ${members.length} members seen, waiting ${view.settleMs} ms for no more to appear`, membership, members };
  const disagreeing = peers.filter((peer) => peer.membership !== membership);
  if (disagreeing.length > 0) return { kind: 'wait', reason: `waiting for ${disagreeing.map((peer) => peer.name).join(', ')} to see the same ${members.length} members`, membership, members };
  const leader = members[0] as Member;
  return { kind: 'agreed', adopted: false, agreement: { membership, members, leader: leader.name } };
}

export function memberOf(announcement: Announcement): Member {
  return { name: announcement.name, id: announcement.id, tiebreak: announcement.tiebreak, ips: announcement.ips, role: announcement.role, hostKey: announcement.hostKey };
}

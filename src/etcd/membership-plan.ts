import { isStarted, quorum, type Member, type SelfUrls } from './types.js';

export interface MembershipInput {
  self: SelfUrls;
  /** The member list read under the join lock. */
  members: readonly Member[];
  /** Peer URLs of every peer of a successful discovery. */
  discoveredPeerUrls: ReadonlySet<string>;
  /** Ids of members that answered a probe as members of this cluster just now. */
  alive: ReadonlySet<string>;
  /** This node's own entry has run before but its data is gone: it must be replaced. */
  replaceOwn: boolean;
  /** Removals still allowed in this run (the rule is at most one). */
  removalsLeft: number;
}

export type MembershipStep =
  | { kind: 'remove'; member: Member; reason: string }
  | { kind: 'promote-learner'; member: Member; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'add-self'; reason: string }
  | { kind: 'reuse-self'; member: Member; reason: string };

const label = (member: Member): string => member.name || `unstarted member ${member.id}`;

/**
 * The next change to the member list for this node to join, decided under the join lock.
 * Called again after each change until it says add-self or reuse-self. Pure.
 *
 * Rules: stale members (absent from a successful discovery) are removed, at most one per run
 * and never so that the started voting members fall below quorum; this node is added as a
 * learner (etcd 3.4 allows one learner at a time, so an in-sync learner of another joiner is
 * promoted first, or waited for); an entry that already carries this node's peer URL is reused,
 * never added twice.
 */
export function planMembership(input: MembershipInput): MembershipStep {
  const ownEntry = input.members.find((member) => member.peerURLs.includes(input.self.peerUrl));
  const others = input.members.filter((member) => member !== ownEntry);

  if (ownEntry && input.replaceOwn) {
    if (input.removalsLeft < 1) return { kind: 'wait', reason: 'own stale entry to replace, but no removal left in this run' };
    if (!keepsQuorum(input.members, ownEntry, input.alive)) {
      return { kind: 'wait', reason: `removing this node's old entry ${label(ownEntry)} would leave the cluster without quorum` };
    }
    return { kind: 'remove', member: ownEntry, reason: `this node's old entry ${label(ownEntry)} has no data behind it any more` };
  }

  const stale = others
    .filter((member) => !member.peerURLs.some((url) => input.discoveredPeerUrls.has(url)))
    .sort(stalenessOrder(input.alive));
  const removable = stale.find((member) => keepsQuorum(input.members, member, input.alive));
  const blockingLearner = others.find((member) => member.isLearner);

  if (input.removalsLeft > 0 && removable) {
    // A stale learner blocks our own add, and a stale voter weakens quorum: both go first.
    return { kind: 'remove', member: removable, reason: `${label(removable)} (${removable.peerURLs.join(', ')}) is not among the discovered peers` };
  }
  if (blockingLearner) {
    if (isStarted(blockingLearner)) {
      return { kind: 'promote-learner', member: blockingLearner, reason: `learner ${label(blockingLearner)} must be promoted before another can be added` };
    }
    return { kind: 'wait', reason: `learner ${label(blockingLearner)} was added but has not started yet; etcd allows one learner at a time` };
  }
  if (ownEntry) {
    return { kind: 'reuse-self', member: ownEntry, reason: `this node's peer URL is already a member (${ownEntry.id}): reuse it, never add twice` };
  }
  return { kind: 'add-self', reason: `add ${input.self.name} (${input.self.peerUrl}) as a learner` };
}

/** Would the started voters that are alive still make a quorum without `member`? */
export function keepsQuorum(members: readonly Member[], member: Member, alive: ReadonlySet<string>): boolean {
  if (member.isLearner) return true;
  const voters = members.filter((candidate) => !candidate.isLearner);
  const aliveVotersAfter = voters.filter((candidate) => candidate !== member && alive.has(candidate.id) && isStarted(candidate)).length;
  return aliveVotersAfter >= quorum(voters.length - 1);
}

/** Dead before alive, learners before voters, then by name: the least harmful removal first. */
function stalenessOrder(alive: ReadonlySet<string>) {
  return (a: Member, b: Member): number =>
    Number(alive.has(a.id)) - Number(alive.has(b.id)) || Number(a.isLearner ? 0 : 1) - Number(b.isLearner ? 0 : 1) || label(a).localeCompare(label(b));
}

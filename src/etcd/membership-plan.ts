import { formatDuration } from '../core/duration.js';
import { isStarted, quorum, type Member, type SelfUrls } from './types.js';
import type { UnstartedLearner } from './unstarted-sightings.js';
import { compareText } from '../core/compare-text.js';

/** The peers as a discovery taken under the join lock sees them. */
export interface PeerView {
  /** Peer URLs of every discovered peer. */
  peerUrls: ReadonlySet<string>;
  /** Node names by peer URL, for messages about members that have no name yet. */
  names: ReadonlyMap<string, string>;
  /** The platform vouches for the whole group: only then is a member absent from it stale. */
  complete: boolean;
  incompleteReason?: string;
}

export interface MembershipInput {
  self: SelfUrls;
  /** The member list read under the join lock. */
  members: readonly Member[];
  /** A discovery taken under the join lock, after every earlier joiner released it. */
  discovery: PeerView;
  /** Ids of members that answered a probe as members of this cluster just now. */
  alive: ReadonlySet<string>;
  /** This node's own entry has run before but its data is gone: it must be replaced. */
  replaceOwn: boolean;
  /** Removals of stale members still allowed in this run (the rule is at most one). */
  removalsLeft: number;
  /** Each unstarted learner: when a muster first saw it, and whether its grace (timed by etcd) is over. */
  unstarted: ReadonlyMap<string, UnstartedLearner>;
  /** For messages: how long ago a learner was first seen (the decision is the grace's). */
  now: number;
  /** How long a learner may stay unstarted before a joiner removes it (etcd.unstarted_grace). */
  unstartedGraceMs: number;
}

export type MembershipStep =
  | { kind: 'remove'; member: Member; reason: string }
  | { kind: 'remove-unstarted'; member: Member; reason: string }
  | { kind: 'promote-learner'; member: Member; reason: string }
  | { kind: 'wait'; reason: string; hint?: string }
  | { kind: 'add-self'; reason: string; /** Members absent from an incomplete discovery, kept: they may be stale. */ kept: readonly Member[] }
  | { kind: 'reuse-self'; member: Member; reason: string };

const label = (member: Member): string => member.name || `unstarted member ${member.id}`;

/**
 * The next change to the member list for this node to join, decided under the join lock.
 * Called again after each change until it says add-self or reuse-self. Pure.
 *
 * Rules: stale members (absent from a successful, complete discovery taken under the lock, so a
 * node that joined while this one waited is never one) are removed, at most one per run and never
 * so that the started voting members fall below quorum; this node is added as a learner (etcd 3.4
 * allows one learner at a time, so an in-sync learner of another joiner is promoted first, an
 * unstarted one waited for, and removed once it has stayed unstarted for the grace period); an
 * entry that already carries this node's peer URL is reused, never added twice.
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

  const absent = others.filter((member) => !member.peerURLs.some((url) => input.discovery.peerUrls.has(url)));
  const stale = input.discovery.complete ? [...absent].sort(stalenessOrder(input.alive)) : [];
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
    return unstartedLearnerStep(blockingLearner, input);
  }
  if (ownEntry) {
    return { kind: 'reuse-self', member: ownEntry, reason: `this node's peer URL is already a member (${ownEntry.id}): reuse it, never add twice` };
  }
  const kept = input.discovery.complete ? [] : absent;
  const note = kept.length > 0 ? `; ${kept.map(label).join(', ')} kept though not discovered: ${input.discovery.incompleteReason ?? 'the discovery is incomplete'}` : '';
  return { kind: 'add-self', reason: `add ${input.self.name} (${input.self.peerUrl}) as a learner${note}`, kept };
}

/**
 * Another node's learner that was added but never started: etcd takes no second learner until it
 * is promoted, so every later join waits. It holds no data and no vote, so once it has been seen
 * unstarted for the whole grace period it is removed; until then the wait names it.
 */
function unstartedLearnerStep(learner: Member, input: MembershipInput): MembershipStep {
  const peerUrl = learner.peerURLs[0] ?? '?';
  const node = input.discovery.names.get(peerUrl);
  const who = `learner ${learner.id} (${peerUrl}${node === undefined ? ', a node not among the discovered peers' : `, node ${node}`})`;
  const sighting = input.unstarted.get(learner.id) ?? { since: input.now, graceOver: false };
  const seenFor = formatDuration(Math.max(0, input.now - sighting.since));
  if (sighting.graceOver) {
    return {
      kind: 'remove-unstarted',
      member: learner,
      reason: `${who} has not started within etcd.unstarted_grace (${formatDuration(input.unstartedGraceMs)}) of its first sighting, ${seenFor} ago: remove it; it holds no data and no vote`,
    };
  }
  const left = Math.max(0, input.unstartedGraceMs - (input.now - sighting.since));
  return {
    kind: 'wait',
    reason: `${who} was added but has not started (first seen ${seenFor} ago); etcd allows one learner at a time, so this join waits; it is removed once it has been unstarted for etcd.unstarted_grace (${formatDuration(input.unstartedGraceMs)}, about ${formatDuration(left)} from now, by whichever muster joins then)`,
    hint: `start etcd on ${node ?? `the node at ${peerUrl}`}, or, if it will not come back, remove the learner now: etcdctl member remove ${learner.id}`,
  };
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
    Number(alive.has(a.id)) - Number(alive.has(b.id)) || Number(a.isLearner ? 0 : 1) - Number(b.isLearner ? 0 : 1) || compareText(label(a), label(b));
}

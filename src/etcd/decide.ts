import { MusterError } from '../core/errors.js';
import { clusterToken, formatInitialCluster, initialClusterFromMembers, sortInitialCluster, type InitialMember } from './initial-cluster.js';
import { isStarted, type LocalData, type Member, type ProbeResult, type SelfUrls } from './types.js';

export interface DecideInput {
  self: SelfUrls;
  /** Every discovered peer (this node included) with its peer URL. */
  peers: readonly InitialMember[];
  discoveryComplete: boolean;
  incompleteReason?: string;
  probes: readonly ProbeResult[];
  local: LocalData;
}

/** What to do with the node's data dir before etcd starts. */
export type DataDirAction = 'keep' | 'none' | 'set-aside';

export type Decision =
  | { action: 'wait'; reasons: string[] }
  | { action: 'create'; initialCluster: InitialMember[]; token: string; dataDir: DataDirAction; reasons: string[] }
  | { action: 'restart'; clusterId: string; members: readonly Member[]; dataDir: 'keep'; reasons: string[] }
  | {
      action: 'start-bootstrap';
      clusterId: string;
      state: 'new' | 'existing';
      initialCluster: InitialMember[];
      token: string;
      dataDir: DataDirAction;
      reasons: string[];
    }
  | { action: 'join'; clusterId: string; members: readonly Member[]; replaceOwn: boolean; dataDir: DataDirAction; reasons: string[] };

/**
 * Decides, from a discovery and one probe of every peer, whether this node creates a cluster,
 * joins one, restarts in one, or must wait. Pure: the same observations give the same decision
 * on every node, which is what lets simultaneously booting nodes agree without talking.
 */
export function decide(input: DecideInput): Decision {
  const unknown = input.probes.filter((probe) => probe.kind === 'unknown');
  if (unknown.length > 0) {
    return {
      action: 'wait',
      reasons: unknown.map((probe) => `peer ${probe.peer} (${probe.url}) did not answer: ${probe.kind === 'unknown' ? probe.detail : ''}`),
    };
  }
  const clusters = groupByCluster(input.probes);
  if (clusters.size > 1) throw splitBrain(clusters);

  const [entry] = clusters;
  if (entry === undefined) return decideWithoutCluster(input);
  const [clusterId, answers] = entry;
  return decideWithCluster(input, clusterId, membersOf(answers));
}

function decideWithoutCluster(input: DecideInput): Decision {
  const nobody = 'no peer runs etcd (every peer refused the connection)';
  if (input.local.kind === 'present') {
    return {
      action: 'restart',
      clusterId: input.local.clusterId,
      members: [],
      dataDir: 'keep',
      reasons: [nobody, `this node's data dir belongs to cluster ${input.local.clusterId}: start with it (a whole-cluster restart)`],
    };
  }
  if (input.local.kind === 'unreadable') throw unreadableData(input.local.detail);
  if (!input.discoveryComplete) {
    return {
      action: 'wait',
      reasons: [nobody, `discovery is incomplete (${input.incompleteReason ?? 'the platform does not vouch for the peer list'}); a new cluster is only created when every expected peer is seen`],
    };
  }
  const initialCluster = sortInitialCluster(input.peers);
  return {
    action: 'create',
    initialCluster,
    token: clusterToken(initialCluster),
    dataDir: 'none',
    reasons: [nobody, `all ${initialCluster.length} expected peers seen: create cluster ${formatInitialCluster(initialCluster)}`],
  };
}

function decideWithCluster(input: DecideInput, clusterId: string, members: readonly Member[]): Decision {
  const reasons: string[] = [];
  const own = members.find((member) => member.peerURLs.includes(input.self.peerUrl));
  let dataDir: DataDirAction = 'none';
  if (input.local.kind === 'unreadable') throw unreadableData(input.local.detail);
  if (input.local.kind === 'present') {
    if (input.local.clusterId === clusterId && own?.id === input.local.memberId) {
      return {
        action: 'restart',
        clusterId,
        members,
        dataDir: 'keep',
        reasons: [`cluster ${clusterId} exists and this node's data dir is its member ${own.name || own.id}: keep it and start`],
      };
    }
    dataDir = 'set-aside';
    reasons.push(
      input.local.clusterId === clusterId
        ? `this node's data dir is of member ${input.local.memberId}, which cluster ${clusterId} no longer has: set it aside and join afresh`
        : `this node's data dir belongs to cluster ${input.local.clusterId}, not to cluster ${clusterId} that the peers run: set it aside and join`,
    );
  }

  const started = members.filter(isStarted);
  if (own && !isStarted(own) && own.name !== '') {
    // The cluster was bootstrapped with this node in its initial cluster, and it never started.
    if (started.length === 0) {
      // Nobody has started, so the membership cannot have changed since the bootstrap (a change
      // needs a quorum of started members): the member list is the original initial cluster, and
      // the same token gives the same cluster id the other members compute.
      const original = sortInitialCluster(members.flatMap((member) => member.peerURLs.slice(0, 1).map((peerUrl) => ({ name: member.name, peerUrl }))));
      reasons.push(`cluster ${clusterId} is bootstrapping with this node as ${own.name} and no member has started yet: start with the original initial cluster`);
      return { action: 'start-bootstrap', clusterId, state: 'new', initialCluster: original, token: clusterToken(original), dataDir, reasons };
    }
    // Others have started and the membership may have changed since (a member replaced, one
    // added): a recomputed initial cluster would give another token and another cluster id, and
    // etcd would loop on "cluster ID mismatch". As an existing member, etcd takes the cluster
    // from its peers instead; the initial cluster must then list the members as they are now.
    const namesByPeerUrl = new Map(input.peers.map((peer) => [peer.peerUrl, peer.name]));
    const initialCluster = initialClusterFromMembers(members, { name: input.self.name, peerUrl: input.self.peerUrl }, namesByPeerUrl);
    reasons.push(`cluster ${clusterId} lists this node as ${own.name}, which never started, and ${started.length} member${started.length === 1 ? ' has' : 's have'} started: start as an existing member`);
    return { action: 'start-bootstrap', clusterId, state: 'existing', initialCluster, token: `muster-${clusterId}`, dataDir, reasons };
  }
  if (started.length === 0) {
    return { action: 'wait', reasons: [...reasons, `cluster ${clusterId} has no started member yet, so it cannot take a new member`] };
  }
  const replaceOwn = own !== undefined && isStarted(own);
  reasons.push(
    replaceOwn
      ? `cluster ${clusterId} has member ${own.name || own.id} at this node's peer URL, which has run before, but this node has no data for it: replace it and join as a learner`
      : `cluster ${clusterId} exists (${started.length} started member${started.length === 1 ? '' : 's'}): join it`,
  );
  return { action: 'join', clusterId, members, replaceOwn, dataDir, reasons };
}

function groupByCluster(probes: readonly ProbeResult[]): Map<string, Extract<ProbeResult, { kind: 'member' }>[]> {
  const clusters = new Map<string, Extract<ProbeResult, { kind: 'member' }>[]>();
  for (const probe of probes) {
    if (probe.kind !== 'member') continue;
    clusters.set(probe.clusterId, [...(clusters.get(probe.clusterId) ?? []), probe]);
  }
  return clusters;
}

/** The member list of the answer that knows most members (answers can lag a member add). */
function membersOf(answers: readonly Extract<ProbeResult, { kind: 'member' }>[]): readonly Member[] {
  return answers.reduce((best, answer) => (answer.members.length > best.length ? answer.members : best), [] as readonly Member[]);
}

function splitBrain(clusters: Map<string, Extract<ProbeResult, { kind: 'member' }>[]>): MusterError {
  const described = [...clusters].map(([id, answers]) => `cluster ${id}: ${answers.map((answer) => answer.peer).join(', ')}`);
  return new MusterError(`split brain: the peers run ${clusters.size} different etcd clusters (${described.join('; ')})`, {
    code: 'ETCD_SPLIT_BRAIN',
    kind: 'unsafe',
    details: described,
    hint: 'muster will not pick one. Decide which cluster holds the data you want, stop etcd on the members of the other and move their data dirs aside, then run muster again',
  });
}

function unreadableData(detail: string): MusterError {
  return new MusterError(`this node's etcd data dir exists but muster cannot tell which cluster it belongs to: ${detail}`, {
    code: 'ETCD_DATA_UNREADABLE',
    kind: 'unsafe',
    hint: 'inspect it (etcdutl or etcd-dump-logs); move it aside by hand if it holds nothing you need, then run muster again',
  });
}

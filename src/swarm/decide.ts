import type { EngineSwarmInfo } from './engine-types.js';
import type { StoredSwarm } from './record.js';

/** This engine's swarm state, from `GET /info`. */
export interface LocalSwarm {
  state: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
  nodeId: string;
  /** Only a manager's engine knows the cluster id. */
  clusterId?: string;
  controlAvailable: boolean;
  /** Managers this node is connected to (ip:port), as its engine reports them. */
  remoteManagers: string[];
  error: string;
}

export type SwarmDecision =
  | { action: 'init'; reason: string }
  | { action: 'join'; token: 'manager' | 'worker'; clusterId: string; reason: string }
  | { action: 'adopt'; clusterId: string; reason: string }
  | { action: 'member'; clusterId: string; reason: string }
  | { action: 'wait'; reason: string }
  | { action: 'refuse'; code: string; reason: string; hint: string };

export function localSwarm(info: EngineSwarmInfo): LocalSwarm {
  const known = ['inactive', 'pending', 'active', 'error', 'locked'] as const;
  const state = known.find((candidate) => candidate === info.LocalNodeState) ?? 'inactive';
  return {
    state,
    nodeId: info.NodeID,
    ...(info.Cluster?.ID ? { clusterId: info.Cluster.ID } : {}),
    controlAvailable: info.ControlAvailable,
    remoteManagers: (info.RemoteManagers ?? []).map((manager) => manager.Addr),
    error: info.Error,
  };
}

/**
 * What this node does about the swarm. Pure; decided once without the lock and again under it,
 * on a fresh read, before anything changes.
 *
 * Rules: the cluster's swarm is the one recorded in etcd. With no record, only a manager inits
 * (the lock makes it one manager; once recorded nobody inits again); a worker waits for the
 * record. A node in the recorded swarm does nothing; a node in another swarm stops (leaving it
 * would drop its tasks: that is the operator's call). A manager already in a swarm muster has no
 * record of (formed by the seed's bootstrap.sh) adopts it, so moving over keeps the swarm.
 */
export function decideSwarm(input: { role: 'manager' | 'worker'; local: LocalSwarm; stored: StoredSwarm }): SwarmDecision {
  const { role, local, stored } = input;
  const record = stored.record;
  switch (local.state) {
    case 'locked':
      return {
        action: 'refuse',
        code: 'SWARM_LOCKED',
        reason: 'this engine\'s swarm is locked (autolock): it cannot take part until it is unlocked',
        hint: 'run `docker swarm unlock` with the unlock key, then boot again',
      };
    case 'error':
      return {
        action: 'refuse',
        code: 'SWARM_ENGINE_ERROR',
        reason: `this engine reports a swarm error: ${local.error || 'no detail'}`,
        hint: 'see journalctl -u docker; `docker swarm leave --force` resets the node if it holds nothing you need',
      };
    case 'pending':
      return { action: 'wait', reason: 'this engine is still joining a swarm (pending); waiting for it to finish' };
    case 'inactive':
      if (!record) {
        if (role === 'worker') return { action: 'wait', reason: 'no swarm is recorded in etcd yet: waiting for a manager to form it' };
        return { action: 'init', reason: 'no swarm is recorded in etcd and this engine is in none: this manager forms it (under the swarm lock)' };
      }
      if (stored.tokens[role] === undefined) return { action: 'wait', reason: `swarm ${record.cluster_id} is recorded but its ${role} join token is not stored yet; a manager's next boot stores it` };
      return { action: 'join', token: role, clusterId: record.cluster_id, reason: `swarm ${record.cluster_id} is recorded (formed by ${record.leader.name}): join it as a ${role}` };
    case 'active':
      return activeDecision(role, local, stored);
  }
}

function activeDecision(role: 'manager' | 'worker', local: LocalSwarm, stored: StoredSwarm): SwarmDecision {
  const record = stored.record;
  if (local.clusterId !== undefined) {
    if (!record) {
      if (role === 'manager' && local.controlAvailable) {
        return { action: 'adopt', clusterId: local.clusterId, reason: `this manager is in swarm ${local.clusterId}, which muster has no record of (formed before muster): record it as the cluster's swarm` };
      }
      return { action: 'wait', reason: `this engine is in swarm ${local.clusterId} but none is recorded in etcd yet: waiting for a manager to record one` };
    }
    if (local.clusterId === record.cluster_id) return { action: 'member', clusterId: record.cluster_id, reason: `already in swarm ${record.cluster_id}: nothing to join` };
    return anotherSwarm(`swarm ${local.clusterId}`, record.cluster_id);
  }
  // A worker's engine does not know the cluster id: it is this swarm's when it is connected to
  // one of this swarm's managers.
  if (!record) return { action: 'wait', reason: 'this engine is in a swarm but none is recorded in etcd yet: waiting for a manager to record one' };
  const ours = new Set([...stored.managers, record.leader.addr]);
  if (local.remoteManagers.some((addr) => ours.has(addr))) return { action: 'member', clusterId: record.cluster_id, reason: `already in swarm ${record.cluster_id} (connected to its managers): nothing to join` };
  return anotherSwarm(`a swarm whose managers are ${local.remoteManagers.join(', ') || 'unknown'}`, record.cluster_id, [...ours]);
}

function anotherSwarm(what: string, recorded: string, managers?: string[]): SwarmDecision {
  return {
    action: 'refuse',
    code: 'SWARM_OTHER_CLUSTER',
    reason: `this engine is in ${what}, not in this cluster's swarm ${recorded}${managers ? ` (managers ${managers.join(', ')})` : ''}`,
    hint: 'muster never moves a node between swarms (its tasks would stop): if this node belongs to this cluster, run `docker swarm leave --force` on it, then boot again',
  };
}

import type { EngineNode, EngineSwarm } from './engine-types.js';
import { isReachableManager, planStaleManagers } from './quorum-plan.js';
import type { StoredSwarm } from './record.js';

export interface MaintenanceInput {
  /** Read on this node (a manager) just now. */
  swarm: EngineSwarm;
  nodes: readonly EngineNode[];
  stored: StoredSwarm;
  discovered: ReadonlySet<string>;
  selfId: string;
  /** swarm.managers: how many managers the swarm should have. */
  target: number;
  rotateTokens: boolean;
}

export interface MaintenancePlan {
  remove?: EngineNode;
  rotate: boolean;
  /** The engine's tokens differ from the stored ones (a rotation elsewhere, an adopted swarm, a lost write). */
  storeTokens: boolean;
  /** The reachable managers' addresses, when they differ from the stored list. */
  storeManagers?: string[];
  reasons: string[];
}

export function reachableManagerAddrs(nodes: readonly EngineNode[]): string[] {
  return [...new Set(nodes.filter(isReachableManager).map((node) => node.ManagerStatus?.Addr ?? '').filter((addr) => addr !== ''))].sort();
}

/**
 * What a manager of the recorded swarm keeps in order at each boot. Pure. Nothing here means the
 * run takes no lock and writes nothing, so a second boot changes nothing.
 */
export function planMaintenance(input: MaintenanceInput): MaintenancePlan {
  const stale = planStaleManagers({ nodes: input.nodes, discovered: input.discovered, selfId: input.selfId });
  const reasons = [...stale.reasons];
  const remaining = stale.remove ? input.nodes.filter((node) => node !== stale.remove) : input.nodes;
  const addrs = reachableManagerAddrs(remaining);
  const reachable = addrs.length;
  let rotate = false;
  if (input.rotateTokens && !input.stored.rotated) {
    if (reachable >= input.target) {
      rotate = true;
      reasons.push(`${reachable} managers are reachable (swarm.managers ${input.target}): rotate both join tokens, once`);
    } else reasons.push(`join tokens rotate once ${input.target} managers are reachable (${reachable} now)`);
  }
  const tokens = input.swarm.JoinTokens;
  const storeTokens = tokens.Manager !== input.stored.tokens.manager || tokens.Worker !== input.stored.tokens.worker;
  if (storeTokens && !rotate) reasons.push('the join tokens stored in etcd are not the swarm\'s current ones: store them');
  const changed = addrs.join(',') !== [...input.stored.managers].sort().join(',');
  if (changed) reasons.push(`the reachable managers are ${addrs.join(', ') || 'none'} (stored: ${input.stored.managers.join(', ') || 'none'}): store them for joiners`);
  return {
    ...(stale.remove ? { remove: stale.remove } : {}),
    rotate,
    storeTokens: storeTokens || rotate,
    ...(changed ? { storeManagers: addrs } : {}),
    reasons,
  };
}

export function maintenanceNeeded(plan: MaintenancePlan): boolean {
  return plan.remove !== undefined || plan.rotate || plan.storeTokens || plan.storeManagers !== undefined;
}

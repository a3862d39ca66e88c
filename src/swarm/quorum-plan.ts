import type { EngineNode } from './engine-types.js';
import { compareText } from '../core/compare-text.js';

/** Raft's majority of `managers` voters. */
export function quorum(managers: number): number {
  return Math.floor(managers / 2) + 1;
}

export interface StaleManagerInput {
  nodes: readonly EngineNode[];
  /** Addresses (ip) of every node a successful discovery lists. */
  discovered: ReadonlySet<string>;
  /** This node's id: it never removes itself. */
  selfId: string;
}

export interface StaleManagerPlan {
  /** At most one manager to demote and remove in this run. */
  remove?: EngineNode;
  reasons: string[];
}

export function isManager(node: EngineNode): boolean {
  return node.Spec.Role === 'manager' || (node.ManagerStatus !== undefined && node.ManagerStatus !== null);
}

export function isReachableManager(node: EngineNode): boolean {
  return node.ManagerStatus?.Reachability === 'reachable';
}

/** "127.0.0.1:2377" → "127.0.0.1"; "[::1]:2377" → "::1". */
export function hostOf(addr: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(addr);
  if (bracketed) return bracketed[1] ?? addr;
  const colon = addr.lastIndexOf(':');
  return colon > 0 && addr.indexOf(':') === colon ? addr.slice(0, colon) : addr;
}

const label = (node: EngineNode): string => `${node.Description?.Hostname ?? node.ID} (${node.ManagerStatus?.Addr ?? node.Status.Addr ?? 'no address'}, ${node.ID})`;

/**
 * Which dead manager to take out of the raft. Pure; the same rule as etcd's stale removal.
 *
 * A manager goes when the swarm itself has given up on it (status down and unreachable: its
 * heartbeats stopped) and no successful discovery lists its address, or a newer manager now
 * answers on that address (a replacement with the same IP). It goes only while the reachable
 * managers are a quorum of the current raft: the demotion must commit, and afterwards they still
 * are one. One removal per run, so every change is seen by the next decision.
 */
export function planStaleManagers(input: StaleManagerInput): StaleManagerPlan {
  const managers = input.nodes.filter(isManager);
  const reachable = managers.filter(isReachableManager);
  const reachableHosts = new Set(reachable.map((node) => hostOf(node.ManagerStatus?.Addr ?? '')));
  const plan: StaleManagerPlan = { reasons: [] };
  const candidates = [...managers].filter((node) => node.ID !== input.selfId && !isReachableManager(node)).sort((a, b) => compareText(label(a), label(b)));
  for (const node of candidates) {
    const host = hostOf(node.ManagerStatus?.Addr ?? node.Status.Addr ?? '');
    const down = node.Status.State === 'down' && node.ManagerStatus?.Reachability === 'unreachable';
    const taken = reachableHosts.has(host);
    if (!down) {
      plan.reasons.push(`manager ${label(node)} is ${node.Status.State}/${node.ManagerStatus?.Reachability ?? 'unknown'}, not down: it stays (it may be restarting)`);
      continue;
    }
    if (input.discovered.has(host) && !taken) {
      plan.reasons.push(`manager ${label(node)} is down but discovery still lists ${host}: it stays (the machine may come back)`);
      continue;
    }
    if (plan.remove) {
      plan.reasons.push(`manager ${label(node)} is stale too; one removal per run: the next boot of a manager removes it`);
      continue;
    }
    if (reachable.length < quorum(managers.length)) {
      plan.reasons.push(`manager ${label(node)} is stale, but only ${reachable.length} of ${managers.length} managers are reachable, less than a quorum (${quorum(managers.length)}): left alone`);
      continue;
    }
    plan.remove = node;
    plan.reasons.push(`manager ${label(node)} is down and ${taken ? `${host} is now another manager's address` : 'no discovery lists it'}: demote and remove it (${reachable.length} of ${managers.length} reachable, ${reachable.length} of ${managers.length - 1} after)`);
  }
  return plan;
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineNode } from './engine-types.js';
import { hostOf, planStaleManagers } from './quorum-plan.js';

function node(id: string, ip: string, state: 'ready' | 'down', reachability: 'reachable' | 'unreachable' | null): EngineNode {
  return {
    ID: id,
    Version: { Index: 1 },
    Spec: { Role: reachability === null ? 'worker' : 'manager', Availability: 'active' },
    Status: { State: state, Addr: '127.0.0.1' },
    ...(reachability === null ? {} : { ManagerStatus: { Reachability: reachability, Addr: `${ip}:2377` } }),
  };
}

const discovered = (...ips: string[]): Set<string> => new Set(ips);

describe('stale swarm managers', () => {
  it('removes a manager that is down and no discovery lists, when the others keep a quorum', () => {
    const nodes = [node('a', '10.0.0.1', 'ready', 'reachable'), node('b', '10.0.0.2', 'ready', 'reachable'), node('c', '10.0.0.3', 'down', 'unreachable'), node('d', '10.0.0.4', 'ready', 'reachable')];
    assert.equal(planStaleManagers({ nodes, discovered: discovered('10.0.0.1', '10.0.0.2', '10.0.0.4'), selfId: 'a' }).remove?.ID, 'c');
  });

  it('keeps a down manager that discovery still lists (it may come back)', () => {
    const nodes = [node('a', '10.0.0.1', 'ready', 'reachable'), node('b', '10.0.0.2', 'ready', 'reachable'), node('c', '10.0.0.3', 'down', 'unreachable')];
    const plan = planStaleManagers({ nodes, discovered: discovered('10.0.0.1', '10.0.0.2', '10.0.0.3'), selfId: 'a' });
    assert.equal(plan.remove, undefined);
    assert.match(plan.reasons.join('\n'), /discovery still lists 10\.0\.0\.3/);
  });

  it('removes a down manager whose address a newer reachable manager now has (a replacement with the same IP)', () => {
    const nodes = [node('a', '10.0.0.1', 'ready', 'reachable'), node('b', '10.0.0.2', 'ready', 'reachable'), node('old', '10.0.0.3', 'down', 'unreachable'), node('new', '10.0.0.3', 'ready', 'reachable')];
    assert.equal(planStaleManagers({ nodes, discovered: discovered('10.0.0.1', '10.0.0.2', '10.0.0.3'), selfId: 'a' }).remove?.ID, 'old');
  });

  it('never removes when the reachable managers are not a quorum of the raft', () => {
    // 5 managers, 2 reachable: the demotion could not commit, and removing would not help.
    const nodes = [node('a', '10.0.0.1', 'ready', 'reachable'), node('b', '10.0.0.2', 'ready', 'reachable'), node('c', '10.0.0.3', 'down', 'unreachable'), node('d', '10.0.0.4', 'down', 'unreachable'), node('e', '10.0.0.5', 'down', 'unreachable')];
    const plan = planStaleManagers({ nodes, discovered: discovered('10.0.0.1', '10.0.0.2'), selfId: 'a' });
    assert.equal(plan.remove, undefined);
    assert.match(plan.reasons.join('\n'), /only 2 of 5 managers are reachable, less than a quorum \(3\)/);
  });

  it('removes one per run, never itself, never a manager that is only unreachable for now, and no worker', () => {
    const nodes = [
      node('a', '10.0.0.1', 'ready', 'reachable'),
      node('b', '10.0.0.2', 'ready', 'reachable'),
      node('c', '10.0.0.3', 'ready', 'reachable'),
      node('g', '10.0.0.7', 'ready', 'reachable'),
      node('h', '10.0.0.8', 'ready', 'reachable'),
      node('d', '10.0.0.4', 'down', 'unreachable'),
      node('e', '10.0.0.5', 'down', 'unreachable'),
      node('f', '10.0.0.6', 'ready', 'unreachable'),
      node('w', '10.0.0.9', 'down', null),
    ];
    const plan = planStaleManagers({ nodes, discovered: discovered('10.0.0.1'), selfId: 'a' });
    assert.equal(plan.remove?.ID, 'd');
    assert.match(plan.reasons.join('\n'), /one removal per run/);
    assert.match(plan.reasons.join('\n'), /is ready\/unreachable, not down/);
    assert.equal(planStaleManagers({ nodes: [node('a', '10.0.0.1', 'down', 'unreachable'), node('b', '10.0.0.2', 'ready', 'reachable'), node('c', '10.0.0.3', 'ready', 'reachable')], discovered: discovered(), selfId: 'a' }).remove, undefined);
  });

  it('reads the host of ip:port and [ipv6]:port', () => {
    assert.equal(hostOf('10.0.0.1:2377'), '10.0.0.1');
    assert.equal(hostOf('[2001:db8::1]:2377'), '2001:db8::1');
    assert.equal(hostOf('2001:db8::1'), '2001:db8::1');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineNode, EngineSwarm } from './engine-types.js';
import { joinCandidates } from './join-addresses.js';
import { maintenanceNeeded, planMaintenance, type MaintenanceInput } from './maintenance-plan.js';
import type { StoredSwarm } from './record.js';

const manager = (id: string, ip: string): EngineNode => ({
  ID: id,
  Version: { Index: 1 },
  Spec: { Role: 'manager', Availability: 'active' },
  Status: { State: 'ready' },
  ManagerStatus: { Reachability: 'reachable', Addr: `${ip}:2377` },
});
const swarm: EngineSwarm = { ID: 'c1', Version: { Index: 7 }, Spec: {}, JoinTokens: { Manager: 'SWMTKN-m', Worker: 'SWMTKN-w' } };
const stored: StoredSwarm = {
  record: { cluster_id: 'c1', leader: { name: 'm1', node_id: 'a', addr: '10.0.0.1:2377' }, time: '2025-01-01T00:00:00Z', how: 'init' },
  tokens: { manager: 'SWMTKN-m', worker: 'SWMTKN-w' },
  managers: ['10.0.0.1:2377', '10.0.0.2:2377', '10.0.0.3:2377'],
};
const three = [manager('a', '10.0.0.1'), manager('b', '10.0.0.2'), manager('c', '10.0.0.3')];
const input = (over: Partial<MaintenanceInput> = {}): MaintenanceInput => ({ swarm, nodes: three, stored, discovered: new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3']), selfId: 'a', target: 3, rotateTokens: false, ...over });

describe('swarm maintenance plan', () => {
  it('is nothing at all when the tokens and managers stored are current: a second boot changes nothing', () => {
    assert.equal(maintenanceNeeded(planMaintenance(input())), false);
    assert.equal(maintenanceNeeded(planMaintenance(input({ rotateTokens: true, stored: { ...stored, rotated: { time: 't', by: 'm2' } } }))), false);
  });

  it('rotates once, when the target number of managers is reachable', () => {
    assert.equal(planMaintenance(input({ rotateTokens: true })).rotate, true);
    const early = planMaintenance(input({ rotateTokens: true, nodes: three.slice(0, 2), stored: { ...stored, managers: ['10.0.0.1:2377', '10.0.0.2:2377'] } }));
    assert.equal(early.rotate, false);
    assert.match(early.reasons.join('\n'), /rotate once 3 managers are reachable \(2 now\)/);
  });

  it('stores tokens that differ from the engine\'s and a manager list that changed', () => {
    const plan = planMaintenance(input({ stored: { ...stored, tokens: { manager: 'old', worker: 'SWMTKN-w' }, managers: ['10.0.0.1:2377'] } }));
    assert.equal(plan.storeTokens, true);
    assert.deepEqual(plan.storeManagers, ['10.0.0.1:2377', '10.0.0.2:2377', '10.0.0.3:2377']);
  });
});

describe('swarm join candidates', () => {
  it('dials the stored managers, then the one that formed the swarm, then a manager\'s peers; never itself', () => {
    assert.deepEqual(joinCandidates({ stored: { ...stored, managers: ['10.0.0.2:2377'] }, self: '10.0.0.3:2377', role: 'manager', peers: ['10.0.0.1', '10.0.0.3', '10.0.0.4'], port: 2377 }), [
      '10.0.0.2:2377',
      '10.0.0.1:2377',
      '10.0.0.4:2377',
    ]);
    assert.deepEqual(joinCandidates({ stored: { ...stored, managers: [] }, self: '10.0.0.9:2377', role: 'worker', peers: ['10.0.0.8'], port: 2377 }), ['10.0.0.1:2377']);
  });
});

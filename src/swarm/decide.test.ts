import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSwarm, type LocalSwarm } from './decide.js';
import type { StoredSwarm } from './record.js';

const inactive: LocalSwarm = { state: 'inactive', nodeId: '', controlAvailable: false, remoteManagers: [], error: '' };
const manager = (clusterId: string): LocalSwarm => ({ state: 'active', nodeId: 'n1', clusterId, controlAvailable: true, remoteManagers: ['10.0.0.11:2377'], error: '' });
const empty: StoredSwarm = { tokens: {}, managers: [] };
const recorded: StoredSwarm = {
  record: { cluster_id: 'c1', leader: { name: 'm1', node_id: 'n1', addr: '10.0.0.11:2377' }, time: '2025-01-01T00:00:00Z', how: 'init' },
  tokens: { manager: 'SWMTKN-m', worker: 'SWMTKN-w' },
  managers: ['10.0.0.11:2377', '10.0.0.12:2377'],
};

describe('swarm decision', () => {
  it('a manager in no swarm with nothing recorded inits; a worker waits for the record', () => {
    assert.equal(decideSwarm({ role: 'manager', local: inactive, stored: empty }).action, 'init');
    assert.equal(decideSwarm({ role: 'worker', local: inactive, stored: empty }).action, 'wait');
  });

  it('once a swarm is recorded nobody inits again: managers and workers join with their own token', () => {
    assert.deepEqual(decideSwarm({ role: 'manager', local: inactive, stored: recorded }), { action: 'join', token: 'manager', clusterId: 'c1', reason: 'swarm c1 is recorded (formed by m1): join it as a manager' });
    assert.equal(decideSwarm({ role: 'worker', local: inactive, stored: recorded }).action, 'join');
    const noWorkerToken = { ...recorded, tokens: { manager: 'SWMTKN-m' } };
    assert.equal(decideSwarm({ role: 'worker', local: inactive, stored: noWorkerToken }).action, 'wait');
  });

  it('a node already in the recorded swarm does nothing; one in another swarm is refused', () => {
    assert.equal(decideSwarm({ role: 'manager', local: manager('c1'), stored: recorded }).action, 'member');
    const other = decideSwarm({ role: 'manager', local: manager('c2'), stored: recorded });
    assert.equal(other.action, 'refuse');
    assert.match(other.action === 'refuse' ? other.reason : '', /swarm c2, not in this cluster's swarm c1/);
  });

  it('a worker (whose engine knows no cluster id) is in the swarm when connected to its managers', () => {
    const worker = (remote: string[]): LocalSwarm => ({ state: 'active', nodeId: 'w1', controlAvailable: false, remoteManagers: remote, error: '' });
    assert.equal(decideSwarm({ role: 'worker', local: worker(['10.0.0.12:2377']), stored: recorded }).action, 'member');
    assert.equal(decideSwarm({ role: 'worker', local: worker(['192.0.2.1:2377']), stored: recorded }).action, 'refuse');
  });

  it('a manager in a swarm muster has no record of adopts it (moving over from the seed); pending waits; locked refuses', () => {
    assert.equal(decideSwarm({ role: 'manager', local: manager('c9'), stored: empty }).action, 'adopt');
    assert.equal(decideSwarm({ role: 'manager', local: { ...inactive, state: 'pending' }, stored: recorded }).action, 'wait');
    const locked = decideSwarm({ role: 'manager', local: { ...inactive, state: 'locked' }, stored: recorded });
    assert.equal(locked.action === 'refuse' && locked.code, 'SWARM_LOCKED');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../core/errors.js';
import { SWARM_KEYS, parseStoredSwarm } from './record.js';

describe('swarm record in etcd', () => {
  it('reads the record, tokens, managers and rotation from one prefix read', () => {
    const stored = parseStoredSwarm(
      new Map([
        [SWARM_KEYS.cluster, JSON.stringify({ cluster_id: 'c1', leader: { name: 'm1', node_id: 'n1', addr: '10.0.0.11:2377' }, time: 't', how: 'init' })],
        [SWARM_KEYS.workerToken, 'SWMTKN-w'],
        [SWARM_KEYS.managers, '["10.0.0.11:2377"]'],
      ]),
    );
    assert.equal(stored.record?.cluster_id, 'c1');
    assert.deepEqual(stored.tokens, { worker: 'SWMTKN-w' });
    assert.deepEqual(stored.managers, ['10.0.0.11:2377']);
    assert.equal(stored.rotated, undefined);
    assert.deepEqual(parseStoredSwarm(new Map()), { tokens: {}, managers: [] });
  });

  it('a record muster did not write stops the run (unsafe) rather than being taken for "no swarm"', () => {
    assert.throws(() => parseStoredSwarm(new Map([[SWARM_KEYS.cluster, 'swarm-1234']])), (error) => isMusterError(error) && error.kind === 'unsafe' && /etcdctl get \/muster\/swarm\/cluster/.test(error.hint ?? ''));
  });
});

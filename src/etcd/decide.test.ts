import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../core/errors.js';
import { decide, type DecideInput } from './decide.js';
import type { Member, ProbeResult } from './types.js';

const peers = ['node-1', 'node-2', 'node-3'].map((name, i) => ({ name, peerUrl: `http://10.0.0.${i + 11}:2380` }));
const self = { name: 'node-2', peerUrl: 'http://10.0.0.12:2380', clientUrl: 'http://10.0.0.12:2379' };

const member = (name: string, ip: number, extra: Partial<Member> = {}): Member => ({
  id: `${ip}a`,
  name,
  peerURLs: [`http://10.0.0.${ip}:2380`],
  clientURLs: [`http://10.0.0.${ip}:2379`],
  isLearner: false,
  ...extra,
});

const refused = (name: string, url: string): ProbeResult => ({ peer: name, url, kind: 'no-etcd', detail: 'connection refused' });

function input(overrides: Partial<DecideInput> = {}): DecideInput {
  return {
    self,
    peers,
    discoveryComplete: true,
    probes: peers.map((peer) => refused(peer.name, peer.peerUrl)),
    local: { kind: 'empty' },
    ...overrides,
  };
}

describe('etcd decide', () => {
  it('creates a cluster only when every expected peer answered that it runs no etcd', () => {
    const decision = decide(input());
    assert.equal(decision.action, 'create');
    assert.equal(decision.action === 'create' && decision.initialCluster.map((m) => m.name).join(), 'node-1,node-2,node-3');
  });

  it('gives every node the same initial cluster and token, whatever order discovery returned', () => {
    const a = decide(input());
    const b = decide(input({ peers: [...peers].reverse(), self: { ...self, name: 'node-3' } }));
    assert.ok(a.action === 'create' && b.action === 'create');
    assert.deepEqual(a.initialCluster, b.initialCluster);
    assert.equal(a.token, b.token);
  });

  it('never creates while a peer has not answered (a timeout is not "no etcd")', () => {
    const probes = input().probes.map((probe, i) => (i === 2 ? { ...probe, kind: 'unknown' as const, detail: 'no answer within 2000ms' } : probe));
    const decision = decide(input({ probes }));
    assert.equal(decision.action, 'wait');
    assert.match(decision.reasons.join('\n'), /node-3 .* did not answer: no answer within 2000ms/);
  });

  it('waits on an incomplete discovery instead of creating a smaller cluster', () => {
    const decision = decide(input({ discoveryComplete: false, incompleteReason: 'Auto Scaling group g has 2 of 3 desired instances' }));
    assert.equal(decision.action, 'wait');
    assert.match(decision.reasons.join('\n'), /2 of 3/);
  });

  it('stops with a split-brain error naming both clusters', () => {
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'aaa', members: [member('node-1', 11)] },
      refused('node-2', self.peerUrl),
      { peer: 'node-3', url: peers[2]!.peerUrl, kind: 'member', clusterId: 'bbb', members: [member('node-3', 13)] },
    ];
    assert.throws(
      () => decide(input({ probes })),
      (error: unknown) => isMusterError(error) && error.code === 'ETCD_SPLIT_BRAIN' && /cluster aaa: node-1/.test(error.message) && /cluster bbb: node-3/.test(error.message),
    );
  });

  it('joins a running cluster it is not a member of', () => {
    const members = [member('node-1', 11), member('node-3', 13)];
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'c1', members },
      refused('node-2', self.peerUrl),
      { peer: 'node-3', url: peers[2]!.peerUrl, kind: 'member', clusterId: 'c1', members },
    ];
    const decision = decide(input({ probes }));
    assert.equal(decision.action, 'join');
    assert.equal(decision.action === 'join' && decision.replaceOwn, false);
  });

  it('restarts with its data dir when it belongs to the running cluster and member', () => {
    const members = [member('node-1', 11), member('node-2', 12), member('node-3', 13)];
    const probes: ProbeResult[] = peers.map((peer) => ({ peer: peer.name, url: peer.peerUrl, kind: 'member', clusterId: 'c1', members }));
    const decision = decide(input({ probes, local: { kind: 'present', clusterId: 'c1', memberId: '12a' } }));
    assert.equal(decision.action, 'restart');
    assert.equal(decision.action === 'restart' && decision.dataDir, 'keep');
  });

  it('sets aside a data dir of another cluster and joins', () => {
    const members = [member('node-1', 11), member('node-3', 13)];
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'c1', members },
      refused('node-2', self.peerUrl),
      refused('node-3', peers[2]!.peerUrl),
    ];
    const decision = decide(input({ probes, local: { kind: 'present', clusterId: 'old', memberId: 'ff' } }));
    assert.equal(decision.action, 'join');
    assert.equal(decision.action === 'join' && decision.dataDir, 'set-aside');
    assert.match(decision.reasons.join('\n'), /belongs to cluster old/);
  });

  it('replaces its own member entry when it ran before but its data is gone', () => {
    const members = [member('node-1', 11), member('node-2', 12), member('node-3', 13)];
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'c1', members },
      refused('node-2', self.peerUrl),
      { peer: 'node-3', url: peers[2]!.peerUrl, kind: 'member', clusterId: 'c1', members },
    ];
    const decision = decide(input({ probes }));
    assert.ok(decision.action === 'join' && decision.replaceOwn);
  });

  it('starts as a bootstrap member of a cluster still forming with it', () => {
    const members = peers.map((peer, i) => member(peer.name, 11 + i, { clientURLs: [] }));
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'c1', members },
      refused('node-2', self.peerUrl),
      refused('node-3', peers[2]!.peerUrl),
    ];
    const decision = decide(input({ probes }));
    assert.ok(decision.action === 'start-bootstrap');
    assert.equal(decision.state, 'new');
    assert.equal(decision.token, (decide(input()) as { token: string }).token, 'same token as the nodes that created it');
  });

  it('keeps the original initial cluster and token while no bootstrap member has started, even if discovery changed', () => {
    const members = peers.map((peer, i) => member(peer.name, 11 + i, { clientURLs: [] }));
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'c1', members },
      refused('node-2', self.peerUrl),
      { peer: 'node-4', url: 'http://10.0.0.14:2380', kind: 'no-etcd', detail: 'connection refused' },
    ];
    // node-3 was terminated and node-4 launched before anyone started: the cluster is still the original one.
    const discovered = [peers[0]!, peers[1]!, { name: 'node-4', peerUrl: 'http://10.0.0.14:2380' }];
    const decision = decide(input({ peers: discovered, probes }));
    assert.ok(decision.action === 'start-bootstrap');
    assert.equal(decision.state, 'new');
    assert.equal(decision.token, (decide(input()) as { token: string }).token);
    assert.deepEqual(decision.initialCluster.map((entry) => entry.name), ['node-1', 'node-2', 'node-3']);
  });

  it('starts a never-started bootstrap member as existing, with the members as they are, once others have started and the membership changed', () => {
    // Bootstrapped as node-1..3; node-2 never started; node-3 was replaced by node-4 meanwhile.
    const members = [member('node-1', 11), member('node-2', 12, { clientURLs: [] }), member('node-4', 14), member('', 15, { clientURLs: [], isLearner: true })];
    const discovered = [peers[0]!, peers[1]!, { name: 'node-4', peerUrl: 'http://10.0.0.14:2380' }, { name: 'node-5', peerUrl: 'http://10.0.0.15:2380' }];
    const probes: ProbeResult[] = [
      { peer: 'node-1', url: peers[0]!.peerUrl, kind: 'member', clusterId: 'c1', members },
      refused('node-2', self.peerUrl),
      { peer: 'node-4', url: 'http://10.0.0.14:2380', kind: 'member', clusterId: 'c1', members },
      refused('node-5', 'http://10.0.0.15:2380'),
    ];
    const decision = decide(input({ peers: discovered, probes }));
    assert.ok(decision.action === 'start-bootstrap');
    assert.equal(decision.state, 'existing', 'a recomputed "new" would give etcd another cluster id');
    assert.deepEqual(
      decision.initialCluster.map((entry) => `${entry.name}=${entry.peerUrl}`),
      ['node-1=http://10.0.0.11:2380', 'node-2=http://10.0.0.12:2380', 'node-4=http://10.0.0.14:2380', 'node-5=http://10.0.0.15:2380'],
    );
  });

  it('keeps its data on a whole-cluster restart when no peer runs etcd yet', () => {
    const decision = decide(input({ local: { kind: 'present', clusterId: 'c1', memberId: '12a' } }));
    assert.equal(decision.action, 'restart');
  });

  it('refuses to guess about a data dir it cannot read', () => {
    assert.throws(() => decide(input({ local: { kind: 'unreadable', detail: 'no WAL' } })), (error: unknown) => isMusterError(error) && error.kind === 'unsafe');
  });
});

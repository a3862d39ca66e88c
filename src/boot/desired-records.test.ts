import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredRecords, type DesiredRecordsInput } from './desired-records.js';

const base: DesiredRecordsInput = {
  zone: 'k8s.example.com.',
  ttl: 60,
  records: { node: true, members: null, etcd_srv: false },
  peers: [
    { hostname: 'master0-12', ip: '10.0.0.12' },
    { hostname: 'master0-11', ip: '10.0.0.11' },
  ],
  etcd: { client_port: 2379, peer_port: 2380, client_scheme: 'http', peer_scheme: 'http' },
};

describe('desired records of a group', () => {
  it('has one A record per node', () => {
    assert.deepEqual(
      desiredRecords(base).map((set) => `${set.name} ${set.type} ${set.values.join(',')}`),
      ['master0-12.k8s.example.com. A 10.0.0.12', 'master0-11.k8s.example.com. A 10.0.0.11'],
    );
  });

  it('adds the round-robin members name with every peer address', () => {
    const sets = desiredRecords({ ...base, records: { node: false, members: 'etcd', etcd_srv: false } });
    assert.deepEqual(sets, [{ name: 'etcd.k8s.example.com.', type: 'A', ttl: 60, values: ['10.0.0.11', '10.0.0.12'] }]);
  });

  it('publishes the SRV records etcd --discovery-srv reads, with their target A records', () => {
    const sets = desiredRecords({ ...base, records: { node: false, members: null, etcd_srv: true }, etcd: { ...base.etcd, peer_scheme: 'https' } });
    const byName = new Map(sets.map((set) => [`${set.name} ${set.type}`, set.values]));
    assert.deepEqual(byName.get('_etcd-server-ssl._tcp.k8s.example.com. SRV'), ['0 0 2380 master0-11.k8s.example.com.', '0 0 2380 master0-12.k8s.example.com.']);
    assert.deepEqual(byName.get('_etcd-client._tcp.k8s.example.com. SRV'), ['0 0 2379 master0-11.k8s.example.com.', '0 0 2379 master0-12.k8s.example.com.']);
    assert.deepEqual(byName.get('master0-11.k8s.example.com. A'), ['10.0.0.11']);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { musterCli, threeMastersConfig } from '../support/boot-node.js';
import { useTestAwsEnvironment } from '../support/fake-aws/scenario.js';
import { addZone, createRoute53Model, startFakeRoute53, type FakeRoute53, type FakeZone } from '../support/fake-route53/index.js';
import { loopbackPrefix } from '../support/loopback.js';

// The muster processes inherit this environment: static test keys, no metadata service.
useTestAwsEnvironment();

const ZONE = 'k8s.muster.test.';

/** Node n of the static 3-master group, registering in Route 53 and doing nothing else. */
function nodeConfig(root: string, prefix: string, n: number, endpoint: string): string {
  return `${threeMastersConfig(root, prefix).replace('self: node-1', `self: node-${n}`)}boot: { steps: [dns] }
dns:
  zone: ${ZONE}
  owner_id: cluster-a
  records: { node: true, members: etcd, etcd_srv: true }
  provider: { type: route53, endpoint: '${endpoint}' }
etcd: { timeout: 30s }
`;
}

describe('muster boot on three nodes at once, with Route 53', () => {
  let fake: FakeRoute53;
  let zone: FakeZone;
  let root: string;
  before(async () => {
    fake = await startFakeRoute53(createRoute53Model());
    zone = addZone(fake.model, ZONE);
    root = await mkdtemp(join(tmpdir(), 'muster-boot-simultaneous-'));
  });
  after(async () => {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  });

  it('registers the group once: the nodes that lose the race read the zone again and find their work done', async () => {
    const prefix = loopbackPrefix();
    const configs = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const file = join(root, `node-${n}.yaml`);
        await writeFile(file, nodeConfig(join(root, `node-${n}`), prefix, n, fake.url));
        return file;
      }),
    );
    // Every node lists the empty zone before any of them writes, as when they boot in the same second.
    fake.holdChangesUntilListed(3);
    const results = await Promise.all(configs.map((config) => musterCli(config, ['boot'])));
    for (const [i, result] of results.entries()) assert.equal(result.code, 0, `node-${i + 1} exited ${result.code}: ${result.stderr}`);

    const changes = fake.calls.filter((call) => call.operation === 'ChangeResourceRecordSets');
    assert.deepEqual(changes.map((call) => call.error ?? call.status).sort(), [200, 'InvalidChangeBatch', 'InvalidChangeBatch'], 'one node wrote; two were refused, as Route 53 refuses them');

    const octets = [11, 12, 13];
    const hosts = octets.map((n) => `master-${n}.${ZONE}`);
    const expected = [
      ...octets.map((n) => ({ name: `master-${n}.${ZONE}`, type: 'A', values: [`${prefix}.${n}`] })),
      { name: `etcd.${ZONE}`, type: 'A', values: octets.map((n) => `${prefix}.${n}`) },
      { name: `_etcd-server._tcp.${ZONE}`, type: 'SRV', values: hosts.map((host) => `0 0 2380 ${host}`) },
      { name: `_etcd-client._tcp.${ZONE}`, type: 'SRV', values: hosts.map((host) => `0 0 2379 ${host}`) },
    ];
    const ownership = (set: { name: string; type: string }) => ({
      name: `_muster-owner.${set.type.toLowerCase()}.${set.name}`,
      type: 'TXT',
      values: [`"heritage=muster,muster/owner=cluster-a,muster/record=${set.type}/${set.name}"`],
    });
    const sorted = (sets: readonly { name: string; type: string; values: readonly string[] }[]) =>
      sets.map((set) => ({ name: set.name, type: set.type, values: [...set.values].sort() })).sort((a, b) => `${a.name} ${a.type}`.localeCompare(`${b.name} ${b.type}`));
    const held = zone.records.filter((set) => set.type !== 'SOA' && set.type !== 'NS');
    assert.deepEqual(sorted(held), sorted([...expected, ...expected.map(ownership)]), 'each record set once, each with its ownership record, nothing else');
  });

  it('stops after a few identical refusals when a record Route 53 does not list is in the way, instead of re-sending until etcd.timeout', async () => {
    const prefix = loopbackPrefix();
    const file = join(root, 'alias-node.yaml');
    await writeFile(file, nodeConfig(join(root, 'alias-node'), prefix, 1, fake.url));
    // An alias at the members name: muster cannot list or change it, and Route 53 says "already exists".
    zone.records = zone.records.filter((set) => set.type === 'SOA' || set.type === 'NS');
    zone.records.push({ name: `etcd.${ZONE}`, type: 'A', values: [], alias: { hostedZoneId: 'Z2FDTNDATAQYW2', dnsName: 'lb.example.net.', evaluateTargetHealth: false } });
    const before = fake.count('ChangeResourceRecordSets');
    const started = Date.now();
    const result = await musterCli(file, ['boot']);
    assert.equal(result.code, 69, result.stderr);
    assert.match(result.stderr, /refused the same changes 4 times in a row/);
    assert.match(result.stderr, /hint: a record the provider does not list is in the way \(on Route 53: an alias/);
    assert.equal(fake.count('ChangeResourceRecordSets') - before, 4, 'four attempts, not one every two seconds until etcd.timeout (30s)');
    assert.ok(Date.now() - started < 20_000, `gave up after ${Date.now() - started} ms`);
  });
});

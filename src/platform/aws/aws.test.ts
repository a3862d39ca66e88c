import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runPlatformContract } from '../../../test/contract/platform-contract.js';
import { instance, instanceId, startScenario, useTestAwsEnvironment, type Scenario } from '../../../test/support/fake-aws/scenario.js';
import { createAwsPlatform } from './index.js';

useTestAwsEnvironment();

// describe/it return promises node:test tracks itself; `void` says they are not awaited on purpose.

runPlatformContract('aws asg', async () => {
  const { fake, config } = await startScenario({
    selfId: instanceId(2),
    groups: [{ name: 'etcd', desired: 3 }, { name: 'other', desired: 1 }],
    instances: [
      instance(3, { group: 'etcd' }),
      instance(1, { group: 'etcd', reservation: 'r-shared' }),
      instance(2, { group: 'etcd', reservation: 'r-shared', lifecycle: 'Pending' }),
      instance(4, { group: 'etcd', lifecycle: 'Terminating', state: 'shutting-down' }),
      instance(5, { group: 'other' }),
    ],
  });
  return {
    platform: createAwsPlatform(config()),
    expected: { self: instanceId(2), peers: [1, 2, 3].map(instanceId), complete: true },
    teardown: () => fake.close(),
  };
});

/** Three running instances tagged Cluster=prod, and some that are not peers: stopped, pending, another cluster. */
async function tagScenario(): Promise<Awaited<ReturnType<typeof startScenario>>> {
  const tags = (name: string): Record<string, string> => ({ Cluster: 'prod', Name: name });
  return startScenario({
    selfId: instanceId(1),
    instances: [
      instance(1, { tags: tags('etcd-b') }),
      instance(2, { tags: tags('etcd-a') }),
      instance(3, { tags: tags('etcd-c') }),
      instance(4, { tags: tags('etcd-d'), state: 'stopped' }),
      instance(5, { tags: { Cluster: 'staging', Name: 'etcd-e' } }),
      instance(6, { tags: tags('etcd-f'), state: 'pending' }),
    ],
  });
}

// Without expected_peers, nothing says the three running instances are the whole group.
runPlatformContract('aws tag', async () => {
  const { fake, config } = await tagScenario();
  return {
    platform: createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod', name_tag: 'Name' })),
    expected: { self: 'etcd-b', peers: ['etcd-a', 'etcd-b', 'etcd-c'], complete: false, incompleteReason: /without platform\.expected_peers/ },
    teardown: () => fake.close(),
  };
});

runPlatformContract('aws tag with expected_peers', async () => {
  const { fake, config } = await tagScenario();
  return {
    platform: createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod', name_tag: 'Name', expected_peers: 3 })),
    expected: { self: 'etcd-b', peers: ['etcd-a', 'etcd-b', 'etcd-c'], complete: true },
    teardown: () => fake.close(),
  };
});

describe('aws platform, mode asg', () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await startScenario({ selfId: instanceId(1), instances: [], groups: [] });
  });
  after(() => scenario.fake.close());

  function group(desired: number, ...instances: ReturnType<typeof instance>[]): void {
    scenario.model.groups = [{ name: 'etcd', desired }];
    scenario.model.instances = instances.map((member) => ({ group: 'etcd', ...member }));
  }

  it('counts InService and Pending members, but not ones leaving or parked', async () => {
    group(
      3,
      instance(1),
      instance(2, { lifecycle: 'Pending:Wait', state: 'pending' }),
      instance(3, { lifecycle: 'Terminating', state: 'shutting-down' }),
      instance(4, { lifecycle: 'Terminated', state: 'terminated' }),
      instance(5, { lifecycle: 'Detaching' }),
      instance(6, { lifecycle: 'Standby' }),
      instance(7, { lifecycle: 'Pending' }),
    );
    const discovery = await createAwsPlatform(scenario.config()).discover();
    assert.deepEqual(
      discovery.peers.map((peer) => [peer.id, peer.state]),
      [
        [instanceId(1), 'InService'],
        [instanceId(2), 'Pending:Wait'],
        [instanceId(7), 'Pending'],
      ],
    );
    assert.equal(discovery.complete, true);
  });

  it('is incomplete, and says why, while members lack a private IP', async () => {
    const { ip: _ip, ...noIp } = instance(3, { lifecycle: 'Pending', state: 'pending' });
    group(3, instance(1), instance(2), noIp);
    const discovery = await createAwsPlatform(scenario.config()).discover();
    assert.equal(discovery.complete, false);
    assert.equal(discovery.incompleteReason, 'Auto Scaling group etcd has 2 of 3 desired instances with private IPs');
    assert.deepEqual(discovery.peers.map((peer) => peer.id), [instanceId(1), instanceId(2)]);
  });

  it('is incomplete while the group has fewer members than desired', async () => {
    group(5, instance(1), instance(2), instance(3));
    const discovery = await createAwsPlatform(scenario.config()).discover();
    assert.equal(discovery.complete, false);
    assert.equal(discovery.incompleteReason, 'Auto Scaling group etcd has 3 of 5 desired instances with private IPs');
  });

  it('follows DescribeInstances pages', async () => {
    group(5, ...[1, 2, 3, 4, 5].map((n) => instance(n)));
    const before = scenario.fake.count('DescribeInstances');
    const discovery = await createAwsPlatform(scenario.config()).discover();
    assert.equal(discovery.peers.length, 5);
    assert.equal(scenario.fake.count('DescribeInstances') - before, 3, 'five instances, two per page');
  });

  it('describes a large group in batches of instance ids', async () => {
    group(105, ...Array.from({ length: 105 }, (_, index) => instance(index + 1, { ip: `10.0.${Math.floor(index / 100)}.${(index % 100) + 1}` })));
    scenario.model.pageSize = 1000;
    try {
      const before = scenario.fake.count('DescribeInstances');
      const discovery = await createAwsPlatform(scenario.config()).discover();
      assert.equal(discovery.peers.length, 105);
      assert.equal(discovery.complete, true);
      assert.equal(scenario.fake.count('DescribeInstances') - before, 2, '100 ids, then 5');
    } finally {
      scenario.model.pageSize = 2;
    }
  });

  it('names nodes by name_tag, falling back to the instance id', async () => {
    group(3, instance(1, { tags: { Name: 'etcd-b' } }), instance(2, { tags: { Name: 'etcd-a' } }), instance(3, { tags: { Role: 'etcd' } }));
    const discovery = await createAwsPlatform(scenario.config({ name_tag: 'Name' })).discover();
    assert.deepEqual(discovery.self, { id: instanceId(1), name: 'etcd-b', ip: '10.0.1.1', tags: { Name: 'etcd-b' } });
    assert.deepEqual(discovery.peers.map((peer) => peer.name), ['etcd-a', 'etcd-b', instanceId(3)]);
    assert.deepEqual(discovery.peers.find((peer) => peer.name === instanceId(3))?.tags, { Role: 'etcd' });
  });

  it('refuses two nodes with the same name', async () => {
    group(2, instance(1, { tags: { Name: 'etcd' } }), instance(2, { tags: { Name: 'etcd' } }));
    await assert.rejects(createAwsPlatform(scenario.config({ name_tag: 'Name' })).discover(), { code: 'AWS_DUPLICATE_NAME', kind: 'config' });
  });

  it('asks the metadata service for the region only when the config does not name one', async () => {
    group(1, instance(1));
    const regionReads = (): number => scenario.fake.count('/latest/meta-data/placement/region');
    const before = regionReads();
    await createAwsPlatform(scenario.config({ region: 'eu-west-1' })).discover();
    assert.equal(regionReads(), before);
    await createAwsPlatform(scenario.config()).discover();
    assert.equal(regionReads(), before + 1);
  });
});

describe('aws platform, mode tag', () => {
  it('follows pages, and lists only running instances with the tag', async () => {
    const tagged = { Cluster: 'prod' };
    const { fake, config } = await startScenario({
      selfId: instanceId(1),
      instances: [
        ...[1, 2, 3, 4, 5].map((n) => instance(n, { tags: tagged })),
        instance(6, { tags: tagged, state: 'stopping' }),
        instance(7, { tags: { Cluster: 'dev' } }),
      ],
    });
    try {
      const discovery = await createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod', expected_peers: 5 })).discover();
      assert.deepEqual(discovery.peers.map((peer) => peer.id), [1, 2, 3, 4, 5].map(instanceId));
      assert.ok(discovery.peers.every((peer) => peer.state === 'running'));
      assert.equal(discovery.complete, true);
      assert.equal(fake.count('DescribeInstances'), 3, 'five instances, two per page');
    } finally {
      await fake.close();
    }
  });

  it('never vouches for the group without expected_peers, however many are running, and says what to set', async () => {
    const tagged = { Cluster: 'prod' };
    // Node A boots first: alone, it must not take "only me" for the whole group (B and C would then make a second cluster).
    const { fake, config } = await startScenario({ selfId: instanceId(1), instances: [instance(1, { tags: tagged }), instance(2, { tags: tagged, state: 'pending' })] });
    try {
      const alone = await createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod' })).discover();
      assert.deepEqual(alone.peers.map((peer) => peer.id), [instanceId(1)]);
      assert.equal(alone.complete, false);
      assert.equal(
        alone.incompleteReason,
        "1 running instance tagged Cluster=prod, and without platform.expected_peers a tag query cannot tell whether that is the whole group; set platform.expected_peers to the group's size (nodes can still join an existing cluster)",
      );
      fake.model.instances.find((candidate) => candidate.id === instanceId(2))!.state = 'running';
      fake.model.instances.push(instance(3, { tags: tagged }));
      const all = await createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod' })).discover();
      assert.equal(all.peers.length, 3);
      assert.equal(all.complete, false);
      assert.match(all.incompleteReason ?? '', /^3 running instances tagged Cluster=prod, and without platform\.expected_peers/);
    } finally {
      await fake.close();
    }
  });

  it('waits for expected_peers before vouching for the group', async () => {
    const tagged = { Cluster: 'prod' };
    const { fake, config } = await startScenario({
      selfId: instanceId(1),
      instances: [instance(1, { tags: tagged }), instance(2, { tags: tagged }), instance(3, { tags: tagged, state: 'pending' })],
    });
    try {
      const early = await createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod', expected_peers: 3 })).discover();
      assert.equal(early.complete, false);
      assert.equal(early.incompleteReason, '2 of 3 expected instances tagged Cluster=prod are running');
      fake.model.instances.find((candidate) => candidate.id === instanceId(3))!.state = 'running';
      const later = await createAwsPlatform(config({ mode: 'tag', tag_key: 'Cluster', tag_value: 'prod', expected_peers: 3 })).discover();
      assert.equal(later.complete, true);
    } finally {
      await fake.close();
    }
  });
});

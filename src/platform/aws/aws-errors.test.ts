import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { closedLoopbackUrl } from '../../../test/support/fake-aws/index.js';
import { instance, instanceId, startScenario, useTestAwsEnvironment, type Scenario } from '../../../test/support/fake-aws/scenario.js';
import { createAwsPlatform } from './index.js';
import { failure } from '../../../test/support/failure.js';

useTestAwsEnvironment();

// describe/it return promises node:test tracks itself; `void` says they are not awaited on purpose.


describe('aws platform failures', () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await startScenario({ selfId: instanceId(1), instances: [], groups: [] });
  });
  beforeEach(() => {
    scenario.model.denied.clear();
    scenario.fake.throttleNext(0);
    scenario.model.groups = [{ name: 'etcd', desired: 2 }];
    scenario.model.instances = [instance(1, { group: 'etcd' }), instance(2, { group: 'etcd' })];
  });
  after(() => scenario.fake.close());

  it('says to use mode tag when the instance is in no Auto Scaling group', async () => {
    scenario.model.instances = [instance(1), instance(2)];
    const error = await failure(createAwsPlatform(scenario.config()).discover());
    assert.equal(error.code, 'AWS_NOT_IN_ASG');
    assert.equal(error.kind, 'config');
    assert.equal(error.retryable, false);
    assert.match(error.hint ?? '', /mode: tag/);
  });

  for (const action of ['ec2:DescribeInstances', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeAutoScalingGroups']) {
    it(`names the action and the IAM permissions when ${action} is denied`, async () => {
      scenario.model.denied.add(action);
      const error = await failure(createAwsPlatform(scenario.config()).discover());
      assert.equal(error.code, 'AWS_ACCESS_DENIED');
      assert.equal(error.kind, 'config');
      assert.equal(error.retryable, false);
      assert.match(error.message, new RegExp(`^aws: ${action} failed: (AccessDenied|UnauthorizedOperation)`));
      for (const needed of ['ec2:DescribeInstances', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeAutoScalingGroups']) {
        assert.ok(error.hint?.includes(needed), `hint lists ${needed}: ${error.hint}`);
      }
    });
  }

  it('lets the SDK retry throttled calls, and succeeds', async () => {
    const before = scenario.fake.requests.length;
    scenario.fake.throttleNext(2);
    const discovery = await createAwsPlatform(scenario.config()).discover();
    assert.equal(discovery.peers.length, 2);
    const api = scenario.fake.requests.slice(before).filter((request) => request.service !== 'imds');
    assert.deepEqual(
      api.slice(0, 3).map((request) => [request.action, request.status]),
      [
        ['DescribeAutoScalingInstances', 400],
        ['DescribeAutoScalingInstances', 400],
        ['DescribeAutoScalingInstances', 200],
      ],
    );
  });

  it('reports throttling that outlasts the SDK retries as retryable', async () => {
    scenario.fake.throttleNext(3);
    const error = await failure(createAwsPlatform(scenario.config({ mode: 'tag', tag_key: 'Role', tag_value: 'etcd' })).discover());
    assert.equal(error.code, 'AWS_THROTTLED');
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.retryable, true);
    assert.match(error.message, /^aws: ec2:DescribeInstances failed: RequestLimitExceeded/);
  });

  it('is retryable while EC2 does not list a new group member yet', async () => {
    scenario.model.instances.push(instance(3, { group: 'etcd', lifecycle: 'Pending', state: 'pending', ec2Visible: false }));
    const error = await failure(createAwsPlatform(scenario.config()).discover());
    assert.equal(error.code, 'AWS_NOT_YET_VISIBLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /InvalidInstanceID\.NotFound/);
  });

  it('refuses to run on an instance that is leaving its group', async () => {
    scenario.model.instances = [instance(1, { group: 'etcd', lifecycle: 'Terminating:Wait' }), instance(2, { group: 'etcd' })];
    const error = await failure(createAwsPlatform(scenario.config()).discover());
    assert.equal(error.code, 'AWS_SELF_NOT_IN_SERVICE');
    assert.equal(error.kind, 'unsafe');
  });

  it('says so when this instance lacks the cluster tag', async () => {
    scenario.model.instances = [instance(1, { tags: { Role: 'web' } }), instance(2, { tags: { Role: 'etcd' } })];
    const error = await failure(createAwsPlatform(scenario.config({ mode: 'tag', tag_key: 'Role', tag_value: 'etcd' })).discover());
    assert.equal(error.code, 'AWS_SELF_UNTAGGED');
    assert.equal(error.kind, 'config');
    assert.match(error.message, /is not tagged Role=etcd/);
  });

  it('is unavailable, and retryable, when the EC2 API does not answer', async () => {
    const ec2 = await closedLoopbackUrl();
    const error = await failure(createAwsPlatform(scenario.config({ endpoints: { imds: scenario.fake.url, ec2, autoscaling: scenario.fake.url } })).discover());
    assert.equal(error.code, 'AWS_UNREACHABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /^aws: ec2:DescribeInstances failed: connect ECONNREFUSED/);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(createAwsPlatform(scenario.config()).discover(controller.signal), { name: 'AbortError' });
  });

  it('is unavailable, and retryable, when the metadata service does not answer', async () => {
    const imds = await closedLoopbackUrl();
    const error = await failure(createAwsPlatform(scenario.config({ endpoints: { imds, ec2: scenario.fake.url, autoscaling: scenario.fake.url } })).discover());
    assert.equal(error.code, 'AWS_IMDS_UNAVAILABLE');
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.retryable, true);
    assert.match(error.hint ?? '', /endpoints\.imds/);
  });
});

describe('fake metadata service', () => {
  it('refuses reads without an IMDSv2 token, as instances with HttpTokens=required do', async () => {
    const { fake } = await startScenario({ selfId: instanceId(1), instances: [instance(1)] });
    try {
      const read = (headers: Record<string, string> = {}): Promise<Response> => fetch(`${fake.url}/latest/meta-data/instance-id`, { headers });
      assert.equal((await read()).status, 401);
      assert.equal((await read({ 'x-aws-ec2-metadata-token': 'forged' })).status, 401);
      const token = await (await fetch(`${fake.url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
      const answer = await read({ 'x-aws-ec2-metadata-token': token });
      assert.equal(answer.status, 200);
      assert.equal(await answer.text(), instanceId(1));
    } finally {
      await fake.close();
    }
  });
});

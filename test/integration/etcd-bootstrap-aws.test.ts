import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { stopProcesses } from '../support/etcd-process.js';
import { clusterHealthy, memberList, waitFor } from '../support/etcdctl.js';
import { startFakeAws, createModel, type FakeAws } from '../support/fake-aws/index.js';
import { instanceId, useTestAwsEnvironment } from '../support/fake-aws/scenario.js';
import { addZone, createRoute53Model, startFakeRoute53, type FakeRoute53, type FakeZone } from '../support/fake-route53/index.js';
import { loopbackPrefix } from '../support/loopback.js';

useTestAwsEnvironment();

const ZONE = 'example.muster.test.';

/**
 * etcd-bootstrap's README, run unchanged on an Auto Scaling group of one: `./etcd-bootstrap -o
 * FILE -cloud aws -route53-zone-id MYZONEID -domain-name etcd`, `source FILE`, `./etcd`. The AWS
 * endpoints are loopback fakes in the real wire format, set through MUSTER_* overrides.
 */
describe('etcd-bootstrap -cloud aws with Route 53 registration', { concurrency: false }, () => {
  let aws: FakeAws;
  let route53: FakeRoute53;
  let zone: FakeZone;
  let dir: string;
  let ip: string;
  const etcds: ChildProcess[] = [];
  let env: NodeJS.ProcessEnv;

  before(async () => {
    ip = `${loopbackPrefix()}.11`;
    aws = await startFakeAws(createModel({ selfId: instanceId(1), instances: [{ id: instanceId(1), ip, state: 'running', tags: {}, group: 'etcd' }], groups: [{ name: 'etcd', desired: 1 }] }));
    route53 = await startFakeRoute53(createRoute53Model());
    zone = addZone(route53.model, ZONE);
    dir = await mkdtemp(join(tmpdir(), 'muster-etcd-bootstrap-aws-'));
    env = {
      ...process.env,
      MUSTER_PLATFORM__ENDPOINTS__IMDS: aws.url,
      MUSTER_PLATFORM__ENDPOINTS__EC2: aws.url,
      MUSTER_PLATFORM__ENDPOINTS__AUTOSCALING: aws.url,
      MUSTER_DNS__PROVIDER__ENDPOINT: route53.url,
      MUSTER_ETCD__TIMEOUT: '20s',
      ETCD_DATA_DIR: join(dir, 'data'),
      MUSTER_LOG_LEVEL: 'warn',
    };
  });
  after(async () => {
    await stopProcesses(etcds);
    await aws.close();
    await route53.close();
    await rm(dir, { recursive: true, force: true });
  });

  const bootstrap = (args: readonly string[], overrides: NodeJS.ProcessEnv = {}) => {
    const { command, args: base } = musterInvocation();
    return runProgram(command, [...base, 'etcd-bootstrap', ...args], { env: { ...env, ...overrides } });
  };

  it('writes the file etcd-bootstrap wrote, which sh sources into a running etcd', async () => {
    const file = join(dir, 'bootstrap.conf');
    const result = await bootstrap(['-o', file, '-cloud', 'aws', '-route53-zone-id', zone.id, '-domain-name', 'etcd']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^new: i-0+1=http:\/\//m);

    // What a unit that sources the file sees.
    const sourced = await runProgram('sh', ['-c', 'set -a; . "$1"; env', 'sh', file]);
    const seen: Record<string, string> = Object.fromEntries(
      sourced.stdout
        .split('\n')
        .filter((line) => line.startsWith('ETCD_'))
        .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(seen, {
      ETCD_INITIAL_CLUSTER_STATE: 'new',
      ETCD_INITIAL_CLUSTER: `${instanceId(1)}=http://${ip}:2380`,
      ETCD_NAME: instanceId(1),
      ETCD_INITIAL_ADVERTISE_PEER_URLS: `http://${ip}:2380`,
      ETCD_LISTEN_PEER_URLS: `http://${ip}:2380`,
      ETCD_LISTEN_CLIENT_URLS: `http://${ip}:2379,http://127.0.0.1:2379`,
      ETCD_ADVERTISE_CLIENT_URLS: `http://${ip}:2379`,
      ETCD_INITIAL_CLUSTER_TOKEN: seen['ETCD_INITIAL_CLUSTER_TOKEN'] ?? 'missing',
    });
    assert.match(seen['ETCD_INITIAL_CLUSTER_TOKEN'] ?? '', /^muster-/);

    // The members name holds every instance's address with etcd-bootstrap's TTL, plus muster's ownership record.
    const members = zone.records.find((set) => set.name === `etcd.${ZONE}` && set.type === 'A');
    assert.deepEqual({ ttl: members?.ttl, values: members?.values }, { ttl: 300, values: [ip] });
    assert.ok(zone.records.some((set) => set.type === 'TXT' && set.name === `_muster-owner.a.etcd.${ZONE}`));
    assert.match(result.stderr, /ownership TXT record/);

    // Only the listener on 127.0.0.1 is dropped, since other tests' etcds may hold 127.0.0.1:2379.
    etcds.push(spawn('sh', ['-c', 'set -a; . "$1"; unset ETCD_LISTEN_CLIENT_URLS; exec etcd --data-dir "$2" --listen-client-urls "$ETCD_ADVERTISE_CLIENT_URLS"', 'sh', file, join(dir, 'data')], { stdio: 'ignore' }));
    await waitFor('etcd is healthy', () => clusterHealthy(`http://${ip}:2379`), 20_000);
    assert.deepEqual((await memberList(`http://${ip}:2379`)).map((member) => member.name), [instanceId(1)]);
  });

  it('v2\'s form of the same command decides the same, and a second run changes nothing', async () => {
    const file = join(dir, 'bootstrap.conf');
    const before = await readFile(file, 'utf8');
    const changesBefore = route53.count('ChangeResourceRecordSets');
    const result = await bootstrap(['aws', '-o', file, '--registration-provider', 'route53', '--r53-zone-id', zone.id, '--dns-hostname', 'etcd']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^restart: cluster /m);
    assert.match(result.stdout, /nothing to change/);
    assert.equal(await readFile(file, 'utf8'), before);
    assert.equal(route53.count('ChangeResourceRecordSets'), changesBefore, 'the record is already right');
  });

  it('--dry-run --json reports the decision and writes nothing', async () => {
    const file = join(dir, 'dry.conf');
    // Without registration flags there is no dns section for the endpoint override to go into.
    const { MUSTER_DNS__PROVIDER__ENDPOINT: _, ...withoutDns } = env;
    env = withoutDns;
    const result = await bootstrap(['-cloud', 'aws', '-o', file, '--dry-run', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { decision: { action: string }; changes: string[] };
    assert.equal(report.decision.action, 'restart');
    assert.deepEqual(report.changes, [`would write ${file}`]);
    await assert.rejects(readFile(file, 'utf8'));
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMusterError } from '../../src/core/errors.js';
import { runProgram } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { createVspherePlatform } from '../../src/platform/vsphere/index.js';
import { vspherePlatformSchema } from '../../src/platform/vsphere/schema.js';
import { runPlatformContract } from '../contract/platform-contract.js';
import { stopProcesses } from '../support/etcd-process.js';
import { clusterHealthy, memberList, waitFor } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';
import { startVcsim, type FixtureVm, type Vcsim } from '../support/vcsim.js';

const GROUP = { tags_environment: 'prod', tags_role: 'etcd' };

function fixture(prefix: string): FixtureVm[] {
  return [
    { name: 'etcd-a', extraConfig: GROUP, ip: `${prefix}.11`, powerOn: true },
    { name: 'etcd-b', extraConfig: GROUP, ip: `${prefix}.12`, powerOn: true },
    { name: 'etcd-c', extraConfig: GROUP, ip: `${prefix}.13`, powerOn: true },
    { name: 'etcd-off', extraConfig: GROUP, ip: `${prefix}.14`, powerOn: false },
    { name: 'web-a', extraConfig: { tags_environment: 'prod', tags_role: 'web' }, ip: `${prefix}.21`, powerOn: true },
    { name: 'etcd-dev', extraConfig: { tags_environment: 'dev', tags_role: 'etcd' }, ip: `${prefix}.31`, powerOn: true },
  ];
}

function platformFor(vcsim: Vcsim, overrides: Record<string, unknown> = {}, password = vcsim.password) {
  const config = vspherePlatformSchema.parse({
    type: 'vsphere',
    host: vcsim.host,
    port: vcsim.port,
    username: vcsim.username,
    ca_file: vcsim.caFile,
    environment: 'prod',
    role: 'etcd',
    vm_name: 'etcd-b',
    expected_peers: 3,
    request_timeout: '5s',
    ...overrides,
  });
  return createVspherePlatform(config, { env: { VSPHERE_PASSWORD: password } });
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; hint: string; retryable: boolean }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isMusterError(error), `not a MusterError: ${String(error)}`);
    return { code: error.code, message: error.message, hint: error.hint ?? '', retryable: error.retryable };
  }
  return assert.fail('expected the discovery to fail');
}

let shared: Vcsim;
let prefix: string;

runPlatformContract('vsphere (govmomi simulator)', async () => {
  prefix = loopbackPrefix();
  shared = await startVcsim({ vms: fixture(prefix) });
  return { platform: platformFor(shared), expected: { self: 'etcd-b', peers: ['etcd-a', 'etcd-b', 'etcd-c'], complete: true }, teardown: () => shared.stop() };
});

describe('vsphere platform on a real vCenter simulator', () => {
  let vcsim: Vcsim;
  let ips: string;
  before(async () => {
    ips = loopbackPrefix();
    vcsim = await startVcsim({
      vms: [...fixture(ips), { name: 'etcd-late', extraConfig: { tags_environment: 'prod', tags_role: 'late' }, ip: `${ips}.41`, ipAfterMs: 1500, powerOn: true }, { name: 'etcd-late-2', extraConfig: { tags_environment: 'prod', tags_role: 'late' }, ip: `${ips}.42`, powerOn: true }],
    });
  });
  after(() => vcsim.stop());

  it('keeps powered-on VMs of the group and leaves out powered-off, other-role and other-environment VMs', async () => {
    const discovery = await platformFor(vcsim).discover();
    assert.deepEqual(
      discovery.peers.map((peer) => [peer.name, peer.ip, peer.state]),
      [
        ['etcd-a', `${ips}.11`, 'poweredOn'],
        ['etcd-b', `${ips}.12`, 'poweredOn'],
        ['etcd-c', `${ips}.13`, 'poweredOn'],
      ],
    );
    assert.deepEqual(discovery.self.tags, GROUP, 'the group keys are the tags; the simulator\'s own extraConfig keys are not');
  });

  it('reads the whole inventory in one RetrievePropertiesEx, and logs out', async () => {
    await vcsim.resetStats();
    await platformFor(vcsim).discover();
    const { methods } = await vcsim.stats();
    assert.equal(methods['RetrievePropertiesEx'], 1);
    assert.equal(methods['ContinueRetrievePropertiesEx'] ?? 0, 0);
    assert.equal(methods['Login'], 1);
    assert.equal(methods['Logout'], 1);
    assert.equal(methods['DestroyView'], 1);
  });

  it('pages through the property collector when there are more VMs than a page', async () => {
    await vcsim.resetStats();
    const discovery = await platformFor(vcsim, { page_size: 2 }).discover();
    assert.equal(discovery.peers.length, 3);
    const { methods } = await vcsim.stats();
    assert.equal((methods['RetrievePropertiesEx'] ?? 0) + (methods['ContinueRetrievePropertiesEx'] ?? 0), 4, '8 VMs in pages of 2');
  });

  it('is incomplete while a member has no guest IP yet, names it, and completes once VMware Tools reports it', async () => {
    const platform = platformFor(vcsim, { role: 'late', vm_name: 'etcd-late-2', expected_peers: 2 });
    const first = await platform.discover();
    // The simulator reports the late IP 1.5 s after it started; a discovery before that is incomplete.
    if (!first.complete) {
      assert.match(first.incompleteReason ?? '', /1 of 2 expected VMs .* no guest IP reported yet for etcd-late/);
      assert.deepEqual(first.peers.map((peer) => peer.name), ['etcd-late-2']);
    }
    await waitFor('etcd-late has a guest IP', async () => (await platform.discover()).complete, 10_000);
    assert.deepEqual((await platform.discover()).peers.map((peer) => peer.ip), [`${ips}.41`, `${ips}.42`]);
  });

  it('a wrong password is a clear, non-retried login error', async () => {
    const error = await failure(platformFor(vcsim, {}, 'wrong').discover());
    assert.equal(error.code, 'VSPHERE_LOGIN');
    assert.equal(error.retryable, false);
    assert.match(error.message, /refused the login/);
    assert.match(error.hint, /VSPHERE_PASSWORD/);
  });

  it('its own VM not found by exact name is a clear error (etcd-bootstrap matched substrings)', async () => {
    const error = await failure(platformFor(vcsim, { vm_name: 'etcd' }).discover());
    assert.equal(error.code, 'VSPHERE_SELF_NOT_FOUND');
    assert.match(error.message, /no VM named etcd among the \d+ VMs/);
  });

  it('verifies vCenter\'s certificate by default, and says how to trust it', async () => {
    const { ca_file: _, ...untrusted } = { ca_file: undefined };
    const config = vspherePlatformSchema.parse({ type: 'vsphere', host: vcsim.host, port: vcsim.port, username: vcsim.username, environment: 'prod', role: 'etcd', vm_name: 'etcd-b', ...untrusted });
    const error = await failure(createVspherePlatform(config, { env: { VSPHERE_PASSWORD: vcsim.password } }).discover());
    assert.equal(error.code, 'VSPHERE_TLS');
    assert.match(error.hint, /ca_file/);
    const insecure = createVspherePlatform({ ...config, insecure: true }, { env: { VSPHERE_PASSWORD: vcsim.password } });
    assert.equal((await insecure.discover()).peers.length, 3);
  });

  it('an unreachable vCenter is a retryable error naming it, never an empty group', async () => {
    const error = await failure(platformFor(vcsim, { host: '127.0.0.1', port: 9, attempts: 1 }).discover());
    assert.equal(error.code, 'VSPHERE_UNREACHABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /127\.0\.0\.1:9/);
  });
});

/** The seed's commands, as etcd-bootstrap's README and units ran them. */
function bootstrapVm(vcsim: Vcsim, dir: string, name: string) {
  const { command, args: base } = musterInvocation();
  return runProgram(command, [
    ...base,
    'etcd-bootstrap',
    '-cloud', 'vmware',
    '-o', join(dir, `${name}.conf`),
    '-vmware-username', vcsim.username,
    '-vmware-password', vcsim.password,
    '-vmware-host', vcsim.host,
    '-vmware-port', String(vcsim.port),
    '-vmware-ca-file', vcsim.caFile,
    '-vmware-vm-name', name,
    '-vmware-environment', 'prod',
    '-vmware-role', 'etcd',
    '--expected-peers', '3',
  ], { env: { ...process.env, ETCD_DATA_DIR: join(dir, name), MUSTER_ETCD__TIMEOUT: '30s', MUSTER_LOG_LEVEL: 'warn', MUSTER_ETCD__LISTEN_LOCALHOST: 'false' } });
}

const startSourced = (dir: string, name: string): ChildProcess =>
  // The seed's container: source the file into the environment, then exec etcd with its own flags.
  spawn('sh', ['-c', 'set -a; . "$1"; exec etcd --data-dir "$2"', 'sh', join(dir, `${name}.conf`), join(dir, name)], { stdio: 'ignore' });

describe('etcd-bootstrap -cloud vmware: three VMs form a real etcd cluster', { concurrency: false }, () => {
  let vcsim: Vcsim;
  let dir: string;
  let ips: string;
  const etcds: ChildProcess[] = [];
  const bootstrap = (name: string) => bootstrapVm(vcsim, dir, name);
  before(async () => {
    ips = loopbackPrefix();
    // etcd-d is the VM added later: VMware Tools reports its IP 15 s in, after the first three formed.
    vcsim = await startVcsim({ vms: [...fixture(ips), { name: 'etcd-d', extraConfig: GROUP, ip: `${ips}.15`, powerOn: true, ipAfterMs: 15_000 }] });
    dir = await mkdtemp(join(tmpdir(), 'muster-etcd-bootstrap-vmware-'));
  });
  after(async () => {
    await stopProcesses(etcds);
    await vcsim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('v1 flags unchanged: each writes its file, `set -a; . FILE; exec etcd` starts a healthy cluster named by the VMs', async () => {
    const names = ['etcd-a', 'etcd-b', 'etcd-c'];
    const results = await Promise.all(names.map((name) => bootstrap(name)));
    for (const [index, result] of results.entries()) assert.equal(result.code, 0, `${names[index] ?? ''}: ${result.stderr}`);
    assert.match(results[0]?.stderr ?? '', /password on the command line is visible/);

    const text = await readFile(join(dir, 'etcd-b.conf'), 'utf8');
    const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.deepEqual(lines.map((line) => line.split('=')[0]), [
      'ETCD_INITIAL_CLUSTER_STATE',
      'ETCD_INITIAL_CLUSTER',
      'ETCD_NAME',
      'ETCD_INITIAL_ADVERTISE_PEER_URLS',
      'ETCD_LISTEN_PEER_URLS',
      'ETCD_LISTEN_CLIENT_URLS',
      'ETCD_ADVERTISE_CLIENT_URLS',
      'ETCD_INITIAL_CLUSTER_TOKEN',
    ]);
    assert.ok(lines.includes(`ETCD_INITIAL_CLUSTER=etcd-a=http://${ips}.11:2380,etcd-b=http://${ips}.12:2380,etcd-c=http://${ips}.13:2380`), text);
    // Three nodes share this machine's 127.0.0.1, so the test turns its listener off (MUSTER_ETCD__LISTEN_LOCALHOST=false).
    assert.ok(lines.includes(`ETCD_LISTEN_CLIENT_URLS=http://${ips}.12:2379`), text);
    assert.ok(!/['"]/.test(lines.join('\n')), 'values are unquoted, as etcd-bootstrap wrote them');

    for (const name of names) etcds.push(startSourced(dir, name));
    const endpoints = [11, 12, 13].map((n) => `http://${ips}.${n}:2379`).join(',');
    await waitFor('the cluster is healthy', () => clusterHealthy(endpoints), 30_000);
    assert.deepEqual((await memberList(endpoints)).map((member) => member.name).sort(), names);
  });

  it('a VM added later joins as a learner, and the background muster promotes it once its etcd has caught up', async () => {
    const platform = createVspherePlatform(vspherePlatformSchema.parse({ type: 'vsphere', host: vcsim.host, port: vcsim.port, username: vcsim.username, ca_file: vcsim.caFile, environment: 'prod', role: 'etcd', vm_name: 'etcd-a' }), { env: { VSPHERE_PASSWORD: vcsim.password } });
    await waitFor('etcd-d has a guest IP', async () => (await platform.discover()).peers.length === 4, 30_000);
    const result = await bootstrap('etcd-d');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^join: cluster /m);
    assert.match(result.stdout, /promoted in the background/);
    assert.match(await readFile(join(dir, 'etcd-d.conf'), 'utf8'), /^ETCD_INITIAL_CLUSTER_STATE=existing$/m);
    etcds.push(startSourced(dir, 'etcd-d'));
    const endpoints = [11, 12, 13].map((n) => `http://${ips}.${n}:2379`).join(',');
    await waitFor('etcd-d is a voting member', async () => (await memberList(endpoints)).some((member) => member.name === 'etcd-d' && member.isLearner !== true), 60_000);
    await waitFor('the cluster of four is healthy', () => clusterHealthy(endpoints), 30_000);
  });
});

/** etcd-bootstrap's container contract: flags in $ETCD_BOOTSTRAP_FLAGS, the container's arguments go to etcd. */
describe('muster etcd exec with ETCD_BOOTSTRAP_FLAGS (the vmware-etcd image\'s entrypoint)', { concurrency: false }, () => {
  let vcsim: Vcsim;
  let dir: string;
  let ips: string;
  const nodes: ChildProcess[] = [];
  before(async () => {
    ips = loopbackPrefix();
    vcsim = await startVcsim({ vms: fixture(ips) });
    dir = await mkdtemp(join(tmpdir(), 'muster-etcd-exec-vmware-'));
  });
  after(async () => {
    await stopProcesses(nodes);
    await vcsim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('three containers form a healthy cluster with etcd\'s own flags, and a SIGTERM stops etcd', async () => {
    const { command, args: base } = musterInvocation();
    const names = ['etcd-a', 'etcd-b', 'etcd-c'];
    const exits: Promise<number>[] = [];
    for (const name of names) {
      const flags = `vmware --vsphere-host ${vcsim.host} --vsphere-port ${vcsim.port} --vsphere-username ${vcsim.username} --vsphere-ca-file ${vcsim.caFile} --vm-name ${name} --environment prod --role etcd --expected-peers 3`;
      const child = spawn(command, [...base, 'etcd', 'exec', '--', '--data-dir', join(dir, name), '--heartbeat-interval', '50', '--election-timeout', '500'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ETCD_BOOTSTRAP_FLAGS: flags, VSPHERE_PASSWORD: vcsim.password, MUSTER_ETCD__LISTEN_LOCALHOST: 'false', MUSTER_ETCD__TIMEOUT: '30s', MUSTER_LOG_LEVEL: 'warn' },
      });
      nodes.push(child);
      exits.push(new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))));
    }
    const endpoints = [11, 12, 13].map((n) => `http://${ips}.${n}:2379`).join(',');
    await waitFor('the cluster is healthy', () => clusterHealthy(endpoints), 30_000);
    assert.deepEqual((await memberList(endpoints)).map((member) => member.name).sort(), names);
    // muster forwards the signal; etcd shuts down and re-raises it (its own way of exiting), and
    // muster exits with the code a shell's `exec etcd` would have had: 128 + 15.
    for (const child of nodes) child.kill('SIGTERM');
    const codes = await Promise.all(exits);
    assert.deepEqual(codes, [143, 143, 143]);
    assert.equal(await clusterHealthy(endpoints), false, 'etcd stopped with muster');
  });
});

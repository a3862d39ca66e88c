import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { etcdctl, clusterHealthy, memberList, waitFor } from '../support/etcdctl.js';
import { threeMastersConfig } from '../support/boot-node.js';
import { buildImages, runMusterEtcdContainers, startDockerd, type DockerEngine } from '../support/dockerd.js';
import { loopbackPrefix } from '../support/loopback.js';

// One private engine for the whole file. Skipped only when dockerd cannot start here.
let engine: DockerEngine | undefined;
let skip: string | false = false;
try {
  engine = await startDockerd();
} catch (error) {
  skip = `dockerd cannot start on this machine: ${error instanceof Error ? error.message : String(error)}`;
}

interface ImageInspect {
  Id: string;
  Size: number;
  Config: { Entrypoint: string[] | null; Cmd: string[] | null; Volumes: Record<string, object> | null };
  RootFS: { Layers: string[] };
}

describe('container images of muster (FROM scratch) on a real Docker engine', { concurrency: false, skip }, () => {
  let docker: DockerEngine['docker'];
  let dir: string;
  let built: { image: string; id: string; size: number }[] = [];
  before(async () => {
    assert.ok(engine);
    docker = engine.docker;
    dir = await mkdtemp(join(tmpdir(), 'muster-images-'));
    built = await buildImages(engine);
  });
  after(async () => {
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const inspect = async (image: string): Promise<ImageInspect> => {
    const result = await docker(['image', 'inspect', image]);
    assert.equal(result.code, 0, result.stderr);
    const [parsed] = JSON.parse(result.stdout) as ImageInspect[];
    assert.ok(parsed);
    return parsed;
  };

  it('scripts/build-images.sh builds muster and muster-etcd, tagged VERSION and latest; muster-etcd is muster\'s layer plus etcd\'s', async (t) => {
    const version = (JSON.parse(await readFile('package.json', 'utf8')) as { version: string }).version;
    assert.deepEqual(built.map((b) => b.image), [`muster:${version}`, `muster-etcd:${version}`]);
    const muster = await inspect('muster:latest');
    const musterEtcd = await inspect('muster-etcd:latest');
    assert.equal(muster.Id, built[0]?.id);
    assert.equal(musterEtcd.Id, built[1]?.id);
    assert.deepEqual(muster.Config.Entrypoint, ['/usr/local/bin/muster']);
    assert.deepEqual(musterEtcd.Config.Entrypoint, ['/usr/local/bin/muster', 'etcd', 'exec', '--']);
    assert.ok(musterEtcd.Config.Volumes && '/var/lib/etcd' in musterEtcd.Config.Volumes);
    // FROM scratch: one layer each from the staged rootfs; muster-etcd reuses muster's.
    assert.equal(muster.RootFS.Layers.length, 1);
    assert.equal(musterEtcd.RootFS.Layers.length, 2);
    assert.equal(musterEtcd.RootFS.Layers[0], muster.RootFS.Layers[0]);
    const executable = (await stat('dist/muster-linux-x64')).size;
    assert.ok(muster.Size > executable && muster.Size < executable + 10 * 1024 * 1024, `muster image ${muster.Size} B, executable ${executable} B`);
    t.diagnostic(`muster ${muster.Size} B, muster-etcd ${musterEtcd.Size} B, executable ${executable} B, storage driver ${engine?.storageDriver ?? ''}`);

    // Built again from the same inputs: the same images (the layers' mtimes are fixed).
    const again = await buildImages(engine as DockerEngine);
    assert.deepEqual(again.map((b) => b.id), built.map((b) => b.id));
  });

  it('`docker run --rm muster --help` prints the usage, with no Node.js in the image', async () => {
    const result = await docker(['run', '--rm', '--network', 'host', 'muster', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: muster /m);
    assert.match(result.stdout, /boot \[options\]/);
    const node = await docker(['run', '--rm', '--network', 'host', '--entrypoint', '/usr/bin/node', 'muster', '--version']);
    assert.notEqual(node.code, 0, 'the image has no node');
  });

  it('`docker run --rm muster version` runs the single executable', async () => {
    const result = await docker(['run', '--rm', '--network', 'host', 'muster', 'version']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /single executable/);
  });

  it('NodeReg\'s usage: `boot --dry-run` with the host root at /media/root writes nothing there; `boot` writes the node\'s files there', async () => {
    const prefix = loopbackPrefix();
    const hostRoot = await mkdtemp(join(dir, 'host-root-'));
    const config = join(dir, 'muster.yaml');
    await writeFile(config, threeMastersConfig('/media/root', prefix));
    const run = (args: readonly string[]) =>
      docker(['run', '--rm', '--network', 'host', '-v', `${hostRoot}:/media/root`, '-v', `${config}:/etc/muster/muster.yaml:ro`, 'muster', '-c', '/etc/muster/muster.yaml', '--log-level', 'error', ...args]);

    const dry = await run(['boot', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /hostname master-11/);
    assert.match(dry.stdout, /would write \/media\/root\/etc\/hostname/);
    assert.match(dry.stdout, new RegExp(`create cluster node-1=http://${prefix.replace(/\./g, '\\.')}\\.11:2380`));
    assert.deepEqual(await readdir(hostRoot), [], 'a dry run writes nothing into the host root');

    const boot = await run(['boot']);
    assert.equal(boot.code, 0, boot.stderr);
    assert.equal(await readFile(join(hostRoot, 'etc', 'hostname'), 'utf8'), 'master-11\n');
    assert.match(await readFile(join(hostRoot, 'etc', 'hosts'), 'utf8'), new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.11\\s+master-11$`, 'm'));
    assert.match(await readFile(join(hostRoot, 'run', 'muster', 'etcd.env'), 'utf8'), /^ETCD_INITIAL_CLUSTER_STATE=new$/m);
  });

  it('`docker stop` of a muster-etcd still forming (PID 1, no etcd yet) exits at once, not after docker\'s 10 s kill', async () => {
    // Peers come from a resolver that refuses: muster keeps retrying discovery, etcd never starts.
    const config = join(dir, 'forming.yaml');
    await writeFile(config, 'platform: { type: dns-srv, name: _etcd-server._tcp.forming.muster.test, servers: ["127.0.0.1:9"], expected_peers: 3 }\n');
    const name = `forming-${loopbackPrefix().replace(/\./g, '-')}`;
    const run = await docker(['run', '-d', '--name', name, '--network', 'host', '-v', `${config}:/etc/muster/muster.yaml:ro`, '-e', 'MUSTER_CONFIG=/etc/muster/muster.yaml', 'muster-etcd:latest']);
    assert.equal(run.code, 0, run.stderr);
    await waitFor('muster is retrying the discovery', async () => /discovery failed, retrying/.test((await docker(['logs', name])).stderr), 15_000);
    const started = Date.now();
    const stop = await docker(['stop', '--time', '10', name]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(Date.now() - started < 3_000, `docker stop took ${Date.now() - started} ms`);
    assert.match((await docker(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout, /^143$/m);
  });

  it('three muster-etcd containers (--network host, static configs) form a healthy cluster; `docker stop` on one stops its etcd through muster, the other two stay healthy', async (t) => {
    const prefix = loopbackPrefix();
    const started = Date.now();
    const cluster = await runMusterEtcdContainers(engine as DockerEngine, { prefix, dir, etcdFlags: ['--heartbeat-interval', '50', '--election-timeout', '500'] });
    await waitFor('the containers\' cluster is healthy', () => clusterHealthy(cluster.endpoints), 30_000);
    const healthyMs = Date.now() - started;
    assert.deepEqual((await memberList(cluster.endpoints)).map((member) => member.name).sort(), ['node-1', 'node-2', 'node-3']);
    assert.equal((await etcdctl(cluster.endpoints, ['put', 'formed-in', 'containers'])).code, 0);

    const [first, second, third = ''] = cluster.names;
    const stopStarted = Date.now();
    const stop = await docker(['stop', '--time', '10', third]);
    const stopMs = Date.now() - stopStarted;
    assert.equal(stop.code, 0, stop.stderr);
    const state = await docker(['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', third]);
    const [exitCode] = state.stdout.trim().split(' ');
    // SIGTERM to muster (PID 1) is forwarded to etcd, which stops and re-raises it: 128 + 15, as
    // a shell's `exec etcd` would end. 137 would mean docker had to SIGKILL after --time.
    assert.ok(exitCode === '143' || exitCode === '0', `exit code ${exitCode ?? ''}`);
    assert.ok(stopMs < 5_000, `docker stop took ${stopMs} ms`);
    const logs = await docker(['logs', third]);
    assert.match(logs.stderr + logs.stdout, /received terminated signal|shutting down/i);
    t.diagnostic(`start → healthy ${healthyMs} ms; docker stop ${stopMs} ms, exit code ${exitCode ?? ''}`);

    const remaining = [11, 12].map((n) => `http://${prefix}.${n}:2379`).join(',');
    const health = await etcdctl(remaining, ['endpoint', 'health']);
    assert.equal(health.code, 0, health.stderr + health.stdout);
    assert.equal((await etcdctl(remaining, ['put', 'after-stop', 'quorum'])).code, 0, 'two of three still have a quorum');
    assert.match((await etcdctl(remaining, ['get', 'formed-in', '--print-value-only'])).stdout, /^containers$/m);
    for (const name of [first, second]) assert.match((await docker(['inspect', '--format', '{{.State.Running}}', name ?? ''])).stdout, /^true$/m);
  });
});

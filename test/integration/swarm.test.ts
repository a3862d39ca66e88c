import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram, type RunResult } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { hasDocker, removeGwBridgeIfUnused, startDockerd, type DockerEngine } from '../support/dockerd.js';
import { startStaticEtcd, type RunningEtcd } from '../support/etcd-process.js';
import { clusterHealthy, etcdctl, waitFor } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';

// Real engines need root and Debian's docker.io; nothing else is a reason to skip.
const skip = (await hasDocker()) ? false : 'needs root and Debian\'s docker.io (/usr/sbin/dockerd, /usr/bin/docker): the swarm step is tested on real engines only';

// The simultaneous start is repeated ten times (the issue's count): on this project's 2-core
// machine a trial takes ~7 s (3-4.5 s for the three boots, the rest to leave the swarm and clear
// etcd), ~70 s in all.
const TRIALS = 10;

interface SwarmNode {
  name: string;
  ip: string;
  engine: DockerEngine;
  config: string;
}

interface ListedNode {
  id: string;
  role: string;
  state: string;
  /** Leader, Reachable, Unreachable, or '' for a worker. */
  manager: string;
  addr: string;
}

/** `muster boot` as the node's unit runs it, with info logs (the init and join lines are counted from them). */
function boot(node: SwarmNode, extra: readonly string[] = []): Promise<RunResult> {
  const { command, args } = musterInvocation();
  return runProgram(command, [...args, '--config', node.config, '--log-level', 'info', 'boot', ...extra]);
}

/** What a user checks: `docker node ls`, with each node's address from `docker node inspect` (all engines here share one hostname). */
async function nodeList(engine: DockerEngine): Promise<ListedNode[]> {
  const ids = await engine.docker(['node', 'ls', '-q']);
  assert.equal(ids.code, 0, ids.stderr);
  const format = '{{.ID}}|{{.Spec.Role}}|{{.Status.State}}|{{if .ManagerStatus}}{{if .ManagerStatus.Leader}}Leader{{else}}{{.ManagerStatus.Reachability}}{{end}}|{{.ManagerStatus.Addr}}{{else}}|{{.Status.Addr}}{{end}}';
  const inspected = await engine.docker(['node', 'inspect', '--format', format, ...ids.stdout.split('\n').filter((id) => id !== '')]);
  assert.equal(inspected.code, 0, inspected.stderr);
  return inspected.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', role = '', state = '', manager = '', addr = ''] = line.split('|');
      return { id, role, state, manager: manager === 'reachable' ? 'Reachable' : manager === 'unreachable' ? 'Unreachable' : manager, addr };
    })
    .sort((a, b) => a.addr.localeCompare(b.addr));
}

const inits = (stderr: string): number => stderr.split('\n').filter((line) => line.includes('"msg":"swarm init ran')).length;

describe('the swarm step forms one Docker Swarm on real engines', { concurrency: false, skip }, () => {
  const prefix = loopbackPrefix();
  let dir: string;
  let etcd: RunningEtcd;
  let endpoints: string;
  let managers: SwarmNode[] = [];
  let worker: SwarmNode;
  let spare: SwarmNode;
  let engines: DockerEngine[] = [];

  const leaveAll = async (): Promise<void> => {
    await Promise.all(engines.map((engine) => engine.docker(['swarm', 'leave', '--force']).catch(() => undefined)));
  };
  const swarmKeys = async (): Promise<Map<string, string>> => {
    const got = await etcdctl(endpoints, ['get', '--prefix', '/muster/swarm/']);
    assert.equal(got.code, 0, got.stderr);
    const lines = got.stdout.trim().split('\n');
    const keys = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i += 2) keys.set(lines[i] ?? '', lines[i + 1] ?? '');
    return keys;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-swarm-'));
    // etcd on the managers (as the seed's layout has it), started by hand: the swarm step only reads and writes it.
    etcd = await startStaticEtcd({ prefix, size: 3 });
    endpoints = etcd.endpoints;
    engines = await Promise.all(Array.from({ length: 5 }, () => startDockerd()));
    const [e1, e2, e3, e4, e5] = engines as [DockerEngine, DockerEngine, DockerEngine, DockerEngine, DockerEngine];
    const managerPeers = (names: [string, number][]): string => names.map(([name, n]) => `{ name: ${name}, ip: ${prefix}.${n} }`).join(', ');
    const write = async (name: string, ip: string, engine: DockerEngine, body: string): Promise<SwarmNode> => {
      const config = join(dir, `${name}.yaml`);
      await writeFile(config, `root: ${join(dir, name)}\nboot: { steps: [swarm] }\n${body}`);
      return { name, ip, engine, config };
    };
    const managerSection = (engine: DockerEngine): string => `swarm: { role: manager, socket: ${engine.socket}, managers: 3, rotate_tokens: true, timeout: 60s }\n`;
    const three: [string, number][] = [['m1', 1], ['m2', 2], ['m3', 3]];
    managers = await Promise.all(
      ([e1, e2, e3] as const).map((engine, index) =>
        write(`m${index + 1}`, `${prefix}.${index + 1}`, engine, `platform: { type: static, self: m${index + 1}, peers: [${managerPeers(three)}] }\n${managerSection(engine)}`),
      ),
    );
    // The worker runs an etcd gateway in the seed's layout: it asks the members through etcd.proxy.endpoints.
    worker = await write(
      'w1',
      `${prefix}.4`,
      e4,
      `platform: { type: static, self: w1, peers: [{ name: w1, ip: ${prefix}.4 }] }\netcd: { mode: gateway, proxy: { endpoints: [${etcd.members.map((member) => member.clientUrl).join(', ')}] } }\nswarm: { role: worker, socket: ${e4.socket}, timeout: 60s }\n`,
    );
    // A fourth manager; the replacement test lists it in place of the manager it stops.
    spare = await write('m4', `${prefix}.5`, e5, `platform: { type: static, self: m4, peers: [${managerPeers([['m1', 1], ['m2', 2], ['m4', 5]])}] }\n${managerSection(e5)}`);
    await waitFor('the etcd cluster to be healthy', () => clusterHealthy(endpoints), 30_000);
  });

  after(async () => {
    await leaveAll();
    await Promise.all(engines.map((engine) => engine.stop()));
    const bridge = await removeGwBridgeIfUnused();
    if (bridge === 'in use') process.stderr.write('docker_gwbridge left in place: another dockerd still runs on this machine\n');
    await etcd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('three managers booting at the same moment run exactly one swarm init, and all three are managers (Leader or Reachable)', async (t) => {
    const started = Date.now();
    const timings: string[] = [];
    let trials = 0;
    while (trials < TRIALS) {
      if (trials > 0) {
        await leaveAll();
        const cleared = await etcdctl(endpoints, ['del', '--prefix', '/muster/swarm/']);
        assert.equal(cleared.code, 0, cleared.stderr);
      }
      const trialStart = Date.now();
      const runs = await Promise.all(managers.map((node) => boot(node)));
      const last = Date.now() - trialStart;
      trials += 1;
      for (const [index, run] of runs.entries()) assert.equal(run.code, 0, `trial ${trials}, ${managers[index]?.name ?? ''}:\n${run.stderr}${run.stdout}`);
      assert.equal(runs.reduce((sum, run) => sum + inits(run.stderr), 0), 1, `trial ${trials}: exactly one swarm init`);
      const initIndex = runs.findIndex((run) => inits(run.stderr) === 1);
      const record = JSON.parse((await swarmKeys()).get('/muster/swarm/cluster') ?? '{}') as { cluster_id?: string; leader?: { name: string } };
      assert.equal(record.leader?.name, managers[initIndex]?.name, 'the record names the manager that ran init');
      for (const [index, run] of runs.entries()) if (index !== initIndex) assert.match(run.stdout, new RegExp(`joined swarm ${record.cluster_id ?? '?'} as a manager`));
      const listed = await nodeList(managers[0]?.engine ?? assert.fail());
      assert.deepEqual(listed.map((node) => node.addr), managers.map((node) => `${node.ip}:2377`));
      assert.deepEqual(listed.map((node) => node.manager).sort(), ['Leader', 'Reachable', 'Reachable']);
      timings.push(`${last} ms`);
    }
    // Measured here: the three boots done in 2.9-4.7 s each time (init ~0.7 s, then the joins one at a time, ~0.6 s each).
    t.diagnostic(`${trials} trials of a simultaneous start in ${Math.round((Date.now() - started) / 1000)} s: ${timings.join(', ')}`);
    const keys = await swarmKeys();
    assert.ok(keys.has('/muster/swarm/tokens-rotated'), 'rotate_tokens: rotated once all three managers joined');
    const token = await managers[0]?.engine.docker(['swarm', 'join-token', '-q', 'worker']);
    assert.equal(keys.get('/muster/swarm/worker-token'), token?.stdout.trim(), 'the stored worker token is the rotated one');
  });

  it('a worker joins with the stored worker token; --dry-run first says so and changes nothing', async () => {
    const dry = await boot(worker, ['--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would join swarm \S+ as a worker/);
    assert.equal((await worker.engine.docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim(), 'inactive');

    const run = await boot(worker);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /joined swarm \S+ as a worker via/);
    const listed = await nodeList(managers[0]?.engine ?? assert.fail());
    assert.equal(listed.length, 4);
    assert.deepEqual(listed.filter((node) => node.role === 'worker').map((node) => node.state), ['ready']);
  });

  it('a second boot of every node changes nothing: no lock taken, no etcd write, the same nodes', async () => {
    const revision = async (): Promise<number> => (JSON.parse((await etcdctl(endpoints, ['get', '/muster/swarm/cluster', '-w', 'json'])).stdout) as { header: { revision: number } }).header.revision;
    const before = { revision: await revision(), nodes: await nodeList(managers[0]?.engine ?? assert.fail()) };
    const runs = await Promise.all([...managers, worker].map((node) => boot(node)));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /already in swarm \S+ \(.*\); nothing to change/);
    }
    assert.equal(await revision(), before.revision, 'etcd was not written (a lock would write too)');
    assert.deepEqual(await nodeList(managers[0]?.engine ?? assert.fail()), before.nodes);
  });

  it('a node in another swarm stops with exit 75 and leaves both swarms alone', async () => {
    const own = await spare.engine.docker(['swarm', 'init', '--advertise-addr', spare.ip, '--listen-addr', `${spare.ip}:2377`]);
    assert.equal(own.code, 0, own.stderr);
    const run = await boot(spare);
    assert.equal(run.code, 75, run.stderr);
    assert.match(run.stderr, /not in this cluster's swarm/);
    assert.match(run.stderr, /docker swarm leave --force/);
    assert.equal((await spare.engine.docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim(), 'active');
    assert.equal((await nodeList(managers[0]?.engine ?? assert.fail())).length, 4);
    assert.equal((await spare.engine.docker(['swarm', 'leave', '--force'])).code, 0);
  });

  it('a replaced manager: its replacement joins, the dead one is demoted and removed, and the three managers keep quorum', async (t) => {
    // A follower: a dead leader costs an election first, and the new leader gives every node a fresh heartbeat grace.
    const follower = (await nodeList(managers[0]?.engine ?? assert.fail())).find((node) => node.manager === 'Reachable' && node.addr !== `${managers[0]?.ip ?? ''}:2377`);
    const dead = managers.find((node) => `${node.ip}:2377` === follower?.addr) ?? assert.fail('no follower besides m1');
    const stopped = Date.now();
    await dead.engine.stop();
    // swarm marks a manager down once its heartbeats stop (~12 s measured here); before that it is only unreachable, and kept.
    await waitFor(`${dead.ip} to be down in docker node ls`, async () => (await nodeList(managers[0]?.engine ?? assert.fail())).some((node) => node.addr === `${dead.ip}:2377` && node.state === 'down'), 60_000);
    const downAfter = Date.now() - stopped;
    // The platform now lists the two survivors and the replacement, m4.
    const survivors = managers.filter((node) => node !== dead);
    await writeFile(spare.config, (await readFile(spare.config, 'utf8')).replace(/peers: \[.*\]/, `peers: [${[...survivors, spare].map((node) => `{ name: ${node.name}, ip: ${node.ip} }`).join(', ')}]`));
    const replacing = Date.now();
    const run = await boot(spare);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /joined swarm \S+ as a manager/);
    assert.match(run.stdout, new RegExp(`demoted and removed manager .*${dead.ip.replace(/\./g, '\\.')}:2377`));
    t.diagnostic(`down in docker node ls ${downAfter} ms after its engine stopped; replacement joined and the dead manager removed in ${Date.now() - replacing} ms`);
    const listed = await nodeList(managers[0]?.engine ?? assert.fail());
    const managersLeft = listed.filter((node) => node.role === 'manager');
    const expected = [...survivors, spare].map((node) => `${node.ip}:2377`).sort();
    assert.deepEqual(managersLeft.map((node) => node.addr), expected);
    assert.deepEqual(managersLeft.map((node) => node.manager).sort(), ['Leader', 'Reachable', 'Reachable']);
    assert.deepEqual(JSON.parse((await swarmKeys()).get('/muster/swarm/managers') ?? '[]'), expected);
    engines = engines.filter((engine) => engine !== dead.engine);
  });

  it('refuses an even manager target with a config error (exit 2) before touching anything', async () => {
    const config = join(dir, 'even.yaml');
    await writeFile(config, `platform: { type: static, self: m1, peers: [{ name: m1, ip: ${prefix}.1 }] }\nboot: { steps: [swarm] }\nswarm: { role: manager, managers: 4 }\n`);
    const run = await boot({ name: 'even', ip: `${prefix}.1`, engine: managers[0]?.engine ?? assert.fail(), config });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /swarm\.managers → 4 managers is even/);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram, type RunResult } from '../src/core/process.js';
import { musterInvocation } from '../src/local/muster-command.js';
import { removeGwBridgeIfUnused, startDockerd, type DockerEngine } from '../test/support/dockerd.js';
import { startStaticEtcd, type RunningEtcd } from '../test/support/etcd-process.js';
import { clusterHealthy, etcdctl, waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { percentile, type Row } from './stats.js';

// Rounds (one muster formation and one by hand each) are started while the whole benchmark,
// setup included, fits in this budget; never fewer than MIN_ROUNDS.
const BUDGET_MS = 90_000;
const MIN_ROUNDS = 3;
const MAX_ROUNDS = 15;
const FORMED_TIMEOUT_MS = 90_000;

interface SwarmNode {
  name: string;
  role: 'manager' | 'worker';
  ip: string;
  engine: DockerEngine;
  config: string;
}

/** The parts of the engine API's GET /nodes read here. */
interface ApiNode {
  Spec?: { Role?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

/** GET /nodes on an engine's socket; undefined while the engine is not a swarm manager (503) or does not answer. */
function apiNodes(socket: string): Promise<ApiNode[] | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/nodes', method: 'GET', timeout: 2000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return resolve(undefined);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiNode[]);
        } catch {
          resolve(undefined);
        }
      });
      response.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** What `docker node ls` on a manager shows once the swarm is whole: 3 managers Leader/Reachable, 3 workers Ready. */
function formed(nodes: readonly ApiNode[]): boolean {
  const managers = nodes.filter((node) => node.Spec?.Role === 'manager' && node.Status?.State === 'ready' && (node.ManagerStatus?.Leader === true || node.ManagerStatus?.Reachability === 'reachable'));
  const workers = nodes.filter((node) => node.Spec?.Role === 'worker' && node.Status?.State === 'ready');
  return nodes.length === 6 && managers.length === 3 && workers.length === 3;
}

/** Polls every manager's engine API (any one may hold the swarm first) every 50 ms until one shows all six; when that was. */
async function whenFormed(managers: readonly SwarmNode[], started: number): Promise<number> {
  while (Date.now() - started < FORMED_TIMEOUT_MS) {
    const lists = await Promise.all(managers.map((node) => apiNodes(node.engine.socket)));
    const at = Date.now();
    if (lists.some((list) => list !== undefined && formed(list))) return at;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the swarm was not whole within ${FORMED_TIMEOUT_MS / 1000} s`);
}

function check(what: string, result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result;
}

/**
 * 3 managers + 3 workers forming one Docker Swarm: from the moment the last of six `muster boot`
 * (boot: { steps: [swarm] }, etcd as the store) has started to the moment `docker node ls` (the
 * engine API behind it) on a manager shows 3 managers Leader/Reachable and 3 workers Ready;
 * against the same six engines formed by hand with the docker CLI the fastest way: one
 * `swarm init`, both join tokens read at once, then the five joins in parallel. The two are
 * interleaved round by round, on the same engines, so both see the same machine load.
 */
export async function benchSwarm(): Promise<Row[]> {
  const benchStart = Date.now();
  const prefix = loopbackPrefix();
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-swarm-'));
  let etcd: RunningEtcd | undefined;
  const engines: DockerEngine[] = [];
  const musterTimes: number[] = [];
  const handTimes: number[] = [];
  let cleanupNote = '';
  try {
    // etcd on the managers' addresses (as the seed's layout has it), started by hand: the swarm step only reads and writes it.
    etcd = await startStaticEtcd({ prefix, size: 3 });
    const started = await Promise.allSettled(Array.from({ length: 6 }, () => startDockerd()));
    for (const result of started) if (result.status === 'fulfilled') engines.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const endpoints = etcd.endpoints;
    await waitFor('the etcd cluster to be healthy', () => clusterHealthy(endpoints), 30_000);

    const managerPeers = [1, 2, 3].map((n) => `{ name: m${n}, ip: ${prefix}.${n} }`).join(', ');
    const memberUrls = etcd.members.map((member) => member.clientUrl).join(', ');
    const nodes: SwarmNode[] = await Promise.all(
      engines.map(async (engine, index) => {
        const manager = index < 3;
        const n = index + 1;
        const name = manager ? `m${n}` : `w${n - 3}`;
        const ip = `${prefix}.${n}`;
        const config = join(dir, `${name}.yaml`);
        const body = manager
          ? `platform: { type: static, self: ${name}, peers: [${managerPeers}] }\nswarm: { role: manager, socket: ${engine.socket}, managers: 3, timeout: 60s }\n`
          : // Workers as the integration test has them: an etcd gateway's layout, asking the members through etcd.proxy.endpoints.
            `platform: { type: static, self: ${name}, peers: [{ name: ${name}, ip: ${ip} }] }\netcd: { mode: gateway, proxy: { endpoints: [${memberUrls}] } }\nswarm: { role: worker, socket: ${engine.socket}, timeout: 60s }\n`;
        await writeFile(config, `root: ${join(dir, name)}\nboot: { steps: [swarm] }\n${body}`);
        return { name, role: manager ? 'manager' : 'worker', ip, engine, config } satisfies SwarmNode;
      }),
    );
    const managers = nodes.filter((node) => node.role === 'manager');
    const [first, ...others] = nodes;
    if (!first) throw new Error('no engines');

    const reset = async (): Promise<void> => {
      await Promise.all(nodes.map((node) => node.engine.docker(['swarm', 'leave', '--force'])));
      check('etcdctl del /muster/swarm/', await etcdctl(endpoints, ['del', '--prefix', '/muster/swarm/']));
      check('etcdctl del muster/locks/swarm', await etcdctl(endpoints, ['del', 'muster/locks/swarm']));
    };

    const { command, args } = musterInvocation();
    const timeMuster = async (): Promise<number> => {
      await reset();
      const runs = nodes.map((node) => runProgram(command, [...args, '--config', node.config, '--log-level', 'warn', 'boot']));
      // runProgram spawns at once: the last of the six has started now.
      const start = Date.now();
      const done = await whenFormed(managers, start);
      const results = await Promise.all(runs);
      for (const [index, result] of results.entries()) check(`muster boot of ${nodes[index]?.name ?? '?'}`, result);
      return done - start;
    };

    const timeByHand = async (): Promise<number> => {
      await reset();
      const start = Date.now();
      check('docker swarm init', await first.engine.docker(['swarm', 'init', '--advertise-addr', `${first.ip}:2377`, '--listen-addr', `${first.ip}:2377`]));
      const [managerToken, workerToken] = (
        await Promise.all(['manager', 'worker'].map(async (kind) => check(`docker swarm join-token ${kind}`, await first.engine.docker(['swarm', 'join-token', '-q', kind]))))
      ).map((result) => result.stdout.trim());
      const joins = await Promise.all(
        others.map((node) =>
          node.engine.docker(['swarm', 'join', '--token', (node.role === 'manager' ? managerToken : workerToken) ?? '', '--advertise-addr', `${node.ip}:2377`, '--listen-addr', `${node.ip}:2377`, `${first.ip}:2377`]),
        ),
      );
      for (const [index, join] of joins.entries()) check(`docker swarm join of ${others[index]?.name ?? '?'}`, join);
      return (await whenFormed(managers, start)) - start;
    };

    let lastRound = 0;
    while (musterTimes.length < MAX_ROUNDS && (musterTimes.length < MIN_ROUNDS || Date.now() - benchStart + lastRound < BUDGET_MS)) {
      const roundStart = Date.now();
      // Alternate which goes first, so neither always runs on engines that have just left a swarm.
      if (musterTimes.length % 2 === 0) {
        musterTimes.push(await timeMuster());
        handTimes.push(await timeByHand());
      } else {
        handTimes.push(await timeByHand());
        musterTimes.push(await timeMuster());
      }
      lastRound = Date.now() - roundStart;
    }
  } finally {
    await Promise.all(engines.map((engine) => engine.docker(['swarm', 'leave', '--force']).catch(() => undefined)));
    await Promise.all(engines.map((engine) => engine.stop().catch(() => undefined)));
    const bridge = await removeGwBridgeIfUnused().catch((error: unknown) => `not removed: ${String(error)}`);
    if (bridge !== 'removed' && bridge !== 'absent') cleanupNote = `docker_gwbridge ${bridge} (another dockerd runs on this machine)`;
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
    if (cleanupNote) process.stderr.write(`bench swarm: ${cleanupNote}\n`);
  }

  const rounds = musterTimes.length;
  const samples = `; samples in round order (ms): muster ${musterTimes.join(', ')}; by hand ${handTimes.join(', ')}`;
  return [50, 90].map((p) => ({
    what: `3 managers + 3 workers: last \`muster boot\` started → 3 managers Leader/Reachable + 3 workers Ready, p${p} of ${rounds} rounds${p === 90 ? samples : ''}`,
    subject: 'muster boot (etcd lock)',
    baseline: 'docker CLI by hand (init, tokens, 5 joins in parallel)',
    subjectValue: percentile(musterTimes, p),
    baselineValue: percentile(handTimes, p),
    unit: 'ms',
  }));
}

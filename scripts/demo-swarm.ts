/**
 * coreos-docker-swarm-cluster's layout on this one machine, formed by muster:
 *
 *   sudo node --import tsx scripts/demo-swarm.ts            (after `npm ci && npm run build`)
 *
 * Three managers (m1-m3) and a worker (w1) on loopback addresses of one 127.x.y.0/24, each a muster
 * node with a root dir of its own and a private Docker engine (test/support/dockerd.ts):
 *   - etcd on the managers, formed by `muster boot --exec-etcd` started on all three at once;
 *   - an `etcd gateway` on the worker (etcd.mode gateway), run with the arguments muster wrote;
 *   - a Docker Swarm formed by muster's swarm step (the three managers at once, then the worker);
 *   - `muster agent` on every node, keeping /muster/nodes/<role>/<name> alive, the events leader
 *     among them posting node up / down events to a JSON webhook on 127.0.0.1, printed here.
 * Ctrl-C (or --exit-after SECONDS) stops the agents one by one (their "down" events arrive), then
 * removes everything: etcd, the gateway, the engines, docker_gwbridge, the temp dirs.
 *
 * The script re-runs itself in a process group of its own, so that the terminal's Ctrl-C reaches
 * only this script (which then stops things in order), not every engine and agent at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { isAlive, runProgram, waitForExit, type RunResult } from '../src/core/process.js';
import { parseEnvFile } from '../src/etcd/env.js';
import { DOCKER, DOCKERD, removeGwBridgeIfUnused, startDockerd, type DockerEngine } from '../test/support/dockerd.js';
import { clusterHealthy, etcdctl, memberList } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { closeServer, listenOnLoopback, readBody } from '../test/support/loopback-http.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MUSTER_CLI = join(REPO, 'dist', 'main.js');
const ETCD = '/usr/bin/etcd';
const ETCDCTL = '/usr/bin/etcdctl';
/** Not MUSTER_*: muster reads those as config overrides, and every child inherits the environment. */
const SUPERVISED = 'DEMO_SWARM_SUPERVISED';
const USAGE = `usage: sudo node --import tsx scripts/demo-swarm.ts [--exit-after SECONDS] [--ip-prefix 127.X.Y]

Brings up 3 managers and 1 worker on this machine (etcd, an etcd gateway, a Docker Swarm, muster
agents) and prints their lifecycle events; Ctrl-C stops the agents and removes everything.
  --exit-after SECONDS   tear down by itself after this long once formed (unattended runs)
  --ip-prefix 127.X.Y    the nodes' /24 on loopback (default: a random 127.1xx.y)
`;

type Role = 'manager' | 'worker';

interface DemoNode {
  name: string;
  role: Role;
  ip: string;
  root: string;
  config: string;
  log: string;
  engine: DockerEngine;
}

interface Daemon {
  what: string;
  child: ChildProcess;
  log: string;
  exited: Promise<void>;
}

interface ReceivedEvent {
  id: string;
  event: string;
  node: { name: string; role: string; ip: string; swarm_node_id?: string };
  replaces?: { name: string };
  time: string;
}

/** A failure the user can act on: what went wrong, and what to do. */
class DemoError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly logFile?: string,
  ) {
    super(message);
  }
}

/** Set once the agents are being stopped: their exits are expected from then on. */
let tearingDownAgents = false;

if (process.env[SUPERVISED] === '1') await main();
else await supervise();

/**
 * Runs the demo in a child that leads a process group of its own: the terminal sends Ctrl-C to
 * its foreground group, which is this process only; the child gets exactly one SIGINT per Ctrl-C.
 */
async function supervise(): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, [SUPERVISED]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => (): void => void child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
  process.exit(code);
}

async function main(): Promise<void> {
  const started = Date.now();
  const progress = (line: string): void => void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);

  let options: { exitAfter: number | undefined; prefix: string };
  try {
    options = parseOptions();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  try {
    preflight();
  } catch (error) {
    report(error);
    process.exit(1);
  }

  // Teardown: what was started, undone in reverse order, once.
  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  const abort = new AbortController();
  let tearingDown = false;
  const onSignal = (signal: string) => (): void => {
    if (tearingDown) {
      progress(`${signal}: already tearing down; wait for it, so that nothing is left behind`);
      return;
    }
    progress(`${signal}: tearing everything down (the agents first, so that their down events arrive)…`);
    abort.abort(new DemoError(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal('Ctrl-C'));
  process.on('SIGTERM', onSignal('SIGTERM'));
  // The supervising parent gone (killed -9): tear down rather than leave engines behind.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !abort.signal.aborted) abort.abort(new DemoError('the supervising process went away'));
  }, 1000).unref();

  let exitCode = 0;
  try {
    await formAndWatch(options, started, progress, cleanups, abort.signal);
  } catch (error) {
    if (!abort.signal.aborted || !(error instanceof DemoError && error.message.startsWith('interrupted'))) {
      report(error);
      exitCode = 1;
    }
  }
  tearingDown = true;
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup.run();
    } catch (error) {
      progress(`teardown: ${cleanup.what} failed: ${String(error)}`);
      exitCode = 1;
    }
  }
  progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(exitCode);
}

function parseOptions(): { exitAfter: number | undefined; prefix: string } {
  const { values } = parseArgs({
    options: { 'exit-after': { type: 'string' }, 'ip-prefix': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  let exitAfter: number | undefined;
  if (values['exit-after'] !== undefined) {
    exitAfter = Number(values['exit-after']);
    if (!Number.isFinite(exitAfter) || exitAfter < 0) throw new Error(`--exit-after ${values['exit-after']}: give a number of seconds`);
  }
  const prefix = values['ip-prefix'] ?? loopbackPrefix();
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(prefix) || prefix.split('.').some((octet) => Number(octet) > 255)) {
    throw new Error(`--ip-prefix ${prefix}: give the first three octets of a loopback /24, such as 127.150.7`);
  }
  return { exitAfter, prefix };
}

function preflight(): void {
  if (process.getuid?.() !== 0) {
    throw new DemoError('needs root: it runs Docker engines and binds swarm and etcd ports on loopback addresses', 'run it with sudo: sudo node --import tsx scripts/demo-swarm.ts');
  }
  if (!existsSync(MUSTER_CLI)) throw new DemoError(`${MUSTER_CLI} is missing: muster is not built`, 'run npm run build first (after npm ci)');
  const needs: [string, string][] = [
    [DOCKERD, "Debian's docker.io: sudo apt-get install -y docker.io"],
    [DOCKER, "Debian's docker.io: sudo apt-get install -y docker.io"],
    [ETCD, 'sudo apt-get install -y etcd-server etcd-client'],
    [ETCDCTL, 'sudo apt-get install -y etcd-client'],
  ];
  for (const [binary, install] of needs) {
    try {
      accessSync(binary, constants.X_OK);
    } catch {
      throw new DemoError(`${binary} is not installed`, install);
    }
  }
}

function report(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`\ndemo-swarm: ${message}\n`);
  if (error instanceof DemoError) {
    if (error.hint) process.stderr.write(`  what to do: ${error.hint}\n`);
    if (error.logFile) process.stderr.write(`  (the log below is removed with the temp dir)\n${error.logFile}\n`);
  }
}

async function formAndWatch(
  options: { exitAfter: number | undefined; prefix: string },
  started: number,
  progress: (line: string) => void,
  cleanups: { what: string; run: () => Promise<void> }[],
  signal: AbortSignal,
): Promise<void> {
  const { prefix } = options;
  const dir = await mkdtemp('/tmp/muster-demo-');
  cleanups.push({
    what: `removing ${dir}`,
    run: async () => {
      await rm(dir, { recursive: true, force: true });
      progress(`removed ${dir}`);
    },
  });
  const check = (): void => {
    if (signal.aborted) throw signal.reason as Error;
  };

  // The webhook receiver: every event the events leader posts, printed as it arrives.
  const events: ReceivedEvent[] = [];
  const receiver = createServer((request, response) => {
    void readBody(request).then((body) => {
      try {
        const event = JSON.parse(body) as ReceivedEvent;
        if (!events.some((seen) => seen.id === event.id)) {
          events.push(event);
          printEvent(event);
        }
        response.writeHead(200).end('ok');
      } catch {
        response.writeHead(400).end('not JSON');
      }
    });
  });
  await listenOnLoopback(receiver);
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  cleanups.push({ what: 'closing the webhook receiver', run: () => closeServer(receiver) });

  progress(`starting 4 Docker engines (private data roots under /tmp, swarm addresses ${prefix}.1-4)…`);
  const engineList: DockerEngine[] = [];
  cleanups.push({
    what: 'stopping the Docker engines',
    run: async () => {
      if (engineList.length === 0) return;
      progress(`stopping ${engineList.length} Docker engines…`);
      await Promise.all(engineList.map((engine) => engine.stop()));
      const bridge = await removeGwBridgeIfUnused();
      progress(bridge === 'in use' ? 'docker_gwbridge left in place: another dockerd runs on this machine (its owner removes it)' : `engines stopped and their dirs removed; docker_gwbridge ${bridge}`);
    },
  });
  const engines = await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const engine = await startDockerd();
      engineList.push(engine);
      return engine;
    }),
  ).catch((error: unknown) => {
    throw new DemoError(`a Docker engine did not start: ${String(error)}`, 'see the dockerd output above; MUSTER_DOCKER_STORAGE_DRIVER=vfs forces the storage driver');
  });
  check();

  const layout: [string, Role][] = [['m1', 'manager'], ['m2', 'manager'], ['m3', 'manager'], ['w1', 'worker']];
  const nodes: DemoNode[] = layout.map(([name, role], index) => {
    const root = join(dir, name);
    return { name, role, ip: `${prefix}.${index + 1}`, root, config: join(root, 'muster.yaml'), log: join(root, 'demo.log'), engine: engines[index] as DockerEngine };
  });
  const managers = nodes.filter((node) => node.role === 'manager');
  const worker = nodes.find((node) => node.role === 'worker') as DemoNode;
  const managerUrls = managers.map((node) => `http://${node.ip}:2379`);
  const gateway = `${worker.ip}:2379`;
  for (const node of nodes) {
    await mkdir(node.root, { recursive: true });
    await writeFile(node.config, nodeConfig(node, nodes, managerUrls, gateway, hook));
    // The agent reaches its engine at agent.docker_socket under the node's root (the default
    // /var/run/docker.sock there), as on a real node; the swarm step takes the socket as it is.
    await mkdir(join(node.root, 'var/run'), { recursive: true });
    await symlink(node.engine.socket, join(node.root, 'var/run/docker.sock'));
  }
  progress(`node configs: ${nodes.map((node) => node.config).join(', ')}`);

  // etcd: the three managers' `muster boot --exec-etcd` at the same moment (the etcd step only;
  // the swarm step needs the etcd that this very process then runs).
  progress('forming etcd on the 3 managers (muster boot --exec-etcd, all at once)…');
  const members: Daemon[] = [];
  cleanups.push({
    what: 'stopping etcd',
    run: async () => {
      if (members.length === 0) return;
      progress(`stopping the ${members.length} etcd members…`);
      // Their data goes with the temp dir: no leadership handover needed.
      await Promise.all(members.map((daemon) => stopDaemon(daemon, 3000)));
    },
  });
  for (const node of managers) {
    members.push(await startDaemon(`etcd on ${node.name}`, process.execPath, [MUSTER_CLI, '--config', node.config, '--log-level', 'info', 'boot', '--exec-etcd', '--etcd-bin', ETCD], node.log, { MUSTER_BOOT__STEPS: '[etcd]' }));
  }
  const etcdStarted = Date.now();
  await until('etcd: 3 started voting members', 120_000, signal, members, async () => {
    if (!(await clusterHealthy(managerUrls.join(',')))) return false;
    const listed = await memberList(managerUrls.join(','));
    return listed.length === 3 && listed.every((member) => member.isLearner !== true && (member.clientURLs ?? []).length > 0);
  });
  const listed = await memberList(managerUrls.join(','));
  progress(`etcd formed: 3 members (${listed.map((member) => member.name).sort().join(', ')}) in ${seconds(etcdStarted)}`);

  // The worker: muster writes the gateway's arguments; they run as muster-etcd-proxy.service would.
  const proxyBoot = await musterRun(worker, ['boot'], { MUSTER_BOOT__STEPS: '[etcd]' });
  if (proxyBoot.code !== 0) throw new DemoError(`muster boot (etcd step) on ${worker.name} failed (${proxyBoot.code})`, undefined, await tail(worker.log));
  const argsFile = join(worker.root, 'run/muster/etcd-proxy.env');
  const proxyArgs = (parseEnvFile(await readFile(argsFile, 'utf8'))['MUSTER_ETCD_PROXY_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
  if (proxyArgs[0] !== 'gateway') throw new DemoError(`${argsFile} has no gateway arguments: ${proxyArgs.join(' ')}`);
  const gatewayDaemon = await startDaemon(`etcd gateway on ${worker.name}`, ETCD, proxyArgs, join(worker.root, 'etcd-gateway.log'));
  cleanups.push({
    what: gatewayDaemon.what,
    run: async () => {
      progress(`stopping the etcd gateway on ${worker.name}…`);
      await stopDaemon(gatewayDaemon, 5000);
    },
  });
  await until(`etcdctl through the gateway at ${gateway}`, 30_000, signal, [gatewayDaemon], async () => (await etcdctl(`http://${gateway}`, ['endpoint', 'health'])).code === 0);
  progress(`etcd gateway on ${worker.name}: ${gateway} → ${managers.map((node) => `${node.ip}:2379`).join(', ')} (etcd ${proxyArgs.join(' ')})`);

  // The swarm: the three managers' swarm step at once (exactly one runs swarm init), then the worker.
  progress('forming the swarm: muster boot (swarm step) on the 3 managers at once, then on the worker…');
  const swarmStarted = Date.now();
  const managerRuns = await Promise.all(managers.map((node) => musterRun(node, ['swarm'])));
  for (const [index, run] of managerRuns.entries()) {
    const node = managers[index] as DemoNode;
    if (run.code !== 0) throw new DemoError(`muster boot (swarm step) on ${node.name} failed (${run.code})`, undefined, await tail(node.log));
  }
  check();
  const workerRun = await musterRun(worker, ['swarm']);
  if (workerRun.code !== 0) throw new DemoError(`muster boot (swarm step) on ${worker.name} failed (${workerRun.code})`, undefined, await tail(worker.log));
  for (const [index, run] of [...managerRuns, workerRun].entries()) {
    const first = swarmLine(run.stdout);
    if (first) progress(`  ${nodes[index]?.name ?? '?'}: ${first}`);
  }
  const m1 = managers[0] as DemoNode;
  const clusterId = (await m1.engine.docker(['info', '--format', '{{.Swarm.Cluster.ID}}'])).stdout.trim();
  const [managerCount = '?', nodeCount = '?'] = (await m1.engine.docker(['info', '--format', '{{.Swarm.Managers}} {{.Swarm.Nodes}}'])).stdout.trim().split(' ');
  const inits = managerRuns.filter((run) => /ran swarm init/.test(run.stdout)).length;
  progress(`swarm formed: cluster ${clusterId}, ${managerCount} managers + ${Number(nodeCount) - Number(managerCount)} worker, ${inits} swarm init, in ${seconds(swarmStarted)}`);

  // The agents: each node in the registry; one of them leads the events.
  progress('starting muster agent on every node…');
  const agents = new Map<string, Daemon>();
  for (const node of nodes) {
    const daemon = await startDaemon(`muster agent on ${node.name}`, process.execPath, [MUSTER_CLI, '--config', node.config, '--log-level', 'info', 'agent'], join(node.root, 'agent.log'));
    agents.set(node.name, daemon);
  }
  // Stops the agents one at a time, the events leader last, each after the last one's down event
  // arrived: the user watches every node go.
  cleanups.push({ what: 'stopping the agents', run: () => stopAgents(nodes, agents, events, progress) });
  await until('4 nodes in the registry', 60_000, signal, [...agents.values()], async () => (await registryKeys(`http://${gateway}`)).length === 4);
  const leader = await eventsLeader(nodes, agents);
  progress(`agents registered: ${(await registryKeys(`http://${gateway}`)).join(', ')} (events leader: ${leader ?? '?'})`);
  await until('the 4 "up" events at the webhook', 60_000, signal, [...agents.values()], () => Promise.resolve(events.filter((event) => event.event === 'up').length >= 4));

  // What a user would check.
  const nodesTable = await musterRun(m1, ['nodes']);
  const nodeLs = await m1.engine.docker(['node', 'ls']);
  const memberTable = await etcdctl(`http://${gateway}`, ['member', 'list', '-w', 'table']);
  process.stdout.write(
    [
      '',
      `$ muster nodes                           (on ${m1.name})`,
      nodesTable.stdout.trimEnd() || nodesTable.stderr.trimEnd(),
      '',
      `$ docker node ls                         (on ${m1.name}'s engine; the engines share this machine's hostname)`,
      nodeLs.stdout.trimEnd() || nodeLs.stderr.trimEnd(),
      '',
      `$ etcdctl --endpoints http://${gateway} member list -w table      (through ${worker.name}'s gateway)`,
      memberTable.stdout.trimEnd() || memberTable.stderr.trimEnd(),
      '',
    ].join('\n') + '\n',
  );
  process.stdout.write(`formed in ${seconds(started)}; node configs and logs under ${dir}\n`);
  process.stdout.write(
    options.exitAfter === undefined
      ? `watching lifecycle events at ${hook}: press Ctrl-C to stop the agents and tear everything down\n`
      : `watching lifecycle events at ${hook}: tearing down in ${options.exitAfter} s (--exit-after), or on Ctrl-C\n`,
  );

  // Until Ctrl-C, --exit-after, or a daemon dying under us.
  await new Promise<void>((resolve, reject) => {
    const timer = options.exitAfter === undefined ? undefined : setTimeout(resolve, options.exitAfter * 1000);
    signal.addEventListener('abort', () => {
      if (timer) clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
    for (const daemon of [...members, gatewayDaemon, ...agents.values()]) {
      void daemon.exited.then(async () => {
        if (signal.aborted || tearingDownAgents) return;
        if (timer) clearTimeout(timer);
        reject(new DemoError(`${daemon.what} exited on its own`, undefined, await tail(daemon.log)));
      });
    }
  });
  if (options.exitAfter !== undefined) progress(`--exit-after ${options.exitAfter}: stopping the agents, then tearing everything down…`);
}

function nodeConfig(node: DemoNode, nodes: readonly DemoNode[], managerUrls: readonly string[], gateway: string, hook: string): string {
  // The managers' static group is the etcd cluster (every peer listed is a member to be); the
  // worker sees the whole group.
  const group = node.role === 'manager' ? nodes.filter((peer) => peer.role === 'manager') : nodes;
  const etcd =
    node.role === 'manager'
      ? { mode: 'member', listen_localhost: false, data_dir: '/var/lib/etcd', env_file: '/run/muster/etcd.env', drop_in_file: null, timeout: '90s' }
      : { mode: 'gateway', proxy: { endpoints: managerUrls, listen: gateway }, env_file: null, drop_in_file: null };
  return stringify({
    root: node.root,
    platform: { type: 'static', self: node.name, peers: group.map((peer) => ({ name: peer.name, ip: peer.ip, tags: { Role: peer.role } })) },
    boot: { steps: ['etcd', 'swarm'] },
    etcd,
    swarm: { role: node.role, socket: node.engine.socket, managers: 3, rotate_tokens: true, timeout: '90s' },
    agent: { role: node.role, ttl: '10s', leave_swarm_on_stop: node.role === 'worker' },
    events: { webhooks: [{ type: 'json', url: hook }], rate: 2, retry: { initial: '500ms', max: '5s' }, drain_timeout: '10s' },
  });
}

/** A long-running child in a process group of its own, its output appended to `log`. */
async function startDaemon(what: string, command: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const file = await open(log, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', file.fd, file.fd], env: { ...process.env, ...env } });
  await file.close();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('error', () => undefined);
  return { what, child, log, exited };
}

/** SIGTERM to the daemon's group (muster and the etcd it runs), SIGKILL after `graceMs`. */
async function stopDaemon(daemon: Daemon, graceMs: number): Promise<void> {
  const pid = daemon.child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  if (!(await waitForExit(pid, graceMs))) signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, 5000);
  // Whatever else of the group is left (etcd under a muster that has gone).
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

async function stopAgents(nodes: readonly DemoNode[], agents: Map<string, Daemon>, events: readonly ReceivedEvent[], progress: (line: string) => void): Promise<void> {
  tearingDownAgents = true;
  const leader = await eventsLeader(nodes, agents);
  const order = [...nodes].sort((a, b) => Number(a.name === leader) - Number(b.name === leader) || Number(b.role === 'worker') - Number(a.role === 'worker'));
  for (const node of order) {
    const agent = agents.get(node.name);
    if (!agent || agent.child.pid === undefined || !isAlive(agent.child.pid)) continue;
    const wasUp = events.some((event) => event.event === 'up' && event.node.name === node.name);
    progress(`stopping muster agent on ${node.name}${node.name === leader ? ' (the events leader: it reports its own down before exiting)' : ''}${node.role === 'worker' ? ' (agent.leave_swarm_on_stop: the worker leaves the swarm)' : ''}…`);
    await stopDaemon(agent, 15_000);
    const said = await readFile(agent.log, 'utf8').catch(() => '');
    if (said.includes('"msg":"left the swarm"')) progress(`  ${node.name} left the swarm`);
    if (!wasUp) continue;
    const deadline = Date.now() + 15_000;
    while (!events.some((event) => event.event === 'down' && event.node.name === node.name) && Date.now() < deadline) await sleep(100);
    if (!events.some((event) => event.event === 'down' && event.node.name === node.name)) progress(`no down event for ${node.name} within 15 s`);
  }
}

/** Which node's agent leads the events: the last agent whose log says it took the lead. */
async function eventsLeader(nodes: readonly DemoNode[], agents: Map<string, Daemon>): Promise<string | undefined> {
  let best: { name: string; at: number } | undefined;
  for (const node of nodes) {
    const log = agents.get(node.name)?.log;
    if (!log) continue;
    const text = await readFile(log, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.includes('events leader: watching the registry')) continue;
      const at = Number((/"time":(\d+)/.exec(line) ?? [])[1] ?? 0);
      const alive = agents.get(node.name)?.child.exitCode === null;
      if (alive && (!best || at >= best.at)) best = { name: node.name, at };
    }
  }
  return best?.name;
}

function musterRun(node: DemoNode, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runProgram(process.execPath, [MUSTER_CLI, '--config', node.config, '--log-level', 'info', ...args], { env: { ...process.env, ...env } }).then(async (result) => {
    await writeFile(node.log, `\n$ muster ${args.join(' ')}  (${Object.entries(env).map(([key, value]) => `${key}=${String(value)}`).join(' ')})\n${result.stdout}${result.stderr}`, { flag: 'a' });
    return result;
  });
}

/** The first line the swarm step reported ("ran swarm init…", "joined swarm…"). */
function swarmLine(stdout: string): string | undefined {
  const lines = stdout.split('\n');
  const at = lines.findIndex((line) => line.trim() === 'swarm:');
  return at < 0 ? undefined : lines[at + 1]?.trim();
}

async function registryKeys(endpoint: string): Promise<string[]> {
  const got = await etcdctl(endpoint, ['get', '--prefix', '/muster/nodes/', '--keys-only']);
  return got.code === 0 ? got.stdout.split('\n').filter((line) => line.trim() !== '') : [];
}

/** Polls `ready` until it holds; fails at the deadline, on Ctrl-C, or when a daemon it needs exits. */
async function until(what: string, timeoutMs: number, signal: AbortSignal, daemons: readonly Daemon[], ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw signal.reason as Error;
    const dead = daemons.find((daemon) => daemon.child.exitCode !== null || daemon.child.signalCode !== null);
    if (dead) throw new DemoError(`${dead.what} exited (${dead.child.exitCode ?? dead.child.signalCode ?? '?'}) while waiting for ${what}`, 'its log is below', await tail(dead.log));
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new DemoError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`, 'the machine may be busy (2 cores and a test run?): try again', await tail(daemons[0]?.log));
    await sleep(250);
  }
}

async function tail(log: string | undefined): Promise<string | undefined> {
  if (!log) return undefined;
  const text = await readFile(log, 'utf8').catch(() => '');
  return `--- ${log} (last lines) ---\n${text.trimEnd().split('\n').slice(-15).join('\n')}`;
}

function printEvent(event: ReceivedEvent): void {
  const time = new Date(event.time).toISOString().slice(11, 19);
  const node = `${event.node.name} (${event.node.role}, ${event.node.ip}${event.node.swarm_node_id ? `, swarm node ${event.node.swarm_node_id.slice(0, 12)}` : ''})`;
  const what = event.event === 'replaced' ? `REPLACED ${event.replaces?.name ?? '?'}` : event.event.toUpperCase();
  process.stdout.write(`event ${time}  node ${what.padEnd(4)}  ${node}\n`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

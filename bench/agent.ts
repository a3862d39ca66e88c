import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Etcd3 } from 'etcd3';
import { musterInvocation } from '../src/local/muster-command.js';
import { rssMiB } from './proc-stats.js';
import { startStaticEtcd, stopProcesses, type RunningEtcd } from '../test/support/etcd-process.js';
import { clusterHealthy, waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { closeServer, listenOnLoopback, readBody } from '../test/support/loopback-http.js';
import { median, percentile, type Row } from './stats.js';

const EVENTS = 20;
/** events.rate is 1/s per URL by default: events this far apart are never held back by it. */
const EVENT_GAP_MS = 1100;
const RSS_AFTER_MS = 10_000;
const WINDOW_MS = 20_000;
/** The window runs with agent.ttl 6s (keepalive ttl/3 = 2 s); the defaults are 60s / 20 s, so everything periodic happens 10× less often. */
const SCALED_TTL = '6s';
const SCALE_TO_DEFAULT = 2 / 20;

interface Received {
  at: number;
  body: string;
}

/** A JSON webhook receiver on loopback that answers 200 at once; `next(match)` resolves when a matching body has arrived. */
async function startReceiver(): Promise<{ url: string; next: (match: (body: string) => boolean) => Promise<Received>; close: () => Promise<void> }> {
  const waiting: { match: (body: string) => boolean; resolve: (received: Received) => void }[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const received = { at: performance.now(), body };
      response.writeHead(200).end('ok');
      const index = waiting.findIndex((waiter) => waiter.match(body));
      if (index >= 0) waiting.splice(index, 1)[0]?.resolve(received);
    });
  });
  await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next: (match) => new Promise((resolve) => waiting.push({ match, resolve })),
    close: () => closeServer(server),
  };
}

function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Agent {
  child: ChildProcess;
  log: () => string;
}

function startAgent(config: string): Agent {
  const { command, args } = musterInvocation();
  const child = spawn(command, [...args, '--config', config, 'agent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-50_000)));
  return { child, log: () => log };
}

interface Counters {
  proposals: number;
  keepalives: number;
  txns: number;
}

/** The etcd member's /metrics: raft proposals committed, LeaseKeepAlive messages received, Txn calls handled. */
async function counters(clientUrl: string): Promise<Counters> {
  const text = await (await fetch(`${clientUrl}/metrics`)).text();
  const sum = (pattern: RegExp): number => text.split('\n').filter((line) => pattern.test(line)).reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  return {
    proposals: sum(/^etcd_server_proposals_committed_total /),
    keepalives: sum(/^grpc_server_msg_received_total\{grpc_method="LeaseKeepAlive",/),
    txns: sum(/^grpc_server_handled_total\{[^}]*grpc_method="Txn",/),
  };
}

async function agentConfig(dir: string, name: string, etcd: RunningEtcd, agent: string, webhook?: string): Promise<string> {
  const member = etcd.members[0];
  if (!member) throw new Error('no etcd member');
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    [
      `root: ${join(dir, name)}`,
      `platform: { type: static, self: ${name}, peers: [ { name: ${name}, ip: ${member.ip} } ] }`,
      `agent: { role: manager, endpoints: [ '${member.clientUrl}' ]${agent ? `, ${agent}` : ''} }`,
      ...(webhook ? [`events: { webhooks: [ { type: json, url: '${webhook}' } ] }`] : []),
      '',
    ].join('\n'),
  );
  return file;
}

const registered = async (client: Etcd3, key: string): Promise<boolean> => (await client.get(key).string()) !== null;

/**
 * `muster agent`: how fast a registry change reaches a webhook (against the same POST made
 * directly), what the agent costs in memory (against an idle node), and what it costs etcd
 * while nothing changes (keepalives, raft writes; against a fixed reference of 1 write/min).
 */
export async function benchAgent(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-agent-'));
  const children: ChildProcess[] = [];
  const clusters: RunningEtcd[] = [];
  const clients: Etcd3[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  try {
    // Two single-member etcds: one for the latency, one for the quiet window (they run at the same time).
    const [busy, quiet] = await Promise.all([startStaticEtcd({ prefix: loopbackPrefix(), size: 1 }), startStaticEtcd({ prefix: loopbackPrefix(), size: 1 })]);
    clusters.push(busy, quiet);
    await Promise.all(clusters.map((cluster) => waitFor('etcd healthy', () => clusterHealthy(cluster.endpoints), 30_000)));
    const busyClient = new Etcd3({ hosts: busy.endpoints });
    const quietClient = new Etcd3({ hosts: quiet.endpoints });
    clients.push(busyClient, quietClient);
    receiver = await startReceiver();
    const hook = `${receiver.url}/hook`;

    // The quiet window: one agent with the registry only, and two with events (a leader and a
    // follower), ttl scaled down; and an idle node beside them for the RSS baseline.
    const quietUrl = quiet.members[0]?.clientUrl ?? '';
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(idle);
    const plain = startAgent(await agentConfig(dir, 'q1', quiet, `ttl: ${SCALED_TTL}`));
    children.push(plain.child);
    const quietStarted = performance.now();
    const quietWindow = (async () => {
      await waitFor('q1 registered', () => registered(quietClient, '/muster/nodes/manager/q1'), 20_000);
      const rssWait = new Promise((resolve) => setTimeout(resolve, Math.max(0, RSS_AFTER_MS - (performance.now() - quietStarted))));
      const before = await counters(quietUrl);
      const windowStart = performance.now();
      const rss = await rssWait.then(() => Promise.all([rssMiB(plain.child.pid), rssMiB(idle.pid)]));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, WINDOW_MS - (performance.now() - windowStart))));
      const after = await counters(quietUrl);
      const seconds = (performance.now() - windowStart) / 1000;
      return { rss, before, after, seconds };
    })();

    // Latency: one events leader on the busy etcd, default ttl and keepalive.
    const leader = startAgent(await agentConfig(dir, 'a1', busy, '', hook));
    children.push(leader.child);
    const leaderStarted = performance.now();
    const isEvent = (event: string, name: string) => (body: string): boolean => {
      const parsed = JSON.parse(body) as { event?: string; node?: { name?: string } };
      return parsed.event === event && parsed.node?.name === name;
    };
    await withTimeout('the leader\'s own up event', receiver.next(isEvent('up', 'a1')), 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${leader.log()}`);
    });
    const leaderRss = new Promise<number>((resolve, reject) => setTimeout(() => void rssMiB(leader.child.pid).then(resolve, reject), Math.max(0, RSS_AFTER_MS - (performance.now() - leaderStarted))));
    leaderRss.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const record = (name: string): string => JSON.stringify({ name, role: 'worker', ip: '10.9.9.9', version: '0.1.0', boot_time: new Date().toISOString() });
    const latencies: number[] = [];
    const direct: number[] = [];
    const putTimes: number[] = [];
    const body = JSON.stringify({ event: 'up', node: { name: 'direct', role: 'worker', ip: '10.9.9.9' }, time: new Date().toISOString(), id: 'direct' });
    const postDirect = async (): Promise<number> => {
      const arrived = receiver?.next((got) => got === body) ?? Promise.reject(new Error('no receiver'));
      const start = performance.now();
      const response = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.arrayBuffer();
      return (await arrived).at - start;
    };
    await postDirect(); // a warm connection, as the agent's is after its own up event
    for (let n = 0; n <= EVENTS; n++) {
      await new Promise((resolve) => setTimeout(resolve, EVENT_GAP_MS));
      const name = `e${n}`;
      const arrived = receiver.next(isEvent('up', name));
      const start = performance.now();
      await busyClient.put(`/muster/nodes/worker/${name}`).value(record(name));
      const put = performance.now() - start;
      const got = await withTimeout(`the up event of ${name}`, arrived, 30_000);
      // The first is a warm-up (the registry watch's first batch after the leader's own).
      if (n > 0) {
        latencies.push(got.at - start);
        putTimes.push(put);
        direct.push(await postDirect());
      }
    }
    const agentRss = await leaderRss;
    const { rss, before, after, seconds } = await quietWindow;

    // Then two agents with events on the quiet etcd (a leader and a follower that campaigns every keepalive).
    const eventAgents = [startAgent(await agentConfig(dir, 'q2', quiet, `ttl: ${SCALED_TTL}`, hook)), startAgent(await agentConfig(dir, 'q3', quiet, `ttl: ${SCALED_TTL}`, hook))];
    children.push(...eventAgents.map((agent) => agent.child));
    await waitFor('q2 and q3 registered', async () => (await registered(quietClient, '/muster/nodes/manager/q2')) && (await registered(quietClient, '/muster/nodes/manager/q3')), 20_000);
    await waitFor('an events leader', async () => (await quietClient.get('muster/locks/events').string()) !== null, 20_000);
    // Their up events (and the state the leader writes for them) before the window starts.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const eventsBefore = await counters(quietUrl);
    const eventsStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const eventsAfter = await counters(quietUrl);
    const eventsSeconds = (performance.now() - eventsStart) / 1000;

    const perMinute = (delta: number, secs: number, nodes: number): number => Math.round(((delta / secs) * 60 * SCALE_TO_DEFAULT * 100) / nodes) / 100;
    const keepalivesPlain = after.keepalives - before.keepalives;
    const proposalsPlain = after.proposals - before.proposals;
    // q1 runs through both windows: the second window's counts are three agents', q1's share taken off.
    const keepalivesEvents = eventsAfter.keepalives - eventsBefore.keepalives - (keepalivesPlain * eventsSeconds) / seconds;
    const proposalsEvents = eventsAfter.proposals - eventsBefore.proposals - (proposalsPlain * eventsSeconds) / seconds;
    const txnsEvents = eventsAfter.txns - eventsBefore.txns - ((after.txns - before.txns) * eventsSeconds) / seconds;
    const reference = '1/min (fixed reference: a TTL key put again once a minute, one raft write each)';
    return [
      {
        what: `registry change (etcd put of /muster/nodes/worker/eN, put round-trip median ${median(putTimes).toFixed(1)} ms) → the webhook has the POST, p50 of ${EVENTS}`,
        subject: 'muster agent (events leader)',
        baseline: 'the same POST from the bench process',
        subjectValue: percentile(latencies, 50),
        baselineValue: percentile(direct, 50),
        unit: 'ms',
      },
      {
        what: `  the same, p90 of ${EVENTS}`,
        subject: 'muster agent (events leader)',
        baseline: 'the same POST from the bench process',
        subjectValue: percentile(latencies, 90),
        baselineValue: percentile(direct, 90),
        unit: 'ms',
      },
      { what: 'RSS 10 s after start (VmRSS), registry only', subject: 'muster agent', baseline: 'node -e "setInterval(()=>{},1000)"', subjectValue: rss[0], baselineValue: rss[1], unit: 'MiB' },
      { what: 'RSS 10 s after start (VmRSS), events leader delivering events', subject: 'muster agent', baseline: 'node -e "setInterval(()=>{},1000)"', subjectValue: agentRss, baselineValue: rss[1], unit: 'MiB' },
      {
        what: `lease keepalives per minute per node at the default ttl 60s / keepalive 20s (measured: ${keepalivesPlain} in ${seconds.toFixed(1)} s with ttl ${SCALED_TTL}, ×${SCALE_TO_DEFAULT}); no raft write each`,
        subject: 'registry only',
        baseline: reference,
        subjectValue: perMinute(keepalivesPlain, seconds, 1),
        baselineValue: 1,
        unit: 'requests/min',
      },
      {
        what: `raft writes (etcd_server_proposals_committed_total) per minute per node while nothing changes (measured: ${proposalsPlain} in ${seconds.toFixed(1)} s, scaled alike)`,
        subject: 'registry only',
        baseline: reference,
        subjectValue: perMinute(proposalsPlain, seconds, 1),
        baselineValue: 1,
        unit: 'raft writes/min',
      },
      {
        what: `  the same with events on, 2 agents (a leader, a follower campaigning every keepalive): per node (measured: ${proposalsEvents.toFixed(1)} proposals, ${txnsEvents.toFixed(1)} Txn calls, ${keepalivesEvents.toFixed(1)} keepalives in ${eventsSeconds.toFixed(1)} s for the 2, scaled alike)`,
        subject: 'events on',
        baseline: reference,
        subjectValue: perMinute(proposalsEvents, eventsSeconds, 2),
        baselineValue: 1,
        unit: 'raft writes/min',
      },
    ];
  } finally {
    await stopProcesses(children);
    for (const client of clients) client.close();
    await receiver?.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

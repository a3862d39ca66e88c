import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForExit } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { musterCli } from '../support/boot-node.js';
import { startStaticEtcd, type RunningEtcd } from '../support/etcd-process.js';
import { clusterHealthy, etcdctl, waitFor } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';
import { closeServer, listenOnLoopback, readBody } from '../support/loopback-http.js';

interface Agent {
  child: ChildProcess;
  log: () => string;
}

/** `muster agent` as systemd would run it: a long-lived child whose JSON log lines we keep. */
function startAgent(config: string): Agent {
  const { command, args } = musterInvocation();
  const child = spawn(command, [...args, '--config', config, 'agent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  return { child, log: () => log };
}

async function stopAgent(agent: Agent, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => {
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) resolve(agent.child.exitCode);
    else agent.child.once('exit', (code) => resolve(code));
  });
  agent.child.kill(signal);
  return exited;
}

const get = async (cluster: RunningEtcd, key: string): Promise<string> => (await etcdctl(cluster.endpoints, ['get', key, '--print-value-only'])).stdout.trim();

describe('muster agent on a real etcd', { concurrency: false }, () => {
  let cluster: RunningEtcd;
  let dir: string;
  let config: string;
  const key = '/muster/nodes/manager/a1';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-agent-'));
    cluster = await startStaticEtcd({ prefix: loopbackPrefix(), size: 1 });
    await waitFor('etcd is healthy', () => clusterHealthy(cluster.endpoints), 30_000);
    const ip = cluster.members[0]?.ip ?? '';
    config = join(dir, 'a1.yaml');
    await writeFile(config, `root: ${dir}/root\nplatform: { type: static, self: a1, peers: [ { name: a1, ip: ${ip} } ] }\nagent: { role: manager, ttl: 3s, keepalive: 1s }\n`);
  });
  after(async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers the node, lists it in `muster nodes --json`, and leaves the registry at once on SIGTERM', async () => {
    const agent = startAgent(config);
    try {
      await waitFor('the registry key', async () => (await get(cluster, key)) !== '', 20_000);
      const value = JSON.parse(await get(cluster, key)) as Record<string, string>;
      assert.equal(value['ip'], cluster.members[0]?.ip);
      assert.equal(value['role'], 'manager');
      assert.match(value['boot_time'] ?? '', /^\d{4}-\d\d-\d\dT/);
      assert.notEqual(await leaseOf(key), 0n, 'the key lives on a lease');

      const listed = await musterCli(config, ['nodes', '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const nodes = JSON.parse(listed.stdout) as { name: string; role: string; ip: string }[];
      assert.deepEqual(nodes.map((node) => `${node.role}/${node.name}@${node.ip}`), [`manager/a1@${cluster.members[0]?.ip ?? ''}`]);
      const table = await musterCli(config, ['nodes']);
      assert.match(table.stdout, /^ROLE +NAME +IP +VERSION +UP SINCE\nmanager +a1 +/);
    } finally {
      const started = Date.now();
      const code = await stopAgent(agent, 'SIGTERM');
      assert.equal(code, 0, agent.log());
      // Gone when the process is: the lease was revoked, not left to expire (TTL 3 s).
      assert.equal(await get(cluster, key), '', 'the key is gone as soon as the agent has exited');
      assert.ok(Date.now() - started < 3000, `stopped in ${Date.now() - started}ms, before the TTL`);
    }
  });

  it('after kill -9 the key stays until the lease TTL has passed, then goes', async () => {
    const agent = startAgent(config);
    await waitFor('the registry key', async () => (await get(cluster, key)) !== '', 20_000);
    await stopAgent(agent, 'SIGKILL');
    const killed = Date.now();
    assert.notEqual(await get(cluster, key), '', 'still registered right after the kill');
    await waitFor('the key to expire', async () => (await get(cluster, key)) === '', 10_000);
    const after = Date.now() - killed;
    // The last keepalive was at most 1 s before the kill; the lease lasts 3 s from it.
    assert.ok(after >= 1500 && after <= 4500, `gone ${after}ms after the kill (TTL 3 s, keepalive 1 s)`);
  });

  /** Lease ids are 64-bit: read them as text, not through JSON numbers. */
  const leaseOf = async (name: string): Promise<bigint> => BigInt(/"lease":(\d+)/.exec((await etcdctl(cluster.endpoints, ['get', name, '-w', 'json'])).stdout)?.[1] ?? '0');

  it('registers again when its lease is revoked from outside (as after an etcd restart or a partition), and says so', async () => {
    const agent = startAgent(config);
    try {
      await waitFor('the registry key', async () => (await get(cluster, key)) !== '', 20_000);
      const lease = await leaseOf(key);
      assert.equal((await etcdctl(cluster.endpoints, ['lease', 'revoke', lease.toString(16)])).code, 0);
      await waitFor('the key on a new lease', async () => ![0n, lease].includes(await leaseOf(key)), 10_000);
      assert.match(agent.log(), /registry lease lost/);
    } finally {
      assert.equal(await stopAgent(agent, 'SIGTERM'), 0, agent.log());
    }
  });
});

interface Received {
  path: string;
  at: number;
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * A webhook receiver on loopback that misbehaves the way Slack and others do: the 1st request to
 * each path answers 429 with Retry-After in seconds, the 3rd 500, the 5th 429 with an HTTP date;
 * `onRequest` may answer instead (to kill the agent in the middle of a request).
 */
async function startReceiver(onRequest: (received: Received[], path: string) => number | undefined): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const path = request.url ?? '';
      const nth = received.filter((entry) => entry.path === path).length + 1;
      const forced = onRequest(received, path);
      const status = forced ?? (nth === 1 || nth === 5 ? 429 : nth === 3 ? 500 : 200);
      received.push({ path, at: Date.now(), status, body, headers: request.headers });
      if (status === 429) response.setHeader('retry-after', nth === 1 ? '2' : new Date(Date.now() + 2000).toUTCString());
      response.writeHead(status).end(status === 200 ? 'ok' : 'no');
    });
  });
  await listenOnLoopback(server);
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('lifecycle events to a Slack and a JSON webhook', { concurrency: false }, () => {
  let cluster: RunningEtcd;
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let killOnNext: (() => void) | undefined;
  const SLACK = '/services/T000/B000/SECRETsecret';
  const JSON_HOOK = '/hook';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-events-'));
    cluster = await startStaticEtcd({ prefix: loopbackPrefix(), size: 1 });
    await waitFor('etcd is healthy', () => clusterHealthy(cluster.endpoints), 30_000);
    receiver = await startReceiver((_received, path) => {
      if (path !== JSON_HOOK || !killOnNext) return undefined;
      killOnNext();
      killOnNext = undefined;
      return 500;
    });
  });
  after(async () => {
    await closeServer(receiver.server);
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function agentConfig(name: string, role: string, ip: string): Promise<string> {
    const etcdIp = cluster.members[0]?.ip ?? '';
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      [
        `root: ${dir}/${name}`,
        // a1 runs on the etcd member's machine; b1 elsewhere, finding etcd by probing its peers.
        `platform: { type: static, self: ${name}, peers: [ ${ip === etcdIp ? '' : `{ name: m1, ip: ${etcdIp} }, `}{ name: ${name}, ip: ${ip} } ] }`,
        `agent: { role: ${role}, ttl: 3s, keepalive: 500ms }`,
        // The seed's heatit params, as coreos-docker-swarm-cluster users have them.
        `slack-webhook-url: ${receiver.url}${SLACK}`,
        `slack-channel: '#ops'`,
        `events: { webhooks: [ { type: json, url: '${receiver.url}${JSON_HOOK}', headers: { authorization: Bearer t0ken } } ], retry: { initial: 200ms, max: 2s }, drain_timeout: 10s }`,
        '',
      ].join('\n'),
    );
    return file;
  }

  const delivered = (path: string): Received[] => receiver.received.filter((entry) => entry.path === path && entry.status === 200);
  const jsonEvents = (): { event: string; node: { name: string }; replaces?: { name: string }; id: string }[] =>
    delivered(JSON_HOOK).map((entry) => JSON.parse(entry.body) as { event: string; node: { name: string }; replaces?: { name: string }; id: string });
  const summary = (): string[] => jsonEvents().map((event) => `${event.event} ${event.node.name}${event.replaces ? ` replaces ${event.replaces.name}` : ''}`);
  const pending = async (name: string): Promise<number> => {
    const base = join(dir, name, 'var/lib/muster/events');
    let count = 0;
    for (const queue of await readdir(base).catch(() => [])) count += (await readdir(join(base, queue))).filter((file) => file.endsWith('.event.json')).length;
    return count;
  };

  it('delivers every event once and in order, at most 1/s per URL, through 429s, 500s and a kill -9 of the leader', async () => {
    const ip = cluster.members[0]?.ip ?? '';
    const a1Config = await agentConfig('a1', 'manager', ip);
    let a1 = startAgent(a1Config);
    await waitFor('a1 to lead the events', () => Promise.resolve(/events leader/.test(a1.log())), 20_000);
    const b1 = startAgent(await agentConfig('b1', 'worker', '127.0.0.1'));
    await waitFor('b1 registered', async () => (await get(cluster, '/muster/nodes/worker/b1')) !== '', 20_000);
    // A node written by another tool, with the characters Slack must get escaped.
    assert.equal((await etcdctl(cluster.endpoints, ['put', '/muster/nodes/worker/edge<&>1', JSON.stringify({ ip: '10.9.9.9' })])).code, 0);
    await stopAgent(b1, 'SIGTERM');
    assert.equal((await etcdctl(cluster.endpoints, ['del', '/muster/nodes/worker/edge<&>1'])).code, 0);
    assert.equal((await etcdctl(cluster.endpoints, ['put', '/muster/nodes/worker/c1', JSON.stringify({ ip: '10.9.9.10' })])).code, 0);

    // The receiver is slower than the events (1/s, a 429 of 2 s first): kill the leader while
    // events wait in its queue, in the middle of a request.
    await waitFor('events waiting in a1\'s queue', async () => (await pending('a1')) >= 4, 10_000);
    const killed = new Promise<void>((resolve) => {
      killOnNext = () => {
        a1.child.kill('SIGKILL');
        resolve();
      };
    });
    await killed;
    await waitForExit(a1.child.pid ?? 0, 5000);
    assert.ok((await pending('a1')) >= 1, 'events are still queued after the kill');
    a1 = startAgent(a1Config);
    const expected = ['up a1', 'up b1', 'up edge<&>1', 'down b1', 'down edge<&>1', 'replaced c1 replaces b1'];
    await waitFor('every event at both webhooks', () => Promise.resolve(delivered(JSON_HOOK).length >= expected.length && delivered(SLACK).length >= expected.length), 60_000);
    assert.equal(await stopAgent(a1, 'SIGTERM'), 0, a1.log());
    expected.push('down a1');
    await new Promise((resolve) => setTimeout(resolve, 300));

    assert.deepEqual(summary(), expected, 'every event, in order, and its own down from the stopping leader');
    const ids = jsonEvents().map((event) => event.id);
    assert.equal(new Set(ids).size, ids.length, 'none delivered twice');
    for (const entry of delivered(JSON_HOOK)) {
      assert.equal(entry.headers['x-muster-event-id'], (JSON.parse(entry.body) as { id: string }).id);
      assert.equal(entry.headers['authorization'], 'Bearer t0ken');
    }
    const slackTexts = delivered(SLACK).map((entry) => JSON.parse(entry.body) as { text: string; channel?: string });
    assert.equal(slackTexts.length, expected.length, 'Slack got each event once');
    assert.ok(slackTexts.every((body) => body.channel === '#ops'));
    assert.ok(slackTexts.some((body) => body.text === 'edge&lt;&amp;&gt;1 (10.9.9.9, worker) is UP'), slackTexts.map((body) => body.text).join('\n'));
    assert.ok(slackTexts.some((body) => body.text === 'c1 (10.9.9.10, worker) REPLACED b1 (127.0.0.1, worker)'));

    for (const path of [SLACK, JSON_HOOK]) {
      const times = receiver.received.filter((entry) => entry.path === path).map((entry) => entry.at);
      const gaps = times.slice(1).map((at, index) => at - (times[index] ?? 0));
      assert.ok(Math.min(...gaps) >= 990, `${path}: requests ${gaps.join(', ')}ms apart; at most 1/s`);
      const firstRetry = receiver.received.filter((entry) => entry.path === path)[1];
      const first429 = receiver.received.find((entry) => entry.path === path);
      assert.ok(firstRetry && first429 && firstRetry.at - first429.at >= 1990, 'the 429\'s Retry-After: 2 was honoured');
    }
    const logs = a1.log();
    assert.ok(!logs.includes('SECRETsecret'), 'the Slack URL is never logged in full');
    assert.match(logs, /services\/…/);
  });
});

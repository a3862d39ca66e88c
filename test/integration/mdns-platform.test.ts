import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../src/core/process.js';
import { canMakeNamespaces, makeLan, type NetnsHost, type NetnsLan } from '../support/netns.js';

const CLI = process.env['MUSTER_CLI'] ?? resolve('dist/main.js');

/** etcdctl inside a host's namespace (the cluster is reachable only on the namespaces' LAN). */
async function etcdctlIn(host: NetnsHost, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProgram('ip', ['netns', 'exec', host.namespace, 'etcdctl', '--endpoints', `http://${host.ipv4}:2379`, '--dial-timeout', '2s', '--command-timeout', '5s', ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
}

describe('platform mdns: bare-metal nodes with no cloud API find each other over mDNS and form etcd', { concurrency: false, skip: (await canMakeNamespaces()) ? false : 'needs root and ip netns (network namespaces)' }, () => {
  let dir: string;
  let lan: NetnsLan;
  const nodes: ChildProcess[] = [];

  const config = (index: number): string => `root: ${join(dir, `n${index}`)}
platform:
  type: mdns
  expect: 3
  name: n${index}
  interfaces: [eth0]
  secret_file: ${join(dir, 'secret')}
  state_dir: ${join(dir, `n${index}`, 'mdns')}
  timeout: 60s
etcd:
  timeout: 60s
`;

  const boot = (index: number): ChildProcess => {
    const host = lan.hosts[index] as NetnsHost;
    const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, CLI, '--config', join(dir, `n${index}.yaml`), 'boot', '--exec-etcd', '--etcd-bin', '/usr/bin/etcd'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    Object.defineProperty(child, 'log', { get: () => log });
    nodes.push(child);
    return child;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-mdns-platform-'));
    await writeFile(join(dir, 'secret'), 'bWRucy1wbGF0Zm9ybS1zZWNyZXQtbWRucy1wbGF0Zm9ybQ==\n', { mode: 0o600 });
    lan = await makeLan(3);
    for (let index = 0; index < 3; index++) await writeFile(join(dir, `n${index}.yaml`), config(index));
  });
  after(async () => {
    for (const child of nodes) if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    await new Promise((resolveWait) => setTimeout(resolveWait, 300));
    await lan.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('three nodes booted at once agree on each other and form a 3-member cluster; a restarted node finds its peers in its record', async () => {
    const children = [0, 1, 2].map(boot);
    const first = lan.hosts[0] as NetnsHost;
    let members: { name: string; clientURLs?: string[] }[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const listed = await etcdctlIn(first, ['member', 'list', '-w', 'json']);
      if (listed.code === 0) {
        members = ((JSON.parse(listed.stdout) as { members?: { name: string; clientURLs?: string[]; isLearner?: boolean }[] }).members ?? []).filter((member) => member.name !== '' && member.isLearner !== true);
        if (members.length === 3) break;
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
    const logs = children.map((child) => (child as ChildProcess & { log: string }).log).join('\n---\n');
    assert.deepEqual(members.map((member) => member.name).sort(), ['n0', 'n1', 'n2'], logs);
    const put = await etcdctlIn(lan.hosts[2] as NetnsHost, ['put', 'formed-by', 'mdns']);
    assert.equal(put.code, 0, put.stderr);
    assert.match((await etcdctlIn(first, ['get', 'formed-by'])).stdout, /mdns/);
    const record = JSON.parse(await readFile(join(dir, 'n1', 'mdns', 'muster', 'membership.json'), 'utf8')) as { members: { name: string; ips: string[] }[] };
    assert.deepEqual(record.members.map((member) => member.ips[0]).sort(), lan.hosts.map((host) => host.ipv4).sort());

    // n1 restarts: nobody is electing any more, and it still finds its peers (its record) and rejoins as itself.
    const restartedHost = children[1] as ChildProcess;
    process.kill(-(restartedHost.pid ?? 0), 'SIGTERM');
    await new Promise((resolveWait) => restartedHost.on('close', resolveWait));
    const again = boot(1);
    const healthyBy = Date.now() + 30_000;
    let healthy = false;
    while (!healthy && Date.now() < healthyBy) {
      const result = await etcdctlIn(lan.hosts[1] as NetnsHost, ['endpoint', 'health']);
      healthy = result.code === 0;
      if (!healthy) await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
    assert.ok(healthy, (again as ChildProcess & { log: string }).log);
    assert.match((again as ChildProcess & { log: string }).log, /restart/);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { musterCli } from '../support/boot-node.js';
import { startStaticEtcd, type RunningEtcd } from '../support/etcd-process.js';
import { clusterHealthy, memberList, waitFor } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';

const STALE_AFTER_MS = 3000;

interface Report {
  clusterId: string;
  removed?: { id: string; name: string };
  reasons: string[];
  changes: string[];
}

/** A node's config: the platform lists only `listed` (the others were replaced), this node is `self`. */
async function configFor(dir: string, cluster: RunningEtcd, self: string, listed: readonly string[]): Promise<string> {
  const peers = cluster.members.filter((member) => listed.includes(member.name)).map((member) => `    - { name: ${member.name}, ip: ${member.ip} }`);
  const file = join(dir, `${self}-${listed.join('-')}.yaml`);
  await writeFile(file, `root: ${dir}\nplatform:\n  type: static\n  self: ${self}\n  peers:\n${peers.join('\n')}\netcd: { stale_after: ${STALE_AFTER_MS}ms, probe_timeout: 500ms, timeout: 20s }\n`);
  return file;
}

async function reconcile(config: string): Promise<Report & { code: number; stderr: string }> {
  const result = await musterCli(config, ['etcd', 'reconcile', '--json']);
  if (result.code !== 0) return { code: result.code, stderr: result.stderr, clusterId: '', reasons: [], changes: [] };
  return { ...(JSON.parse(result.stdout) as Report), code: 0, stderr: result.stderr };
}

const names = async (cluster: RunningEtcd): Promise<string[]> => (await memberList(cluster.endpoints)).map((member) => member.name).sort();

describe('muster etcd reconcile on a real etcd cluster', { concurrency: false }, () => {
  let cluster: RunningEtcd;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-reconcile-'));
    cluster = await startStaticEtcd({ prefix: loopbackPrefix(), size: 3 });
    await waitFor('the static cluster is healthy', () => clusterHealthy(cluster.endpoints), 30_000);
  });
  after(async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every member while the platform lists them all', async () => {
    const report = await reconcile(await configFor(dir, cluster, 'm1', ['m1', 'm2', 'm3']));
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.removed, undefined);
    assert.deepEqual(report.changes, []);
  });

  it('never removes a member that is only paused (SIGSTOP) and answers again, even once stale_after has passed', async () => {
    const m1 = await configFor(dir, cluster, 'm1', ['m1', 'm2']);
    const m3 = cluster.processes[2];
    assert.ok(m3);
    m3.kill('SIGSTOP');
    try {
      const first = await reconcile(m1);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.reasons.join('\n'), /m3 is not listed by the platform and does not answer: first sighting recorded/);
      assert.equal(first.removed, undefined);
    } finally {
      m3.kill('SIGCONT');
    }
    await waitFor('m3 answers again', () => clusterHealthy(cluster.endpoints), 20_000);
    await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS + 500));
    const later = await reconcile(m1);
    assert.equal(later.code, 0, later.stderr);
    assert.equal(later.removed, undefined);
    assert.match(later.reasons.join('\n'), /m3 is not listed by the platform but answers: it stays|m3 answers again: its sighting is dropped/);
    assert.deepEqual(await names(cluster), ['m1', 'm2', 'm3']);
  });

  it('removes a dead member the platform no longer lists only after stale_after, and once when two members reconcile at once', async () => {
    const m3 = cluster.processes[2];
    assert.ok(m3);
    m3.kill('SIGKILL');
    const [m1, m2] = [await configFor(dir, cluster, 'm1', ['m1', 'm2']), await configFor(dir, cluster, 'm2', ['m1', 'm2'])];
    const first = await reconcile(m1);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.removed, undefined);
    const soon = await reconcile(m2);
    assert.equal(soon.code, 0, soon.stderr);
    assert.equal(soon.removed, undefined, 'stale_after has not passed');
    assert.match(soon.reasons.join('\n'), /m3 has been absent and silent since .* \(seen by m1\); removed once etcd\.stale_after/);
    assert.deepEqual(await names(cluster), ['m1', 'm2', 'm3']);

    await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS + 500));
    const both = await Promise.all([reconcile(m1), reconcile(m2)]);
    for (const report of both) assert.equal(report.code, 0, report.stderr);
    assert.equal(both.filter((report) => report.removed?.name === 'm3').length, 1, 'exactly one of them removed m3');
    assert.deepEqual(await names(cluster), ['m1', 'm2']);
  });

  it('never acts without a quorum: with one of two voters answering it exits 69 and the members stay', async () => {
    const m2 = cluster.processes[1];
    assert.ok(m2);
    m2.kill('SIGKILL');
    const alone = await configFor(dir, cluster, 'm1', ['m1']);
    const result = await musterCli(alone, ['etcd', 'reconcile']);
    assert.equal(result.code, 69, result.stderr);
    assert.match(result.stderr, /only 1 of the 2 voters of cluster [0-9a-f]+ answer \(m1\): no quorum, so no member can be removed/);
    // The peer endpoint lists the members without a quorum.
    const listed = (await (await fetch(`${cluster.members[0]?.peerUrl ?? ''}/members`)).json()) as { name: string }[];
    assert.deepEqual(listed.map((member) => member.name).sort(), ['m1', 'm2']);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { sandboxAdd, sandboxDown, sandboxReplace, sandboxStatus, sandboxUp } from '../../src/local/sandbox.js';
import { clusterHealthy, memberList } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';

/** Each test gets its own sandbox dir and its own /24 of loopback addresses. */
async function newSandbox(): Promise<{ dir: string; ipPrefix: string }> {
  return { dir: await mkdtemp(join(tmpdir(), 'muster-sandbox-')), ipPrefix: loopbackPrefix() };
}

const made: string[] = [];
after(async () => {
  for (const dir of made) {
    await sandboxDown({ dir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

function endpointsOf(view: { nodes: { client_url: string }[] }): string {
  return view.nodes.map((node) => node.client_url).join(',');
}

async function assertVotersExactly(endpoints: string, names: readonly string[]): Promise<void> {
  const members = await memberList(endpoints);
  assert.deepEqual(members.map((member) => member.name).sort(), [...names].sort(), 'member names');
  assert.ok(members.every((member) => member.isLearner !== true && (member.clientURLs ?? []).length > 0), `all started voters: ${JSON.stringify(members)}`);
  assert.equal(new Set(members.map((member) => member.peerURLs[0])).size, members.length, 'no duplicate peer URLs');
}

describe('muster local: real etcd formed by muster on every node', { concurrency: false }, () => {
  for (const size of [3, 5]) {
    it(`forms a ${size}-member cluster from simultaneous starts`, async () => {
      const sandbox = await newSandbox();
      made.push(sandbox.dir);
      const view = await sandboxUp({ ...sandbox, nodes: size });
      assert.equal(view.healthy, true);
      assert.ok(await clusterHealthy(endpointsOf(view)), 'etcdctl endpoint health --cluster');
      await assertVotersExactly(endpointsOf(view), view.nodes.map((node) => node.name));
      await sandboxDown({ dir: sandbox.dir });
    });
  }

  it('replaces a member while writes keep succeeding: stale removed, new one joins as learner and is promoted', async () => {
    const sandbox = await newSandbox();
    made.push(sandbox.dir);
    await sandboxUp({ ...sandbox, nodes: 3 });
    const survivors = [`http://${sandbox.ipPrefix}.1:2379`, `http://${sandbox.ipPrefix}.3:2379`];
    const client = new Etcd3({ hosts: survivors, defaultCallOptions: () => ({ deadline: Date.now() + 5000 }) });
    let writes = 0;
    const failures: string[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        try {
          await client.put(`/muster-test/${writes}`).value(String(writes));
          writes += 1;
        } catch (error) {
          failures.push(String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      const { replacement, view } = await sandboxReplace({ dir: sandbox.dir, node: 'node-2' });
      assert.equal(replacement, 'node-4');
      assert.equal(view.healthy, true);
      await assertVotersExactly(endpointsOf(view), ['node-1', 'node-3', 'node-4']);
      assert.ok(await clusterHealthy(endpointsOf(view)));
    } finally {
      writing = false;
      await writer;
      client.close();
    }
    assert.deepEqual(failures, [], 'every write during the replacement succeeded');
    assert.ok(writes > 10, `writes were going on (${writes})`);
  });

  for (const joiners of [2, 3]) {
    it(`lets ${joiners} nodes join a 3-member cluster at once: all end as started voters, no duplicates or orphans`, async () => {
      const sandbox = await newSandbox();
      made.push(sandbox.dir);
      await sandboxUp({ ...sandbox, nodes: 3 });
      const { added, view } = await sandboxAdd({ dir: sandbox.dir, count: joiners });
      assert.equal(added.length, joiners);
      assert.equal(view.healthy, true);
      await assertVotersExactly(endpointsOf(view), view.nodes.map((node) => node.name));
      assert.equal((await sandboxStatus({ dir: sandbox.dir })).nodes.length, 3 + joiners);
      await sandboxDown({ dir: sandbox.dir });
    });
  }
});

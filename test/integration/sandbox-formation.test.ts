import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { runProgram } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { sandboxAdd, sandboxDown, sandboxReplace, sandboxStatus, sandboxUp, type SandboxView } from '../../src/local/sandbox.js';
import { clusterHealthy, etcdctl, memberList, waitFor, type EtcdctlTls } from '../support/etcdctl.js';
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

/** The sandbox's admin client certificate: every sandbox here runs etcd over TLS, the default. */
function adminTls(view: SandboxView): EtcdctlTls {
  assert.ok(view.etcdctlTls, 'the sandbox reports the files etcdctl needs');
  return view.etcdctlTls;
}

async function assertVotersExactly(endpoints: string, names: readonly string[], tls: EtcdctlTls): Promise<void> {
  const members = await memberList(endpoints, tls);
  assert.deepEqual(members.map((member) => member.name).sort(), [...names].sort(), 'member names');
  assert.ok(members.every((member) => member.isLearner !== true && (member.clientURLs ?? []).length > 0), `all started voters: ${JSON.stringify(members)}`);
  assert.equal(new Set(members.map((member) => member.peerURLs[0])).size, members.length, 'no duplicate peer URLs');
}

describe('muster local up: a TLS etcd cluster from the command a user runs', () => {
  it('forms over https with client-certificate auth; etcdctl with a node certificate reports it healthy', async () => {
    const sandbox = await newSandbox();
    made.push(sandbox.dir);
    const { command, args } = musterInvocation();
    const up = await runProgram(command, [...args, 'local', 'up', '--dir', sandbox.dir, '--ip-prefix', sandbox.ipPrefix, '--json']);
    assert.equal(up.code, 0, up.stderr);
    const view = JSON.parse(up.stdout) as SandboxView & { etcdctl_tls: EtcdctlTls };
    assert.equal(view.healthy, true);
    assert.deepEqual(view.nodes.map((node) => node.client_url), [1, 2, 3].map((i) => `https://${sandbox.ipPrefix}.${i}:2379`));

    const certs = join(sandbox.dir, 'node-1', 'etc/ssl/node_certs');
    const nodeCert = { cacert: join(certs, 'ca.pem'), cert: join(certs, 'node.pem'), key: join(certs, 'node-key.pem') };
    assert.ok(await clusterHealthy(endpointsOf(view), nodeCert), 'etcdctl endpoint health --cluster with node-1\'s certificate');
    const members = await memberList(endpointsOf(view), view.etcdctl_tls);
    assert.ok(members.every((member) => member.peerURLs.every((url) => url.startsWith('https://'))), `peers talk TLS: ${JSON.stringify(members)}`);

    // What muster wrote for etcd: the node's files, and client certificates required on both ports.
    const env = await readFile(join(sandbox.dir, 'node-2', 'run/muster/etcd.env'), 'utf8');
    for (const line of ['ETCD_CERT_FILE=/etc/ssl/node_certs/node.pem', 'ETCD_KEY_FILE=/etc/ssl/node_certs/node-key.pem', 'ETCD_TRUSTED_CA_FILE=/etc/ssl/node_certs/ca.pem', 'ETCD_CLIENT_CERT_AUTH=true', 'ETCD_PEER_CERT_FILE=/etc/ssl/node_certs/node.pem', 'ETCD_PEER_CLIENT_CERT_AUTH=true']) {
      assert.ok(env.split('\n').includes(line), `${line} in etcd.env`);
    }
    // Without a client certificate, or over plain http, etcd answers no one, and its log says why.
    const quick = ['--dial-timeout', '1s', '--command-timeout', '1s'];
    const anonymous = await runProgram('etcdctl', ['--endpoints', `https://${sandbox.ipPrefix}.1:2379`, '--cacert', view.etcdctl_tls.cacert, ...quick, 'endpoint', 'health'], {
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    assert.notEqual(anonymous.code, 0, 'etcdctl that trusts the CA but has no certificate is refused');
    const plain = await etcdctl(`http://${sandbox.ipPrefix}.1:2379`, ['endpoint', 'health', ...quick]);
    assert.notEqual(plain.code, 0, 'http is not served');
    const log = join(sandbox.dir, 'node-1', 'var/log/muster-etcd.log');
    await waitFor('etcd logs both refusals', async () => {
      const text = await readFile(log, 'utf8');
      return text.includes("tls: client didn't provide a certificate") && text.includes('first record does not look like a TLS handshake');
    }, 5000);
    await sandboxDown({ dir: sandbox.dir });
  });
});

describe('muster local: real etcd formed by muster on every node', { concurrency: false }, () => {
  for (const size of [3, 5]) {
    it(`forms a ${size}-member cluster from simultaneous starts`, async () => {
      const sandbox = await newSandbox();
      made.push(sandbox.dir);
      const view = await sandboxUp({ ...sandbox, nodes: size });
      assert.equal(view.healthy, true);
      assert.ok(await clusterHealthy(endpointsOf(view), adminTls(view)), 'etcdctl endpoint health --cluster');
      await assertVotersExactly(endpointsOf(view), view.nodes.map((node) => node.name), adminTls(view));
      await sandboxDown({ dir: sandbox.dir });
    });
  }

  it('replaces a member while writes keep succeeding: stale removed, new one joins as learner and is promoted', async () => {
    const sandbox = await newSandbox();
    made.push(sandbox.dir);
    const tls = adminTls(await sandboxUp({ ...sandbox, nodes: 3 }));
    const survivors = [`https://${sandbox.ipPrefix}.1:2379`, `https://${sandbox.ipPrefix}.3:2379`];
    const [rootCertificate, certChain, privateKey] = await Promise.all([tls.cacert, tls.cert, tls.key].map((path) => readFile(path)));
    const client = new Etcd3({
      hosts: survivors,
      credentials: { rootCertificate: rootCertificate as Buffer, certChain: certChain as Buffer, privateKey: privateKey as Buffer },
      defaultCallOptions: () => ({ deadline: Date.now() + 5000 }),
    });
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
      await assertVotersExactly(endpointsOf(view), ['node-1', 'node-3', 'node-4'], tls);
      assert.ok(await clusterHealthy(endpointsOf(view), tls));
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
      await assertVotersExactly(endpointsOf(view), view.nodes.map((node) => node.name), adminTls(view));
      assert.equal((await sandboxStatus({ dir: sandbox.dir })).nodes.length, 3 + joiners);
      await sandboxDown({ dir: sandbox.dir });
    });
  }
});

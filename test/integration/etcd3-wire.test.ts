import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type * as Etcd3Package from 'etcd3';
import type { IKeyValue } from 'etcd3';
import { startStaticEtcd, type RunningEtcd } from '../support/etcd-process.js';
import { clusterHealthy, etcdctl, memberList, waitFor } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';

// The etcd client as muster ships it: dist/vendor/etcd3.js, whose protobuf codecs are generated at
// build time (scripts/etcd3-static-codecs.mjs) instead of by protobuf.js when it loads. What it
// writes must be what etcd reads, and what it reads what etcd wrote: checked against etcdctl.
type Etcd3Module = typeof Etcd3Package;
const { Etcd3 } = createRequire(import.meta.url)('../../dist/vendor/etcd3.js') as Etcd3Module;

describe('the bundled etcd client against a real etcd (static protobuf codecs)', () => {
  let cluster: RunningEtcd;
  let client: InstanceType<Etcd3Module['Etcd3']>;
  before(async () => {
    cluster = await startStaticEtcd({ prefix: loopbackPrefix(), size: 1 });
    await waitFor('etcd healthy', () => clusterHealthy(cluster.endpoints), 30_000);
    client = new Etcd3({ hosts: cluster.endpoints });
  });
  after(async () => {
    client.close();
    await cluster.stop();
  });

  it('writes keys and values byte for byte, as etcdctl reads them', async () => {
    const value = Buffer.from([0, 1, 0xfe, 0xff, 0x0a]);
    await client.put('/wire/bytes').value(value);
    const read = await etcdctl(cluster.endpoints, ['get', '/wire/bytes', '-w', 'json']);
    const kv = (JSON.parse(read.stdout) as { kvs: { key: string; value: string }[] }).kvs[0];
    assert.equal(Buffer.from(kv?.key ?? '', 'base64').toString(), '/wire/bytes');
    assert.deepEqual(Buffer.from(kv?.value ?? '', 'base64'), value);
    assert.deepEqual(await client.get('/wire/bytes').buffer(), value);
  });

  it("reads 64-bit member IDs exactly (etcd's IDs are above 2^53)", async () => {
    const listed = await memberList(cluster.endpoints);
    const answer = await client.cluster.memberList({ linearizable: true });
    assert.deepEqual(answer.members.map((member) => member.ID), listed.map((member) => member.ID));
    assert.ok(answer.members.every((member) => BigInt(member.ID) > 0n), 'IDs are unsigned decimal strings');
    assert.equal(answer.members[0]?.name, 'm1');
    assert.equal(answer.members[0]?.isLearner, false, 'a field etcd leaves out (false) reads as its default');
  });

  it('keeps a lease by its 64-bit ID, as etcdctl lists it, and revokes it', async () => {
    const lease = client.lease(30, { autoKeepAlive: false });
    await lease.put('/wire/leased').value('x');
    const id = await lease.grant();
    const leases = await etcdctl(cluster.endpoints, ['lease', 'list']);
    assert.ok(leases.stdout.includes(BigInt(id).toString(16)), `etcdctl lists lease ${id} (${leases.stdout})`);
    const ttl = await etcdctl(cluster.endpoints, ['lease', 'timetolive', BigInt(id).toString(16), '--keys']);
    assert.match(ttl.stdout, /attached keys\(\[\/wire\/leased\]\)/);
    await lease.revoke();
    assert.equal(await client.get('/wire/leased').string(), null);
  });

  it('sends enums and oneofs: a transaction that compares versions, and a sorted, limited range', async () => {
    await client.put('/wire/sorted/a').value('1');
    await client.put('/wire/sorted/b').value('2');
    await client.put('/wire/sorted/c').value('3');
    const missed = await client.if('/wire/sorted/a', 'Version', '>', 5).then(client.put('/wire/txn').value('then')).else(client.put('/wire/txn').value('else')).commit();
    assert.equal(missed.succeeded, false);
    assert.equal((await etcdctl(cluster.endpoints, ['get', '/wire/txn', '--print-value-only'])).stdout.trim(), 'else');
    const newest = await client.getAll().prefix('/wire/sorted/').sort('Key', 'Descend').limit(2).strings();
    assert.deepEqual(newest, { '/wire/sorted/c': '3', '/wire/sorted/b': '2' });
  });

  it('watches: the events etcdctl causes arrive with their type and previous value', async () => {
    const watcher = await client.watch().key('/wire/watched').withPreviousKV().create();
    try {
      const put = new Promise<string>((resolve) => watcher.once('put', (kv: IKeyValue) => resolve(kv.value.toString())));
      await etcdctl(cluster.endpoints, ['put', '/wire/watched', 'first']);
      assert.equal(await put, 'first');
      const deleted = new Promise<string | undefined>((resolve) => watcher.once('delete', (_kv: IKeyValue, previous: IKeyValue | undefined) => resolve(previous?.value.toString())));
      await etcdctl(cluster.endpoints, ['del', '/wire/watched']);
      assert.equal(await deleted, 'first');
    } finally {
      await watcher.cancel();
    }
  });
});

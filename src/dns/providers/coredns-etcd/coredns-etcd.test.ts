import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runDnsContract } from '../../../../test/contract/dns-contract.js';
import { startStaticEtcd, type RunningEtcd } from '../../../../test/support/etcd-process.js';
import { clusterHealthy, etcdctl, waitFor } from '../../../../test/support/etcdctl.js';
import { loopbackPrefix } from '../../../../test/support/loopback.js';
import { canonicalRecordSet, canonicalValue, sortRecordSets, sortValues, type RecordInput } from '../../record.js';
import { isEmptyChangeSet, planDns } from '../../plan.js';
import type { RecordSet, RecordType } from '../../types.js';
import { corednsEtcdSchema, createCorednsEtcdProvider } from './index.js';
import { failure } from '../../../../test/support/failure.js';

const ZONE = 'example.test.';

/** A real single-member etcd (Debian's) on a loopback address of its own. */
async function startEtcd(): Promise<RunningEtcd> {
  const etcd = await startStaticEtcd({ prefix: loopbackPrefix(), size: 1 });
  try {
    await waitFor('etcd healthy', () => clusterHealthy(etcd.endpoints), 30_000);
  } catch (error) {
    await etcd.stop();
    throw error;
  }
  return etcd;
}

/** Every key under a prefix, as `etcdctl get --prefix` shows it: key → value. */
async function etcdKeys(etcd: RunningEtcd, prefix: string): Promise<Map<string, string>> {
  const result = await etcdctl(etcd.endpoints, ['get', '--prefix', prefix, '-w', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as { kvs?: { key: string; value: string }[] };
  const decode = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8');
  return new Map((parsed.kvs ?? []).map((kv) => [decode(kv.key), decode(kv.value)]));
}

/** The current etcd revision: it grows by one per committed transaction. */
async function revision(etcd: RunningEtcd): Promise<number> {
  const result = await etcdctl(etcd.endpoints, ['endpoint', 'status', '-w', 'json']);
  const [status] = JSON.parse(result.stdout) as { Status: { header: { revision: number } } }[];
  return status?.Status.header.revision ?? -1;
}

/**
 * The zone read back with etcdctl and decoded here on its own, the way CoreDNS's etcd plugin
 * reads a key (host: IP → A/AAAA, name with port → SRV, name → CNAME; text → TXT), so the
 * contract checks list() against an independent reading of the SkyDNS data.
 */
async function readBack(etcd: RunningEtcd): Promise<RecordSet[]> {
  const sets = new Map<string, { name: string; type: RecordType; ttl: number; values: string[] }>();
  for (const [key, json] of await etcdKeys(etcd, '/skydns/test/example/')) {
    const path = `${key.split('/').slice(2, -1).reverse().join('.')}.`;
    // CoreDNS reads the zone apex's data from apex.dns.<zone>.
    const name = path === `apex.dns.${ZONE}` ? ZONE : path;
    const service = JSON.parse(json) as { host?: string; port?: number; priority?: number; weight?: number; text?: string; ttl?: number };
    let type: RecordType;
    let value: string;
    if (service.host === undefined) [type, value] = ['TXT', service.text ?? ''];
    else if (isIPv4(service.host)) [type, value] = ['A', service.host];
    else if (isIPv6(service.host)) [type, value] = ['AAAA', service.host];
    else if (service.port !== undefined) [type, value] = ['SRV', `${service.priority} ${service.weight} ${service.port} ${service.host}`];
    else [type, value] = ['CNAME', service.host];
    const set = sets.get(`${name} ${type}`) ?? { name, type, ttl: service.ttl ?? 300, values: [] };
    // TXT text is taken literally; record.ts would unquote text that looks like zone-file strings.
    set.values.push(type === 'TXT' ? value : canonicalValue(type, value, ZONE));
    sets.set(`${name} ${type}`, set);
  }
  return sortRecordSets([...sets.values()].map((set) => ({ ...set, values: sortValues(set.values) })));
}

runDnsContract('coredns-etcd (real etcd)', async () => {
  const etcd = await startEtcd();
  return {
    provider: createCorednsEtcdProvider({ type: 'coredns-etcd', zone: ZONE, endpoints: [etcd.endpoints], prefix: '/skydns' }),
    readBack: () => readBack(etcd),
    teardown: () => etcd.stop(),
  };
});

const make = (input: RecordInput): RecordSet => canonicalRecordSet(input, ZONE);
const none = { create: [], update: [], delete: [] };


describe('coredns-etcd provider', () => {
  let etcd: RunningEtcd;
  const provider = (): ReturnType<typeof createCorednsEtcdProvider> =>
    createCorednsEtcdProvider({ type: 'coredns-etcd', zone: 'example.test', endpoints: [etcd.endpoints], prefix: '/skydns/' });
  before(async () => {
    etcd = await startEtcd();
  });
  after(() => etcd.stop());

  it('writes the SkyDNS JSON CoreDNS reads, one key per value, under the reversed name', async () => {
    const sets = [
      make({ name: 'web.layout', type: 'A', ttl: 60, values: ['10.0.0.1', '10.0.0.2'] }),
      make({ name: 'web.layout', type: 'AAAA', ttl: 60, values: ['2001:db8::1'] }),
      make({ name: 'alias.layout', type: 'CNAME', ttl: 30, values: ['web.layout'] }),
      make({ name: 'web.layout', type: 'TXT', ttl: 60, values: ['hello "world"'] }),
      make({ name: '_etcd-server._tcp.layout', type: 'SRV', ttl: 60, values: ['0 0 2380 m1.layout'] }),
    ];
    assert.equal((await provider().apply({ create: sets, update: [], delete: [] })).writeCalls, 1);
    const keys = await etcdKeys(etcd, '/skydns/test/example/layout/');
    const values = (path: string): string[] =>
      [...keys]
        .filter(([key]) => key.startsWith(`/skydns/test/example/layout/${path}/`) && /^[0-9a-f]{16}$/.test(key.split('/').at(-1) ?? ''))
        .map(([, value]) => value)
        .sort();
    assert.equal(keys.size, 6);
    assert.deepEqual(values('web'), [
      '{"host":"10.0.0.1","ttl":60}',
      '{"host":"10.0.0.2","ttl":60}',
      '{"host":"2001:db8::1","ttl":60}',
      '{"text":"hello \\"world\\"","ttl":60}',
    ]);
    assert.deepEqual(values('alias'), ['{"host":"web.layout.example.test.","ttl":30}']);
    assert.deepEqual(values('_tcp/_etcd-server'), ['{"host":"m1.layout.example.test.","port":2380,"priority":0,"weight":0,"ttl":60}']);
    // The sets exist now: creating them again is a plan made on a stale read, refused before any write.
    const start = await revision(etcd);
    assert.equal((await failure(provider().apply({ create: sets, update: [], delete: [] }))).code, 'DNS_ZONE_CHANGED');
    assert.equal(await revision(etcd), start);
  });

  it('removes its own stale keys when a set changes or goes, and leaves and reports keys other tools wrote', async () => {
    const mine = make({ name: 'stale', type: 'A', ttl: 60, values: ['10.0.0.1', '10.0.0.2'] });
    await provider().apply({ create: [mine], update: [], delete: [] });
    for (const [key, value] of [
      ['/skydns/test/example/stale/kuberoute-old', '{"host":"10.9.9.2","ttl":"60"}'],
      ['/skydns/test/example/stale/x2', '{"text":"someone else\'s"}'],
    ] as [string, string][]) {
      assert.equal((await etcdctl(etcd.endpoints, ['put', key, value])).code, 0);
    }
    const listed = (await provider().list()).filter((set) => set.name === 'stale.example.test.');
    assert.deepEqual(listed, [
      { name: 'stale.example.test.', type: 'A', ttl: 60, values: ['10.0.0.1', '10.0.0.2', '10.9.9.2'] },
      { name: 'stale.example.test.', type: 'TXT', ttl: 300, values: ["someone else's"] },
    ]);
    const a = listed[0];
    assert.ok(a);
    const to = { ...a, values: ['10.0.0.5'] };
    const result = await provider().apply({ create: [], update: [{ from: a, to }], delete: [] });
    assert.equal(result.writeCalls, 1);
    assert.deepEqual(result.notes, [
      'coredns-etcd: left /skydns/test/example/stale/kuberoute-old (stale.example.test. A 10.9.9.2) in place: another tool wrote it, and muster deletes only keys it wrote',
    ]);
    const keys = await etcdKeys(etcd, '/skydns/test/example/stale/');
    assert.deepEqual([...keys.values()].sort(), ['{"host":"10.0.0.5","ttl":60}', '{"host":"10.9.9.2","ttl":"60"}', '{"text":"someone else\'s"}'], 'its old addresses gone, the others untouched');
    await provider().apply({ create: [], update: [], delete: [{ ...to, values: ['10.0.0.5', '10.9.9.2'] }] });
    assert.deepEqual([...(await etcdKeys(etcd, '/skydns/test/example/stale/')).keys()].sort(), ['/skydns/test/example/stale/kuberoute-old', '/skydns/test/example/stale/x2']);
  });

  it('never deletes another tool\'s key stored at a child name\'s path, and a sync beside it converges', async () => {
    const sync = async (desired: RecordSet[]) =>
      planDns({ desired, current: await provider().list(), ownerId: 'foreign-key', policy: 'sync', takeOver: false });
    const b = make({ name: 'b.child', type: 'A', ttl: 60, values: ['10.0.0.1'] });
    await provider().apply((await sync([b])).changes);
    // Another tool's a.b.child.example.test., stored directly at its path: CoreDNS (and list())
    // read it as a value of b.child.example.test., the parent name.
    const foreignKey = '/skydns/test/example/child/b/a';
    assert.equal((await etcdctl(etcd.endpoints, ['put', foreignKey, '{"host":"10.9.9.9","ttl":60}'])).code, 0);
    assert.deepEqual((await provider().list()).find((set) => set.name === b.name && set.type === 'A')?.values, ['10.0.0.1', '10.9.9.9']);

    const start = await revision(etcd);
    for (const run of [1, 2]) {
      const plan = await sync([b]);
      const result = await provider().apply(plan.changes);
      assert.equal(result.writeCalls, 0, `run ${run} writes nothing`);
      assert.equal(result.notes?.length, 1, `run ${run} says once why`);
      assert.match(result.notes?.[0] ?? '', /left \/skydns\/test\/example\/child\/b\/a \(b\.child\.example\.test\. A 10\.9\.9\.9\) in place: another tool wrote it/);
    }
    assert.equal(await revision(etcd), start, 'no etcd write at all');

    // A sync to nothing deletes muster's key and ownership record, never the other tool's key…
    await provider().apply((await sync([])).changes);
    assert.deepEqual([...(await etcdKeys(etcd, '/skydns/test/example/child/')).keys()], [foreignKey]);
    // …and what is left is someone else's record: nothing more to do.
    assert.ok(isEmptyChangeSet((await sync([])).changes));
    assert.equal((await etcdctl(etcd.endpoints, ['del', foreignKey])).code, 0);
  });

  it('refuses a change set planned against a set another writer changed since (DNS_ZONE_CHANGED)', async () => {
    const set = make({ name: 'raced', type: 'A', ttl: 60, values: ['10.0.0.1'] });
    await provider().apply({ create: [set], update: [], delete: [] });
    // Another cluster's ownership record appears between muster's list() and apply().
    const key = '/skydns/test/example/raced/a/_muster-owner/x1';
    assert.equal((await etcdctl(etcd.endpoints, ['put', key, '{"text":"heritage=muster,muster/owner=cluster-b"}'])).code, 0);
    const ownership = make({ name: '_muster-owner.a.raced', type: 'TXT', ttl: 60, values: ['heritage=muster,muster/owner=cluster-a'] });
    const start = await revision(etcd);
    for (const changes of [
      { create: [ownership], update: [], delete: [] },
      { create: [], update: [{ from: { ...set, values: ['10.0.0.7'] }, to: { ...set, values: ['10.0.0.2'] } }], delete: [] },
      { create: [], update: [], delete: [{ ...set, values: ['10.0.0.7'] }] },
    ]) {
      const error = await failure(provider().apply(changes));
      assert.equal(error.code, 'DNS_ZONE_CHANGED');
      assert.equal(error.retryable, false, 'resending the same change cannot help: the caller lists and plans again');
    }
    assert.equal(await revision(etcd), start, 'nothing written');
    assert.equal((await etcdKeys(etcd, '/skydns/test/example/raced/')).get(key), '{"text":"heritage=muster,muster/owner=cluster-b"}');
    await provider().apply({ create: [], update: [], delete: [set] });
    assert.equal((await etcdctl(etcd.endpoints, ['del', key])).code, 0);
  });

  it('commits one transaction per 128 key operations, and counts them', async () => {
    const sets = Array.from({ length: 300 }, (_, i) => make({ name: `n${i}.txn`, type: 'A', ttl: 60, values: [`10.1.${i >> 8}.${i & 255}`] }));
    const start = await revision(etcd);
    assert.equal((await provider().apply({ create: sets, update: [], delete: [] })).writeCalls, 3);
    assert.equal((await revision(etcd)) - start, 3, 'etcd saw three transactions');
    assert.equal((await provider().apply({ create: [], update: [], delete: sets })).writeCalls, 3);
    assert.equal((await etcdKeys(etcd, '/skydns/test/example/txn/')).size, 0);
  });

  it('replaces an A record with a CNAME at the same name', async () => {
    const a = make({ name: 'swap', type: 'A', ttl: 60, values: ['10.0.0.1'] });
    await provider().apply({ create: [a], update: [], delete: [] });
    const cname = make({ name: 'swap', type: 'CNAME', ttl: 60, values: ['elsewhere.example.net.'] });
    await provider().apply({ create: [cname], update: [], delete: [a] });
    assert.deepEqual((await provider().list()).filter((set) => set.name === 'swap.example.test.'), [cname]);
    await provider().apply({ create: [], update: [], delete: [cname] });
  });

  it('keeps the zone apex\'s data under apex.dns, where CoreDNS looks for it', async () => {
    const apex = make({ name: '@', type: 'AAAA', ttl: 60, values: ['2001:db8::53'] });
    await provider().apply({ create: [apex], update: [], delete: [] });
    assert.deepEqual([...(await etcdKeys(etcd, '/skydns/test/example/dns/apex/')).values()], ['{"host":"2001:db8::53","ttl":60}']);
    assert.deepEqual((await provider().list()).filter((set) => set.name === ZONE && set.type === 'AAAA'), [apex]);
    await provider().apply({ create: [], update: [], delete: [apex] });
    assert.equal((await etcdKeys(etcd, '/skydns/test/example/dns/')).size, 0);
  });

  it('refuses a CNAME and an SRV at one name, which CoreDNS cannot tell apart', async () => {
    const srv = make({ name: 'both', type: 'SRV', ttl: 60, values: ['0 0 80 web.example.test.'] });
    await provider().apply({ create: [srv], update: [], delete: [] });
    const error = await failure(provider().apply({ create: [make({ name: 'both', type: 'CNAME', ttl: 60, values: ['web.example.test.'] })], update: [], delete: [] }));
    assert.equal(error.code, 'DNS_COREDNS_UNSUPPORTED');
    assert.match(error.message, /both a CNAME and an SRV record at both\.example\.test\./);
    assert.deepEqual((await provider().list()).filter((set) => set.name === 'both.example.test.'), [srv], 'nothing written');
    await provider().apply({ create: [], update: [], delete: [srv] });
  });

  it('refuses what SkyDNS cannot hold: wildcards, TTL 0, IPv4-mapped AAAA, empty TXT', async () => {
    for (const [set, pattern] of [
      [make({ name: '*.apps', type: 'A', ttl: 60, values: ['10.0.0.1'] }), /wildcard/],
      [make({ name: 'zero', type: 'A', ttl: 0, values: ['10.0.0.1'] }), /TTL 0/],
      [make({ name: 'mapped', type: 'AAAA', ttl: 60, values: ['::ffff:10.0.0.1'] }), /as an A record/],
      [make({ name: 'empty', type: 'TXT', ttl: 60, values: [''] }), /empty TXT/],
    ] as const) {
      const error = await failure(provider().apply({ create: [set], update: [], delete: [] }));
      assert.equal(error.code, 'DNS_COREDNS_UNSUPPORTED');
      assert.match(error.message, pattern);
    }
  });

  it('reads keys other tools wrote: ids of any shape, apex keys, string TTLs; skips what is no record', async () => {
    for (const [key, value] of [
      ['/skydns/test/example/', '{"host":"192.0.2.1","ttl":60}'],
      ['/skydns/test/example/foreign/x1', '{"host":"target.example.net","priority":10,"port":8080}'],
      ['/skydns/test/example/foreign/x2', 'not json'],
      ['/skydns/test/example/foreign/x3', '{"host":"mail.example.net","mail":true}'],
      ['/skydns/test/examples/other/x1', '{"host":"192.0.2.9"}'],
    ] as [string, string][]) {
      assert.equal((await etcdctl(etcd.endpoints, ['put', key, value])).code, 0);
    }
    const listed = await provider().list();
    assert.deepEqual(listed.find((set) => set.name === 'example.test.'), { name: 'example.test.', type: 'A', ttl: 60, values: ['192.0.2.1'] });
    assert.deepEqual(listed.filter((set) => set.name === 'foreign.example.test.'), [
      { name: 'foreign.example.test.', type: 'SRV', ttl: 300, values: ['10 0 8080 target.example.net.'] },
    ]);
    assert.ok(!listed.some((set) => set.values.includes('192.0.2.9')), 'another zone\'s keys are not this zone\'s');
  });

  it('makes no connection for an empty change set', async () => {
    const unreachable = createCorednsEtcdProvider({ type: 'coredns-etcd', zone: ZONE, endpoints: ['http://127.0.0.1:9'], prefix: '/skydns' });
    assert.equal((await unreachable.apply(none)).writeCalls, 0);
  });
});

describe('coredns-etcd config schema', () => {
  it('defaults the prefix to /skydns, and wants cert_file with key_file and ca_file', () => {
    assert.deepEqual(corednsEtcdSchema.parse({ type: 'coredns-etcd', endpoints: ['http://10.0.0.1:2379'] }), {
      type: 'coredns-etcd',
      endpoints: ['http://10.0.0.1:2379'],
      prefix: '/skydns',
    });
    const problems = (input: object): string[] => corednsEtcdSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    assert.deepEqual(problems({ type: 'coredns-etcd', endpoints: ['https://10.0.0.1:2379'], cert_file: '/etc/muster/etcd.crt' }), [
      'key_file: cert_file and key_file go together',
      'ca_file: required with a client certificate',
    ]);
    assert.deepEqual(problems({ type: 'coredns-etcd', endpoints: [] }), ['endpoints: name at least one etcd client URL']);
    assert.equal(corednsEtcdSchema.safeParse({ type: 'coredns-etcd', endpoints: ['http://10.0.0.1:2379'], prefix: 'skydns' }).success, false);
  });
});

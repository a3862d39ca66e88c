import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runDnsContract } from '../../../../test/contract/dns-contract.js';
import { useTestAwsEnvironment } from '../../../../test/support/fake-aws/scenario.js';
import { addZone, createRoute53Model, startFakeRoute53, type FakeRoute53, type FakeZone } from '../../../../test/support/fake-route53/index.js';
import { canonicalRecordSet } from '../../record.js';
import type { RecordSet } from '../../types.js';
import { createRoute53Provider, type Route53ProviderOptions } from './index.js';
import { planBatches, sizeOf } from './batch.js';
import { toRoute53 } from './records.js';
import { route53Schema, type Route53Config } from './schema.js';
import { decodeName, decodeTxt, encodeTxt } from './text.js';
import { failure } from '../../../../test/support/failure.js';

useTestAwsEnvironment();

const FAST: Route53ProviderOptions = { retry: { initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 5000 }, sync: { pollMs: 5, timeoutMs: 2000 } };

function config(fake: FakeRoute53, overrides: Partial<Route53Config & { zone: string }> = {}): Route53Config & { zone: string } {
  return { type: 'route53', zone: 'example.com', endpoint: fake.url, wait_for_sync: false, ...overrides };
}

runDnsContract('route53 (fake Route 53 over the AWS SDK)', async () => {
  const fake = await startFakeRoute53(createRoute53Model());
  addZone(fake.model, 'example.com');
  return { provider: createRoute53Provider(config(fake), FAST), teardown: () => fake.close() };
});


const a = (name: string, ...values: string[]): RecordSet => canonicalRecordSet({ name, type: 'A', ttl: 60, values }, 'example.com.');
const none = { create: [], update: [], delete: [] };

describe('route53 provider', () => {
  let fake: FakeRoute53;
  let zone: FakeZone;
  before(async () => {
    fake = await startFakeRoute53(createRoute53Model());
  });
  beforeEach(() => {
    fake.model.zones = [];
    fake.model.denied.clear();
    fake.model.invalidChangeBatchDocument = false;
    fake.model.pageSize = 100;
    zone = addZone(fake.model, 'example.com', { id: 'Z0EXAMPLE' });
  });
  after(() => fake.close());

  /** Calls logged from now on. */
  const since = (): (() => typeof fake.calls) => {
    const start = fake.calls.length;
    return () => fake.calls.slice(start);
  };

  it('pages through ListResourceRecordSets and leaves out SOA, NS, aliases and routing-policy sets', async () => {
    zone.records.push(
      ...Array.from({ length: 20 }, (_, i) => ({ name: `h${i}.example.com.`, type: 'A', ttl: 60, values: [`10.0.0.${i}`] })),
      { name: 'mx.example.com.', type: 'MX', ttl: 60, values: ['10 mail.example.com.'] },
      { name: 'lb.example.com.', type: 'A', values: [], alias: { hostedZoneId: 'Z2FDTNDATAQYW2', dnsName: 'd111.cloudfront.net.', evaluateTargetHealth: false } },
      { name: 'w.example.com.', type: 'A', ttl: 60, values: ['10.1.0.1'], setIdentifier: 'blue', weight: 10 },
    );
    fake.model.pageSize = 7;
    const calls = since();
    const listed = await createRoute53Provider(config(fake, { zone_id: 'Z0EXAMPLE' }), FAST).list();
    assert.equal(listed.length, 20);
    assert.ok(listed.every((set) => set.type === 'A' && set.name.startsWith('h')));
    const pages = calls().filter((call) => call.operation === 'ListResourceRecordSets');
    assert.equal(pages.length, Math.ceil(25 / 7), 'every page read, 7 sets a page');
  });

  it('decodes Route 53 escapes: \\052 wildcards, octal TXT bytes, split TXT strings, targets without a dot', async () => {
    zone.records.push(
      { name: '*.apps.example.com.', type: 'A', ttl: 60, values: ['10.0.0.1'] },
      { name: 'txt.example.com.', type: 'TXT', ttl: 60, values: ['"h\\303\\251llo \\"quoted\\" \\\\ back"', '"first" "second"'] },
      { name: 'c.example.com.', type: 'CNAME', ttl: 60, values: ['Target.Example.NET'] },
    );
    const provider = createRoute53Provider(config(fake), FAST);
    const listed = await provider.list();
    assert.deepEqual(listed.map((set) => [set.name, set.type, set.values]), [
      ['*.apps.example.com.', 'A', ['10.0.0.1']],
      ['c.example.com.', 'CNAME', ['target.example.net.']],
      ['txt.example.com.', 'TXT', ['firstsecond', 'héllo "quoted" \\ back']],
    ]);
    // Deleting repeats the values exactly as Route 53 holds them, though the canonical form differs.
    assert.equal((await provider.apply({ create: [], update: [], delete: listed })).writeCalls, 1);
    assert.deepEqual(await provider.list(), []);
  });

  it('syncs 2,500 one-value record sets in exactly ⌈2500/1000⌉ ChangeResourceRecordSets calls', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    const sets = Array.from({ length: 2500 }, (_, i) => a(`n${i}`, `10.${i >> 8}.${i & 255}.1`));
    const calls = since();
    const result = await provider.apply({ create: sets, update: [], delete: [] });
    assert.equal(result.writeCalls, 3);
    const changes = calls().filter((call) => call.operation === 'ChangeResourceRecordSets');
    assert.deepEqual(changes.map((call) => [call.status, call.batch?.elements]), [[200, 1000], [200, 1000], [200, 500]]);
    assert.equal((await provider.list()).length, 2500);
  });

  it('counts a record set with N values as N elements, and an update as its old and new values', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    const wide = Array.from({ length: 30 }, (_, i) => a(`wide${i}`, ...Array.from({ length: 50 }, (_, j) => `10.${i}.${j}.1`)));
    await provider.apply({ create: wide, update: [], delete: [] });
    const calls = since();
    const update = wide.map((from) => ({ from, to: { ...from, ttl: 120 } }));
    assert.equal((await provider.apply({ create: [], update, delete: [] })).writeCalls, 3, '30 × (50 + 50) elements = 3,000');
    assert.ok(calls().every((call) => (call.batch?.elements ?? 0) <= 1000 && call.status === 200));
  });

  it('keeps each call under 32,000 characters of values', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    const texts = Array.from({ length: 100 }, (_, i) => canonicalRecordSet({ name: `t${i}`, type: 'TXT', ttl: 60, values: [`${i}`.padEnd(1000, 'x')] }, 'example.com.'));
    const calls = since();
    assert.equal((await provider.apply({ create: texts, update: [], delete: [] })).writeCalls, 4, '100 × 1,002 characters');
    assert.ok(calls().every((call) => (call.batch?.chars ?? 0) <= 32_000));
  });

  it('deletes before it creates, so a CNAME can replace an A record across calls', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    const old = Array.from({ length: 1500 }, (_, i) => a(`r${i}`, '10.0.0.1'));
    await provider.apply({ create: old, update: [], delete: [] });
    const cnames = old.map((set) => canonicalRecordSet({ name: set.name, type: 'CNAME', ttl: 60, values: ['target.example.net.'] }, 'example.com.'));
    assert.equal((await provider.apply({ create: cnames, update: [], delete: old })).writeCalls, 3);
    const listed = await provider.list();
    assert.equal(listed.length, 1500);
    assert.ok(listed.every((set) => set.type === 'CNAME'));
  });

  it('retries Throttling and PriorRequestNotComplete with backoff, and counts only the calls that changed the zone', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    await provider.list();
    fake.failNext('Throttling', 2, 'ChangeResourceRecordSets');
    fake.failNext('PriorRequestNotComplete', 1, 'ChangeResourceRecordSets');
    const calls = since();
    assert.equal((await provider.apply({ create: [a('x', '10.0.0.1')], update: [], delete: [] })).writeCalls, 1);
    assert.deepEqual(
      calls().map((call) => [call.operation, call.error ?? call.status]),
      [
        ['ChangeResourceRecordSets', 'Throttling'],
        ['ChangeResourceRecordSets', 'Throttling'],
        ['ChangeResourceRecordSets', 'PriorRequestNotComplete'],
        ['ChangeResourceRecordSets', 200],
      ],
    );
    fake.failNext('Throttling', 1, 'ListResourceRecordSets');
    assert.equal((await provider.list()).length, 1);
  });

  it('gives up on throttling at the deadline with a retryable error', async () => {
    const provider = createRoute53Provider(config(fake), { retry: { initialDelayMs: 5, maxDelayMs: 10, timeoutMs: 100 } });
    fake.failNext('Throttling', 1000);
    const error = await failure(provider.list());
    fake.clearFailures();
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /^route53:ListHostedZonesByName: gave up after \d+s: DNS_ROUTE53_THROTTLED: route53:ListHostedZonesByName failed: Throttling: Rate exceeded$/);
  });

  it('reads a batch refused because the zone changed since muster listed it as DNS_ZONE_CHANGED, and does not resend it', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    await provider.apply({ create: [a('x', '10.0.0.1')], update: [], delete: [] });
    const calls = since();
    const error = await failure(provider.apply({ create: [a('x', '10.0.0.2'), a('y', '10.0.0.3')], update: [], delete: [a('gone', '10.0.0.9')] }));
    assert.equal(error.code, 'DNS_ZONE_CHANGED');
    assert.equal(error.retryable, false, 'the same batch would be refused again: the caller lists and plans again');
    assert.match(error.message, /Tried to delete resource record set \[name='gone\.example\.com\.', type='A'\] but it was not found/);
    assert.match(error.message, /Tried to create resource record set \[name='x\.example\.com\.', type='A'\] but it already exists/);
    assert.match(error.hint ?? '', /nothing in it was applied/);
    assert.deepEqual(calls().map((call) => [call.operation, call.error]), [['ChangeResourceRecordSets', 'InvalidChangeBatch']], 'sent once');
    assert.deepEqual((await provider.list()).map((set) => set.name), ['x.example.com.']);
  });

  it('keeps other InvalidChangeBatch problems apart from a changed zone: a record muster cannot see in the way', async () => {
    zone.records.push({ name: 'lb.example.com.', type: 'A', values: [], alias: { hostedZoneId: 'Z2FDTNDATAQYW2', dnsName: 'd111.cloudfront.net.', evaluateTargetHealth: false } });
    const cname = canonicalRecordSet({ name: 'lb', type: 'CNAME', ttl: 60, values: ['target.example.net.'] }, 'example.com.');
    const error = await failure(createRoute53Provider(config(fake), FAST).apply({ create: [cname, a('y', '10.0.0.3')], update: [], delete: [] }));
    assert.equal(error.code, 'DNS_ROUTE53_INVALID_CHANGE_BATCH');
    assert.match(error.message, /RRSet of type CNAME with DNS name lb\.example\.com\. is not permitted as it conflicts with other records/);
  });

  it('reads InvalidChangeBatch in Route 53\'s <InvalidChangeBatch><Messages> document too', async () => {
    fake.model.invalidChangeBatchDocument = true;
    const provider = createRoute53Provider(config(fake), FAST);
    const error = await failure(provider.apply({ create: [], update: [], delete: [a('gone', '10.0.0.9'), a('lost', '10.0.0.8')] }));
    assert.equal(error.code, 'DNS_ZONE_CHANGED');
    assert.match(error.message, /^route53:ChangeResourceRecordSets failed: InvalidChangeBatch: Tried to delete .*'gone\.example\.com\.'.* not found; Tried to delete .*'lost\.example\.com\.'.* not found$/);
  });

  it('refuses an update when the set changed since it was listed, instead of overwriting', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    await provider.apply({ create: [a('x', '10.0.0.1')], update: [], delete: [] });
    const error = await failure(provider.apply({ create: [], update: [{ from: a('x', '10.0.0.7'), to: a('x', '10.0.0.2') }], delete: [] }));
    assert.equal(error.code, 'DNS_ZONE_CHANGED');
    assert.match(error.message, /values provided do not match the current values/);
  });

  it('says which calls were applied when a later call fails', async () => {
    const provider = createRoute53Provider(config(fake), FAST);
    const sets = Array.from({ length: 1200 }, (_, i) => a(`p${i}`, '10.0.0.1'));
    zone.records.push({ name: 'p1100.example.com.', type: 'A', ttl: 60, values: ['10.9.9.9'] });
    const error = await failure(provider.apply({ create: sets, update: [], delete: [] }));
    assert.match(error.message, /\(call 2 of 2; calls 1-1 were applied\)$/);
  });

  it('names the IAM permissions when access is denied', async () => {
    fake.model.denied.add('route53:ChangeResourceRecordSets');
    const error = await failure(createRoute53Provider(config(fake), FAST).apply({ create: [a('x', '10.0.0.1')], update: [], delete: [] }));
    assert.equal(error.code, 'DNS_ROUTE53_ACCESS_DENIED');
    assert.equal(error.kind, 'config');
    assert.match(error.message, /^route53:ChangeResourceRecordSets failed: AccessDenied: User: .* is not authorized/);
    for (const action of ['route53:ListHostedZonesByName', 'route53:GetHostedZone', 'route53:ListResourceRecordSets', 'route53:ChangeResourceRecordSets']) {
      assert.ok(error.hint?.includes(action), `hint lists ${action}`);
    }
  });

  it('makes no call at all for an empty change set', async () => {
    const calls = since();
    assert.equal((await createRoute53Provider(config(fake), FAST).apply(none)).writeCalls, 0);
    assert.deepEqual(calls(), []);
  });

  it('waits for INSYNC with GetChange when wait_for_sync is set', async () => {
    fake.model.pendingPolls = 2;
    const calls = since();
    await createRoute53Provider(config(fake, { wait_for_sync: true }), FAST).apply({ create: [a('x', '10.0.0.1')], update: [], delete: [] });
    assert.deepEqual(calls().filter((call) => call.operation === 'GetChange').length, 3);
  });

  describe('hosted zone lookup', () => {
    it('finds the zone by name among zones listed page by page', async () => {
      for (const name of ['a.example.com', 'example.org', 'example.net', 'b.example.com', 'example.co']) addZone(fake.model, name);
      fake.model.zones.find((candidate) => candidate.id === zone.id)?.records.push({ name: 'x.example.com.', type: 'A', ttl: 60, values: ['10.0.0.1'] });
      assert.deepEqual((await createRoute53Provider(config(fake), FAST).list()).map((set) => set.name), ['x.example.com.']);
    });

    it('asks for zone_id when a public and private zones share the name, after reading every page of them', async () => {
      const inside = addZone(fake.model, 'example.com', { id: 'Z1PRIVATE', private: true });
      addZone(fake.model, 'example.com', { id: 'Z2PRIVATE', private: true });
      addZone(fake.model, 'example.org');
      const calls = since();
      const error = await failure(createRoute53Provider(config(fake), FAST).list());
      assert.equal(error.code, 'DNS_ROUTE53_ZONE_AMBIGUOUS');
      assert.equal(error.message, 'route53: 3 hosted zones are named example.com.: Z0EXAMPLE (public), Z1PRIVATE (private), Z2PRIVATE (private)');
      assert.equal(calls().filter((call) => call.operation === 'ListHostedZonesByName').length, 2, 'two zones a page');
      assert.match(error.hint ?? '', /zone_id/);
      inside.records.push({ name: 'in.example.com.', type: 'A', ttl: 60, values: ['10.0.0.1'] });
      const listed = await createRoute53Provider(config(fake, { zone_id: '/hostedzone/Z1PRIVATE' }), FAST).list();
      assert.deepEqual(listed.map((set) => set.name), ['in.example.com.']);
    });

    it('says so when no zone has the name', async () => {
      const error = await failure(createRoute53Provider(config(fake, { zone: 'example.org' }), FAST).list());
      assert.equal(error.code, 'DNS_ROUTE53_ZONE_NOT_FOUND');
    });

    it('refuses a zone_id whose zone has another name', async () => {
      addZone(fake.model, 'example.org', { id: 'Z0OTHER' });
      const error = await failure(createRoute53Provider(config(fake, { zone_id: 'Z0OTHER' }), FAST).list());
      assert.equal(error.code, 'DNS_ROUTE53_ZONE_MISMATCH');
      assert.match(error.message, /Z0OTHER is example\.org\., not example\.com\./);
    });

    it('says the zone does not exist for an unknown zone_id', async () => {
      const error = await failure(createRoute53Provider(config(fake, { zone_id: 'Z9MISSING' }), FAST).list());
      assert.equal(error.code, 'DNS_ROUTE53_NO_SUCH_ZONE');
      assert.match(error.message, /NoSuchHostedZone/);
    });
  });
});

describe('route53 batching (pure)', () => {
  const txt = (name: string, value: string): RecordSet => canonicalRecordSet({ name, type: 'TXT', ttl: 60, values: [value] }, 'example.com.');
  const summary = (batches: ReturnType<typeof planBatches>): string[][] =>
    batches.map((batch) => batch.map((change) => `${change.Action} ${change.ResourceRecordSet?.Type} ${change.ResourceRecordSet?.Name}`));

  it('deletes ownership TXTs after their records, and creates them before', () => {
    const owner = txt('_muster-owner.a.x', 'heritage=muster,muster/owner=n1');
    const batches = planBatches({ create: [a('y', '10.0.0.2'), owner], update: [], delete: [txt('_muster-owner.a.old', 'heritage=muster'), a('old', '10.0.0.1')] }, toRoute53);
    assert.deepEqual(summary(batches), [
      [
        'DELETE A old.example.com.',
        'DELETE TXT _muster-owner.a.old.example.com.',
        'CREATE TXT _muster-owner.a.x.example.com.',
        'CREATE A y.example.com.',
      ],
    ]);
  });

  it('keeps an update\'s DELETE and CREATE in one call, and falls back to UPSERT when the pair is too big', () => {
    const limits = { elements: 4, chars: 1000 };
    const from = a('x', '10.0.0.1', '10.0.0.2', '10.0.0.3');
    const to = a('x', '10.0.0.4', '10.0.0.5');
    const batches = planBatches({ create: [a('y', '10.0.0.9')], update: [{ from: a('z', '10.0.0.7'), to: a('z', '10.0.0.8') }, { from, to }], delete: [] }, toRoute53, limits);
    assert.deepEqual(summary(batches), [['DELETE A z.example.com.', 'CREATE A z.example.com.'], ['UPSERT A x.example.com.'], ['CREATE A y.example.com.']]);
    assert.deepEqual(sizeOf(batches[1] ?? []), { elements: 4, chars: 32 });
  });

  it('refuses a record set that no call can hold', () => {
    assert.throws(() => planBatches({ create: [a('x', '10.0.0.1', '10.0.0.2')], update: [], delete: [] }, toRoute53, { elements: 1, chars: 1000 }), {
      code: 'DNS_ROUTE53_SET_TOO_LARGE',
    });
  });

  it('quotes TXT in strings of at most 255 bytes, escapes as Route 53 does, and reads it back', () => {
    const text = `${'é'.repeat(200)} "q" \\ end`;
    const encoded = encodeTxt(text);
    assert.match(encoded, /^"(\\303\\251){127}\\303" "\\251/, 'split at 255 bytes, even inside a character');
    assert.ok(encoded.endsWith(' \\"q\\" \\\\ end"'));
    assert.equal(decodeTxt(encoded), text);
    assert.equal(encodeTxt(''), '""');
    assert.equal(decodeName('\\052.Apps.Example.COM'), '*.apps.example.com.');
  });
});

describe('route53 config schema', () => {
  it('fills defaults and refuses unknown keys and malformed zone IDs', () => {
    assert.deepEqual(route53Schema.parse({ type: 'route53' }), { type: 'route53', wait_for_sync: false });
    assert.equal(route53Schema.safeParse({ type: 'route53', zone: 'x' }).success, false);
    assert.equal(route53Schema.safeParse({ type: 'route53', zone_id: 'not an id' }).success, false);
    assert.equal(route53Schema.safeParse({ type: 'route53', zone_id: '/hostedzone/Z0123ABC', endpoint: 'http://127.0.0.1:4566' }).success, true);
  });
});

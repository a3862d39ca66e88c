import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isEmptyChangeSet, planDns } from '../../src/dns/plan.js';
import { canonicalRecordSet, sortRecordSets, type RecordInput } from '../../src/dns/record.js';
import type { DnsProvider, RecordChanges, RecordSet } from '../../src/dns/types.js';

export interface DnsFixture {
  /** A provider for a zone that may hold SOA/NS and other records, but none under the names used here. */
  provider: DnsProvider;
  teardown?(): Promise<void>;
  /** The zone's record sets of managed types, read with an independent tool (dig AXFR, named-compilezone). */
  readBack?(): Promise<RecordSet[]>;
}

const NO_CHANGES: RecordChanges = { create: [], update: [], delete: [] };

/**
 * The contract every DNS provider passes: one suite, a three-line test file per provider
 * (`runDnsContract('memory', async () => ({ provider }))`). Each test works under its own label
 * (create., sync., owners., race., bulk.) and with its own owner id, so tests never see each
 * other's records.
 */
export function runDnsContract(name: string, setup: () => Promise<DnsFixture>): void {
  describe(`dns contract: ${name}`, () => {
    let fixture: DnsFixture;
    let zone: string;
    const make = (input: RecordInput): RecordSet => canonicalRecordSet(input, zone);
    const under = async (label: string): Promise<RecordSet[]> =>
      (await fixture.provider.list()).filter((set) => set.name.endsWith(`.${label}.${zone}`));
    const agreesWithReadBack = async (): Promise<void> => {
      if (!fixture.readBack) return;
      assert.deepEqual(sortRecordSets(await fixture.readBack()), sortRecordSets(await fixture.provider.list()), 'an independent read of the zone disagrees with list()');
    };

    before(async () => {
      fixture = await setup();
      zone = fixture.provider.zone;
    });
    after(async () => {
      await fixture.teardown?.();
    });

    const longText = `long ${'x'.repeat(300)} text`;
    const initial = (): RecordSet[] => [
      make({ name: 'www.create', type: 'A', ttl: 300, values: ['10.0.0.2', '10.0.0.1', '10.0.0.2'] }),
      make({ name: 'WWW.Create', type: 'aaaa', ttl: 300, values: ['2001:DB8:0:0:0:0:0:1'] }),
      make({ name: 'txt.create', type: 'TXT', ttl: 60, values: ['hello world', 'a "quote", a \\ backslash; a semicolon', longText, 'héllo ✓'] }),
      make({ name: '_etcd-server._tcp.create', type: 'SRV', ttl: 60, values: ['0 0 2380 m2.create', '0 0 2380 m1.create.' + zone] }),
      make({ name: 'alias.create', type: 'CNAME', ttl: 60, values: ['www.create'] }),
    ];

    it('creates A, AAAA, TXT, SRV and CNAME record sets and lists them back canonical', async () => {
      const sets = initial();
      const result = await fixture.provider.apply({ create: sets, update: [], delete: [] });
      assert.ok(result.writeCalls >= 1, 'a change is at least one write');
      assert.deepEqual(await under('create'), sortRecordSets(sets));
      await agreesWithReadBack();
    });

    it('updates values and TTLs', async () => {
      const [a, , txt] = initial() as [RecordSet, RecordSet, RecordSet];
      const newA = { ...a, ttl: 120, values: ['10.0.0.3'] };
      const newTxt = { ...txt, ttl: 600, values: ['only one now'] };
      await fixture.provider.apply({ create: [], update: [{ from: a, to: newA }, { from: txt, to: newTxt }], delete: [] });
      const listed = await under('create');
      assert.deepEqual(listed.find((set) => set.type === 'A'), newA);
      assert.deepEqual(listed.find((set) => set.type === 'TXT'), newTxt);
      assert.equal(listed.length, 5);
      await agreesWithReadBack();
    });

    it('deletes record sets', async () => {
      await fixture.provider.apply({ create: [], update: [], delete: await under('create') });
      assert.deepEqual(await under('create'), []);
      await agreesWithReadBack();
    });

    it('makes no write call for an empty change set', async () => {
      const before = await fixture.provider.list();
      const result = await fixture.provider.apply(NO_CHANGES);
      assert.equal(result.writeCalls, 0);
      assert.deepEqual(await fixture.provider.list(), before);
    });

    it('syncs with ownership: foreign records survive, a second sync plans nothing', async () => {
      const foreign = make({ name: 'foreign.sync', type: 'A', ttl: 60, values: ['192.0.2.1'] });
      const taken = make({ name: 'taken.sync', type: 'A', ttl: 60, values: ['192.0.2.2'] });
      await fixture.provider.apply({ create: [foreign, taken], update: [], delete: [] });
      const sync = async (desired: RecordSet[]) =>
        planDns({ desired, current: await fixture.provider.list(), ownerId: 'contract-sync', policy: 'sync', takeOver: false });

      const desired = [
        make({ name: 'a.sync', type: 'A', ttl: 60, values: ['192.0.2.10', '192.0.2.11'] }),
        make({ name: 'b.sync', type: 'CNAME', ttl: 60, values: ['a.sync'] }),
        make({ name: 'taken.sync', type: 'A', ttl: 60, values: ['192.0.2.99'] }),
      ];
      const first = await sync(desired);
      assert.deepEqual(first.conflicts.map((c) => c.record.name), [`taken.sync.${zone}`]);
      assert.ok((await fixture.provider.apply(first.changes)).writeCalls >= 1);
      let listed = await under('sync');
      assert.deepEqual(listed.find((set) => set.name === foreign.name), foreign);
      assert.deepEqual(listed.find((set) => set.name === taken.name), taken, 'a record muster does not own is never changed');
      assert.equal(listed.filter((set) => set.name.startsWith('_muster-owner.')).length, 2, 'one ownership record per owned set');

      const second = await sync(desired);
      assert.ok(isEmptyChangeSet(second.changes), `second sync must plan nothing, planned: ${second.summary.join('; ')}`);
      assert.equal((await fixture.provider.apply(second.changes)).writeCalls, 0);

      const third = await sync([make({ name: 'a.sync', type: 'A', ttl: 30, values: ['192.0.2.12'] })]);
      await fixture.provider.apply(third.changes);
      listed = await under('sync');
      assert.deepEqual(
        listed.map((set) => `${set.name} ${set.type}`),
        [`_muster-owner.a.a.sync.${zone} TXT`, `a.sync.${zone} A`, `foreign.sync.${zone} A`, `taken.sync.${zone} A`],
      );
      await agreesWithReadBack();

      await fixture.provider.apply((await sync([])).changes);
      assert.deepEqual(await under('sync'), sortRecordSets([foreign, taken]));
      await fixture.provider.apply({ create: [], update: [], delete: [foreign, taken] });
    });

    it('reads ownership records exactly: a legacy one is rewritten, one naming another record or spelled ambiguously is foreign', async () => {
      const ownerId = 'contract-owners';
      const sync = async (desired: RecordSet[]) => planDns({ desired, current: await fixture.provider.list(), ownerId, policy: 'sync', takeOver: false });
      const a = (label: string, ip: string): RecordSet => make({ name: `${label}.owners`, type: 'A', ttl: 60, values: [ip] });
      const txt = (name: string, value: string): RecordSet => make({ name, type: 'TXT', ttl: 60, values: [value] });
      const legacy = `heritage=muster,muster/owner=${ownerId}`; // the previous release's value
      const mine = a('mine', '192.0.2.20');
      const foreign = [
        a('other', '192.0.2.21'),
        txt('_muster-owner.a.other.owners', `${legacy},muster/record=A/mine.owners.${zone}`),
        // The previous release's spelling of *.owners TXT's ownership, which also stands for
        // _wildcard.owners TXT (a TXT, since BIND refuses "_" in the name of an A record).
        txt('_wildcard.owners', 'v=1'),
        txt('_muster-owner.txt._wildcard.owners', legacy),
      ];
      await fixture.provider.apply({ create: [mine, txt('_muster-owner.a.mine.owners', legacy), ...foreign], update: [], delete: [] });

      const first = await sync([mine]);
      assert.deepEqual(first.summary, [
        `update _muster-owner.a.mine.owners.${zone} TXT 60 "${legacy}" → 60 "${legacy},muster/record=A/mine.owners.${zone}"`,
      ]);
      await fixture.provider.apply(first.changes);
      const second = await sync([mine]);
      assert.ok(isEmptyChangeSet(second.changes), `second sync must plan nothing, planned: ${second.summary.join('; ')}`);
      await agreesWithReadBack();

      await fixture.provider.apply((await sync([])).changes);
      assert.deepEqual(await under('owners'), sortRecordSets(foreign), 'only its own record set and ownership record are gone');
      await fixture.provider.apply({ create: [], update: [], delete: foreign });
    });

    it('refuses a plan made before another writer changed the zone (DNS_ZONE_CHANGED), and changes nothing', async () => {
      const ownerId = 'contract-race';
      const sync = async (desired: RecordSet[]) => planDns({ desired, current: await fixture.provider.list(), ownerId, policy: 'sync', takeOver: false });
      const a = (label: string, ip: string): RecordSet => make({ name: `${label}.race`, type: 'A', ttl: 60, values: [ip] });
      const refused = async (changes: RecordChanges): Promise<void> => {
        const before = await under('race');
        await assert.rejects(fixture.provider.apply(changes), (error: Error & { code?: string }) => {
          assert.equal(error.code, 'DNS_ZONE_CHANGED', error.message);
          return true;
        });
        assert.deepEqual(await under('race'), before, 'nothing of the plan was applied');
      };
      const owned = [a('changed', '192.0.2.30'), a('owner', '192.0.2.31')];
      await fixture.provider.apply((await sync(owned)).changes);

      // Create: another writer created the set first.
      const create = await sync([...owned, a('created', '192.0.2.32')]);
      await fixture.provider.apply({ create: [a('created', '192.0.2.99')], update: [], delete: [] });
      await refused(create.changes);

      // Update: another writer changed the values the plan started from.
      const [changed, owner] = owned as [RecordSet, RecordSet];
      const update = await sync([{ ...changed, values: ['192.0.2.40'] }, owner]);
      await fixture.provider.apply({ create: [], update: [{ from: changed, to: { ...changed, values: ['192.0.2.98'] } }], delete: [] });
      await refused(update.changes);

      // Delete: another owner took over the ownership record muster is about to delete with its record.
      const removal = await sync([]);
      const ownership = (await under('race')).find((set) => set.name === `_muster-owner.a.owner.race.${zone}`);
      assert.ok(ownership);
      await fixture.provider.apply({ create: [], update: [{ from: ownership, to: { ...ownership, values: [`heritage=muster,muster/owner=cluster-b,muster/record=A/owner.race.${zone}`] } }], delete: [] });
      await refused(removal.changes);
      await agreesWithReadBack();

      await fixture.provider.apply({ create: [], update: [], delete: await under('race') });
    });

    it('syncs 1,000 record sets', async () => {
      const desired = Array.from({ length: 1000 }, (_, i) =>
        make({ name: `h${String(i).padStart(4, '0')}.bulk`, type: 'A', ttl: 60, values: [`10.${i >> 8}.${i & 255}.1`] }),
      );
      const sync = async (want: RecordSet[]) =>
        planDns({ desired: want, current: await fixture.provider.list(), ownerId: 'contract-bulk', policy: 'sync', takeOver: false });
      const first = await sync(desired);
      assert.equal(first.changes.create.length, 2000);
      await fixture.provider.apply(first.changes);
      assert.equal((await under('bulk')).length, 2000);
      assert.ok(isEmptyChangeSet((await sync(desired)).changes));
      await agreesWithReadBack();
      await fixture.provider.apply((await sync([])).changes);
      assert.deepEqual(await under('bulk'), []);
    });
  });
}

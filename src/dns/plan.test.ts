import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipRecord } from './ownership.js';
import { isEmptyChangeSet, planDns, type DnsPlanInput } from './plan.js';
import { canonicalRecordSet } from './record.js';
import type { RecordSet } from './types.js';

const zone = 'example.com.';
const rr = (name: string, type: string, values: string[], ttl = 60): RecordSet => canonicalRecordSet({ name, type, ttl, values }, zone);
const owned = (set: RecordSet, owner = 'muster'): RecordSet[] => [set, ownershipRecord(set, owner)];
const plan = (input: Partial<DnsPlanInput>) => planDns({ desired: [], current: [], ownerId: 'muster', policy: 'sync', takeOver: false, ...input });
const names = (sets: readonly RecordSet[]) => sets.map((set) => `${set.name} ${set.type}`);
const txt = (name: string, value: string): RecordSet => rr(name, 'TXT', [value]);
/** An ownership value as the previous release wrote it: no record field. */
const LEGACY = 'heritage=muster,muster/owner=muster';

const node1 = rr('node1', 'A', ['10.0.0.1']);
const node2 = rr('node2', 'A', ['10.0.0.2']);

describe('planDns', () => {
  it('creates each desired record set together with its ownership record', () => {
    const result = plan({ desired: [node2, node1] });
    assert.deepEqual(names(result.changes.create), [
      'node1.example.com. A',
      '_muster-owner.a.node1.example.com. TXT',
      'node2.example.com. A',
      '_muster-owner.a.node2.example.com. TXT',
    ]);
    assert.deepEqual(result.changes.create[1]?.values, ['heritage=muster,muster/owner=muster,muster/record=A/node1.example.com.']);
    assert.deepEqual(result.conflicts, []);
    assert.deepEqual(result.summary, result.changes.create.map((set) => `create ${set.name} ${set.type} ${set.ttl} ${set.type === 'TXT' ? JSON.stringify(set.values[0]) : set.values[0]}`));
  });

  it('plans nothing when the zone already matches (a no-op sync is an empty change set)', () => {
    const result = plan({ desired: [node1], current: [...owned(node1), rr('other', 'A', ['10.9.9.9'])] });
    assert.ok(isEmptyChangeSet(result.changes));
    assert.deepEqual(result.summary, ['no changes']);
  });

  it('reports a conflict instead of touching a record set it does not own', () => {
    const foreign = rr('node1', 'A', ['10.0.0.99']);
    const result = plan({ desired: [node1], current: [foreign] });
    assert.ok(isEmptyChangeSet(result.changes));
    assert.equal(result.conflicts.length, 1);
    assert.match(result.conflicts[0]?.reason ?? '', /without a muster ownership record.*take_over/);

    const same = plan({ desired: [node1], current: [node1] });
    assert.ok(isEmptyChangeSet(same.changes));
    assert.match(same.conflicts[0]?.reason ?? '', /values already match/);
  });

  it('names the other owner in a conflict', () => {
    const result = plan({ desired: [rr('node1', 'A', ['10.0.0.5'])], current: owned(node1, 'cluster-b') });
    assert.ok(isEmptyChangeSet(result.changes));
    assert.match(result.conflicts[0]?.reason ?? '', /owned by "cluster-b"/);
    assert.match(result.summary[0] ?? '', /^conflict node1\.example\.com\. A: owned by "cluster-b"/);
  });

  it('treats a stray ownership record of another owner as a claim on the name', () => {
    const result = plan({ desired: [node1], current: [ownershipRecord(node1, 'cluster-b')] });
    assert.ok(isEmptyChangeSet(result.changes));
    assert.equal(result.conflicts.length, 1);
  });

  it('takes over foreign record sets only when asked, and records ownership', () => {
    const foreign = rr('node1', 'A', ['10.0.0.99']);
    const result = plan({ desired: [node1], current: [foreign], takeOver: true });
    assert.deepEqual(result.changes.update, [{ from: foreign, to: node1 }]);
    assert.deepEqual(result.changes.create, [ownershipRecord(node1, 'muster')]);
  });

  it('take-over adopts only record sets without any ownership record, never another owner\'s', () => {
    // Two clusters with take_over sharing a zone would otherwise take a record from each other forever.
    const otherOwner = plan({ desired: [rr('node1', 'A', ['10.0.0.5'])], current: owned(node1, 'cluster-b'), takeOver: true });
    assert.ok(isEmptyChangeSet(otherOwner.changes), otherOwner.summary.join('; '));
    assert.match(otherOwner.conflicts[0]?.reason ?? '', /owned by "cluster-b"/);
    assert.doesNotMatch(otherOwner.conflicts[0]?.reason ?? '', /take_over/, 'take_over would not help, so it is not suggested');
    const stray = plan({ desired: [node1], current: [ownershipRecord(node1, 'cluster-b')], takeOver: true });
    assert.ok(isEmptyChangeSet(stray.changes));
    assert.equal(stray.conflicts.length, 1);
    const unreadable = plan({ desired: [node1], current: [node1, txt('_muster-owner.a.node1', 'written by hand')], takeOver: true });
    assert.ok(isEmptyChangeSet(unreadable.changes));
    assert.match(unreadable.conflicts[0]?.reason ?? '', /not in muster's format/);
  });

  it('take-over never deletes records muster does not own', () => {
    const result = plan({ desired: [], current: [node1, ...owned(node2, 'cluster-b')], takeOver: true });
    assert.ok(isEmptyChangeSet(result.changes));
  });

  it('sync deletes its own record sets that are no longer desired, with their ownership records, and nothing else', () => {
    const result = plan({ desired: [], current: [...owned(node1), node2, ...owned(rr('x', 'A', ['10.0.0.3']), 'cluster-b')] });
    assert.deepEqual(names(result.changes.delete), ['node1.example.com. A', '_muster-owner.a.node1.example.com. TXT']);
    assert.deepEqual(result.changes.create, []);
    assert.deepEqual(result.changes.update, []);
    assert.deepEqual(result.summary, [`delete node1.example.com. A 60 10.0.0.1`, `delete _muster-owner.a.node1.example.com. TXT 60 "heritage=muster,muster/owner=muster,muster/record=A/node1.example.com."`]);
  });

  it('sync deletes an ownership record left without its record (a crash between two writes)', () => {
    const result = plan({ desired: [], current: [ownershipRecord(node1, 'muster')] });
    assert.deepEqual(names(result.changes.delete), ['_muster-owner.a.node1.example.com. TXT']);
    const recreate = plan({ desired: [node1], current: [ownershipRecord(node1, 'muster')] });
    assert.deepEqual(recreate.changes.create, [node1]);
    assert.deepEqual(recreate.changes.delete, []);
  });

  it('upsert-only updates but never deletes', () => {
    const changed = rr('node1', 'A', ['10.0.0.7']);
    const result = plan({ desired: [changed], current: [...owned(node1), ...owned(node2)], policy: 'upsert-only' });
    assert.deepEqual(result.changes.update, [{ from: node1, to: changed }]);
    assert.deepEqual(result.changes.delete, []);
  });

  it('create-only creates but never updates or deletes, and says what it skipped', () => {
    const changed = rr('node1', 'A', ['10.0.0.7'], 300);
    const result = plan({ desired: [changed, rr('new', 'A', ['10.0.0.8'])], current: [...owned(node1), ...owned(node2)], policy: 'create-only' });
    assert.deepEqual(result.changes.update, []);
    assert.deepEqual(result.changes.delete, []);
    assert.deepEqual(names(result.changes.create), ['new.example.com. A', '_muster-owner.a.new.example.com. TXT']);
    assert.equal(result.skipped.length, 1);
    assert.match(result.summary.at(-1) ?? '', /^skip node1\.example\.com\. A: exists as .*create-only/);
  });

  it('updates the ownership record with its record when the TTL changes', () => {
    const longer = rr('node1', 'A', ['10.0.0.1'], 300);
    const result = plan({ desired: [longer], current: owned(node1) });
    assert.deepEqual(result.changes.update, [
      { from: node1, to: longer },
      { from: ownershipRecord(node1, 'muster'), to: ownershipRecord(longer, 'muster') },
    ]);
  });

  it('replaces its own A record by a CNAME in one change set (the delete is applied first)', () => {
    const cname = rr('node1', 'CNAME', ['node2']);
    const result = plan({ desired: [cname], current: owned(node1) });
    assert.deepEqual(names(result.changes.delete), ['node1.example.com. A', '_muster-owner.a.node1.example.com. TXT']);
    assert.deepEqual(names(result.changes.create), ['node1.example.com. CNAME', '_muster-owner.cname.node1.example.com. TXT']);
  });

  it('refuses a CNAME beside records that stay, and a CNAME beside other desired types', () => {
    const cname = rr('node1', 'CNAME', ['node2']);
    const beside = plan({ desired: [cname], current: [rr('node1', 'TXT', ['site-verification'])] });
    assert.ok(isEmptyChangeSet(beside.changes));
    assert.match(beside.conflicts[0]?.reason ?? '', /CNAME cannot share its name.*keeps TXT/);
    const both = plan({ desired: [cname, node1] });
    assert.ok(isEmptyChangeSet(both.changes));
    assert.equal(both.conflicts.length, 2);
  });

  it('refuses desired names in the ownership namespace and contradictory duplicates', () => {
    const reserved = plan({ desired: [rr('_muster-owner.a.x', 'TXT', ['hi'])] });
    assert.ok(isEmptyChangeSet(reserved.changes));
    assert.match(reserved.conflicts[0]?.reason ?? '', /reserved/);
    const twice = plan({ desired: [node1, rr('node1', 'A', ['10.0.0.9']), node2] });
    assert.deepEqual(names(twice.changes.create), ['node2.example.com. A', '_muster-owner.a.node2.example.com. TXT']);
    assert.equal(twice.conflicts.length, 1);
    assert.deepEqual(plan({ desired: [node1, node1] }).changes.create.length, 2, 'identical duplicates are one record set');
  });

  it('marks a wildcard in the type label of its ownership name, within DNS syntax', () => {
    const wildcard = rr('*.apps', 'A', ['10.0.0.1']);
    const result = plan({ desired: [wildcard] });
    assert.deepEqual(names(result.changes.create), ['*.apps.example.com. A', '_muster-owner.a-wildcard.apps.example.com. TXT']);
    assert.deepEqual(result.changes.create[1]?.values, ['heritage=muster,muster/owner=muster,muster/record=A/*.apps.example.com.']);
    assert.ok(isEmptyChangeSet(plan({ desired: [wildcard], current: result.changes.create }).changes));
    assert.equal(plan({ current: result.changes.create }).changes.delete.length, 2);
  });

  it('keeps a wildcard and a literal "_wildcard" label apart, and never deletes the one it does not own', () => {
    const literal = rr('_wildcard.apps', 'A', ['10.0.0.1']);
    const wildcard = rr('*.apps', 'A', ['10.0.0.9']); // someone else's
    const current = [...owned(literal), wildcard];
    const keep = plan({ desired: [literal], current });
    assert.ok(isEmptyChangeSet(keep.changes), keep.summary.join('; '));
    assert.deepEqual(keep.conflicts, []);
    const gone = plan({ desired: [], current });
    assert.deepEqual(names(gone.changes.delete), ['_wildcard.apps.example.com. A', '_muster-owner.a._wildcard.apps.example.com. TXT']);
  });

  it('treats a record set whose ownership record names another record set as someone else\'s', () => {
    const current = [node1, txt('_muster-owner.a.node1', 'heritage=muster,muster/owner=muster,muster/record=A/node2.example.com.')];
    assert.ok(isEmptyChangeSet(plan({ desired: [], current }).changes), 'never deleted');
    const changed = plan({ desired: [rr('node1', 'A', ['10.0.0.5'])], current, takeOver: true });
    assert.ok(isEmptyChangeSet(changed.changes), 'never changed, even with take_over');
    assert.match(changed.conflicts[0]?.reason ?? '', /stands for node2\.example\.com\. A/);
  });

  it('upgrades an ownership record of the previous release (no record field) to the new format', () => {
    const legacy = txt('_muster-owner.a.node1', LEGACY);
    const keep = plan({ desired: [node1], current: [node1, legacy] });
    assert.deepEqual(keep.conflicts, []);
    assert.deepEqual(keep.changes.update, [{ from: legacy, to: ownershipRecord(node1, 'muster') }]);
    assert.deepEqual(keep.changes.create, []);
    assert.deepEqual(plan({ desired: [], current: [node1, legacy] }).changes.delete, [node1, legacy], 'owned: deleted with its record');
    assert.ok(isEmptyChangeSet(plan({ desired: [node1], current: [node1, legacy], policy: 'create-only' }).changes), 'create-only never updates');
  });

  it('never touches a legacy ownership record at a name the previous release spelled ambiguously', () => {
    // The previous release wrote *.apps A's ownership at _muster-owner.a._wildcard.apps, the name
    // that now (and then) also stands for a literal _wildcard.apps A: muster cannot tell which it meant.
    const legacy = txt('_muster-owner.a._wildcard.apps', LEGACY);
    const wildcard = rr('*.apps', 'A', ['10.0.0.1']);
    const literal = rr('_wildcard.apps', 'A', ['10.0.0.2']);
    const current = [wildcard, literal, legacy];
    assert.ok(isEmptyChangeSet(plan({ desired: [], current }).changes), 'nothing deleted');
    const want = plan({ desired: [wildcard, { ...literal, values: ['10.0.0.3'] }], current });
    assert.ok(isEmptyChangeSet(want.changes));
    assert.deepEqual(want.conflicts.map((note) => note.record.name), ['*.apps.example.com.', '_wildcard.apps.example.com.']);
    assert.match(want.conflicts[1]?.reason ?? '', /previous release/);
    assert.match(want.conflicts[0]?.reason ?? '', /its ownership record from muster 0\.1\.0, _muster-owner\.a\._wildcard\.apps\.example\.com\., names this owner_id but also stands for _wildcard\.apps\.example\.com\..*set dns\.take_over: true once/);
    // take_over adopts the wildcard (no ownership record at its name now), never the ambiguous one.
    const adopt = plan({ desired: [wildcard, literal], current, takeOver: true });
    assert.deepEqual(names(adopt.changes.create), ['_muster-owner.a-wildcard.apps.example.com. TXT']);
    assert.deepEqual(adopt.changes.delete, []);
    assert.deepEqual(adopt.conflicts.map((note) => note.record.name), ['_wildcard.apps.example.com.']);
  });

  it('is deterministic whatever the input order', () => {
    const sets = ['d', 'b', 'a', 'c'].map((name, i) => rr(name, 'A', [`10.0.0.${i + 1}`]));
    const current = [...owned(rr('z', 'A', ['10.1.1.1'])), ...owned(rr('y', 'A', ['10.1.1.2']))];
    const one = plan({ desired: sets, current });
    const two = plan({ desired: [...sets].reverse(), current: [...current].reverse() });
    assert.deepEqual(one, two);
  });

  it('refuses an owner id that cannot be written into an ownership record', () => {
    assert.throws(() => plan({ ownerId: 'a,b' }), /invalid DNS owner id/);
  });
});

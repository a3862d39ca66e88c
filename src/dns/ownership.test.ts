import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipRecord, ownershipTarget, readOwnership } from './ownership.js';
import { canonicalRecordSet, RECORD_TYPES } from './record.js';
import type { RecordSet } from './types.js';

const zone = 'example.com.';
const rr = (name: string, type: string, values: string[]): RecordSet => canonicalRecordSet({ name, type, ttl: 60, values }, zone);

describe('ownership records', () => {
  it('give every record set an ownership name of its own, and read it back as that record set', () => {
    const names = ['x', '*.x', '_wildcard.x', 'a.x', 'a-wildcard.x', '*.a.x', '@'];
    const seen = new Map<string, string>();
    for (const name of names) {
      for (const type of RECORD_TYPES) {
        const target = { name: canonicalRecordSet({ name, type: 'A', ttl: 60, values: ['10.0.0.1'] }, zone).name, type };
        const ownership = ownershipRecord({ ...target, ttl: 60, values: [] }, 'muster').name;
        const other = seen.get(ownership);
        assert.equal(other, undefined, `${target.name} ${type} and ${other} share the ownership name ${ownership}`);
        seen.set(ownership, `${target.name} ${type}`);
        assert.deepEqual(ownershipTarget(ownership), target);
      }
    }
  });

  it('write the owner and the record set into the value', () => {
    const record = ownershipRecord(rr('*.apps', 'AAAA', ['2001:db8::1']), 'cluster-a');
    assert.deepEqual(record, {
      name: '_muster-owner.aaaa-wildcard.apps.example.com.',
      type: 'TXT',
      ttl: 60,
      values: ['heritage=muster,muster/owner=cluster-a,muster/record=AAAA/*.apps.example.com.'],
    });
    assert.deepEqual(readOwnership([record]).ownerOf({ name: '*.apps.example.com.', type: 'AAAA' }), { kind: 'owned', owner: 'cluster-a', record, legacy: false });
  });

  it('read a value without a record field (the previous release) as owned, unless its name was ambiguous then', () => {
    const legacy = rr('_muster-owner.a.node1', 'TXT', ['heritage=muster,muster/owner=cluster-a']);
    assert.deepEqual(readOwnership([legacy]).ownerOf({ name: 'node1.example.com.', type: 'A' }), { kind: 'owned', owner: 'cluster-a', record: legacy, legacy: true });
    const ambiguous = rr('_muster-owner.a._wildcard.apps', 'TXT', ['heritage=muster,muster/owner=cluster-a']);
    const owner = readOwnership([ambiguous]).ownerOf({ name: '_wildcard.apps.example.com.', type: 'A' });
    assert.equal(owner.kind, 'unreadable');
    assert.equal(readOwnership([ambiguous]).ownerOf({ name: '*.apps.example.com.', type: 'A' }).kind, 'none');
  });

  it('read a value that names another record set, or several owners, as unreadable', () => {
    const mismatch = rr('_muster-owner.a.node1', 'TXT', ['heritage=muster,muster/owner=cluster-a,muster/record=A/node2.example.com.']);
    assert.equal(readOwnership([mismatch]).ownerOf({ name: 'node1.example.com.', type: 'A' }).kind, 'unreadable');
    const type = rr('_muster-owner.a.node1', 'TXT', ['heritage=muster,muster/owner=cluster-a,muster/record=AAAA/node1.example.com.']);
    assert.equal(readOwnership([type]).ownerOf({ name: 'node1.example.com.', type: 'A' }).kind, 'unreadable');
    const two = rr('_muster-owner.a.node1', 'TXT', ['heritage=muster,muster/owner=cluster-a', 'heritage=muster,muster/owner=cluster-b']);
    assert.equal(readOwnership([two]).ownerOf({ name: 'node1.example.com.', type: 'A' }).kind, 'unreadable');
  });
});

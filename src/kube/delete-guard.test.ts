import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipRecord } from '../dns/ownership.js';
import { canonicalRecordSet } from '../dns/record.js';
import type { RecordSet } from '../dns/types.js';
import { planZone } from './zone-sync.js';

const zone = 'example.com.';
const a = (name: string, ip: string): RecordSet => canonicalRecordSet({ name, type: 'A', ttl: 60, values: [ip] }, zone);
const owned = (set: RecordSet): RecordSet[] => [set, ownershipRecord(set, 'kd')];
const ten = Array.from({ length: 10 }, (_, i) => a(`svc${i}`, `10.0.0.${i + 1}`));
const current = ten.flatMap(owned);

const round = (desired: RecordSet[], extra: Partial<Parameters<typeof planZone>[0]> = {}) =>
  planZone({ zone, desired, current, ownerId: 'kd', policy: 'sync', takeOver: false, removedByEvent: new Set(), sourceSynced: true, resync: false, held: undefined, maxDeleteRatio: 0.2, ...extra });
const deleted = (r: ReturnType<typeof round>) => r.changes.delete.filter((set) => set.type === 'A').map((set) => set.name);

describe('the deletion guard', () => {
  it('lets a small deletion through (2 of 10 ≤ 20 %) with its ownership records', () => {
    const r = round(ten.slice(2));
    assert.deepEqual(deleted(r), ['svc0.example.com.', 'svc1.example.com.']);
    assert.equal(r.changes.delete.length, 4);
    assert.equal(r.guard.reason, undefined);
  });

  it('an empty source deletes nothing, and holds until two consecutive resyncs compute the same deletes', () => {
    const event = round([]);
    assert.deepEqual(event.changes.delete, []);
    assert.match(event.guard.reason ?? '', /10 of the 10 .* held until two consecutive resyncs agree/);
    const first = round([], { resync: true });
    assert.deepEqual(first.changes.delete, []);
    assert.ok(first.guard.held);
    const second = round([], { resync: true, held: first.guard.held });
    assert.equal(deleted(second).length, 10);
    const other = round(ten.slice(1), { resync: true, held: first.guard.held });
    assert.equal(deleted(other).length, 1, 'a different plan is judged on its own (1 of 10)');
  });

  it('a plan from unsynced watches deletes nothing, whatever the ratio', () => {
    const r = round(ten.slice(1), { sourceSynced: false });
    assert.deepEqual(r.changes.delete, []);
    assert.match(r.guard.reason ?? '', /not all synced/);
  });

  it('names whose Services a watch event showed deleted are not held', () => {
    const removed = new Set(ten.slice(0, 5).map((set) => set.name));
    const r = round(ten.slice(5), { removedByEvent: removed });
    assert.equal(deleted(r).length, 5);
  });

  it('a failover (A → CNAME at the same name) is a replacement, never held', () => {
    const cname = canonicalRecordSet({ name: 'svc0', type: 'CNAME', ttl: 60, values: ['failover.example.net.'] }, zone);
    const small = planZone({ zone, desired: [cname], current: owned(ten[0] as RecordSet), ownerId: 'kd', policy: 'sync', takeOver: false, removedByEvent: new Set(), sourceSynced: true, resync: false, held: undefined, maxDeleteRatio: 0.2 });
    assert.deepEqual(small.changes.delete.filter((set) => set.type === 'A').map((set) => set.name), ['svc0.example.com.']);
    assert.deepEqual(small.changes.create.filter((set) => set.type === 'CNAME').map((set) => set.name), ['svc0.example.com.']);
  });
});

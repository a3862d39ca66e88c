import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipRecord } from '../../ownership.js';
import { canonicalRecordSet } from '../../record.js';
import { CLASS, decodeMessage, encodeMessage } from './message.js';
import { TYPE_CODES } from './rdata.js';
import { buildUpdateMessages } from './update.js';

const zone = 'example.test.';
const a = (name: string, ip: string) => canonicalRecordSet({ name, type: 'A', ttl: 60, values: [ip] }, zone);

describe('rfc2136 UPDATE messages', () => {
  it('puts many changes in one message, with prerequisites that pin the zone muster planned against', () => {
    const old = a('old', '10.0.0.1');
    const from = a('moved', '10.0.0.2');
    const to = { ...from, values: ['10.0.0.3'] };
    const created = a('new', '10.0.0.4');
    const [message, ...rest] = buildUpdateMessages({ create: [created], update: [{ from, to }], delete: [old] }, zone, 60_000);
    assert.ok(message);
    assert.equal(rest.length, 0);
    const decoded = decodeMessage(encodeMessage({ ...message, id: 1 }));
    assert.equal((decoded.flags >> 11) & 0xf, 5, 'opcode UPDATE');
    assert.deepEqual(decoded.questions, [{ name: zone, type: TYPE_CODES.SOA, class: CLASS.IN }]);
    const show = (rr: { name: string; class: number; ttl: number; value?: string }) => `${rr.name} ${rr.class} ${rr.ttl} ${rr.value ?? '-'}`;
    assert.deepEqual(decoded.answers.map(show), [
      'old.example.test. 1 0 10.0.0.1', // delete: exists with exactly these values
      'moved.example.test. 1 0 10.0.0.2', // update: the same
      'new.example.test. 254 0 -', // create: RRset does not exist (class NONE)
    ]);
    assert.deepEqual(decoded.authorities.map(show), [
      'old.example.test. 255 0 -', // delete the RRset (class ANY), deletions first
      'moved.example.test. 255 0 -',
      'moved.example.test. 1 60 10.0.0.3',
      'new.example.test. 1 60 10.0.0.4',
    ]);
  });

  it('splits at the byte budget, never between a record and its ownership record', () => {
    const sets = Array.from({ length: 30 }, (_, i) => a(`host${i}`, `10.0.1.${i}`));
    const creates = sets.flatMap((set) => [set, ownershipRecord(set, 'muster')]);
    const messages = buildUpdateMessages({ create: creates, update: [], delete: [] }, zone, 1000);
    assert.ok(messages.length > 3);
    for (const message of messages) {
      assert.ok(encodeMessage({ ...message, id: 1 }).length <= 1000);
      const names = new Set(message.authorities.map((rr) => rr.name));
      for (const name of names) if (!name.startsWith('_muster-owner.')) assert.ok(names.has(`_muster-owner.a.${name}`), `${name} travels with its owner`);
    }
    assert.equal(messages.reduce((sum, message) => sum + message.authorities.length, 0), 60);
  });

  it('pins its own ownership records by value: muster wrote them, as one character-string each', () => {
    const ownership = ownershipRecord(a('x', '10.0.0.1'), 'muster');
    const [message] = buildUpdateMessages({ create: [], update: [], delete: [ownership] }, zone, 60_000);
    const value = ownership.values[0] ?? '';
    assert.deepEqual(message?.answers.map((rr) => [rr.class, rr.rdata.toString('latin1')]), [[CLASS.IN, `${String.fromCharCode(value.length)}${value}`]]);
  });

  it('pins a long ownership record by value too, in the 255-byte strings muster writes it in', () => {
    const long = `${'n'.repeat(60)}.${'m'.repeat(60)}.${'k'.repeat(60)}`;
    const ownership = ownershipRecord(a(long, '10.0.0.1'), 'cluster-with-a-long-owner-id');
    const value = ownership.values[0] ?? '';
    assert.ok(Buffer.byteLength(value) > 255, `the value is ${Buffer.byteLength(value)} bytes`);
    const [message] = buildUpdateMessages({ create: [], update: [], delete: [ownership] }, zone, 60_000);
    const [created] = buildUpdateMessages({ create: [ownership], update: [], delete: [] }, zone, 60_000);
    assert.equal(message?.answers[0]?.class, CLASS.IN, 'value-dependent, not "RRset exists"');
    assert.deepEqual(message?.answers[0]?.rdata, created?.authorities[0]?.rdata, 'the prerequisite is exactly what muster wrote');
  });

  it('checks another TXT record set by existence only, and splits long TXT values into 255-byte strings', () => {
    const txt = canonicalRecordSet({ name: 'txt', type: 'TXT', ttl: 60, values: ['y'.repeat(300)] }, zone);
    const [message] = buildUpdateMessages({ create: [], update: [], delete: [txt] }, zone, 60_000);
    assert.deepEqual(message?.answers.map((rr) => [rr.class, rr.rdata.length]), [[CLASS.ANY, 0]]);
    const [created] = buildUpdateMessages({ create: [txt], update: [], delete: [] }, zone, 60_000);
    const rdata = created?.authorities[0]?.rdata;
    assert.deepEqual([rdata?.[0], rdata?.[256], rdata?.length], [255, 45, 302]);
    assert.equal(decodeMessage(encodeMessage({ ...created!, id: 7 })).authorities[0]?.value, 'y'.repeat(300));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalName, canonicalRecordSet, canonicalValue, canonicalZone, formatIPv6, parseIPv6, relativeName, unquoteTxt } from './record.js';

const zone = 'example.com.';

describe('DNS record canonical form', () => {
  it('lower-cases names and resolves relative ones against the zone', () => {
    assert.equal(canonicalZone('Example.COM'), 'example.com.');
    assert.equal(canonicalName('Node1', zone), 'node1.example.com.');
    assert.equal(canonicalName('@', zone), 'example.com.');
    assert.equal(canonicalName('Other.Org.', zone), 'other.org.');
    assert.equal(canonicalName('_etcd-server._tcp', zone), '_etcd-server._tcp.example.com.');
    assert.equal(canonicalName('*.apps', zone), '*.apps.example.com.');
    assert.equal(relativeName('node1.example.com.', zone), 'node1');
    assert.equal(relativeName('example.com.', zone), '@');
  });

  it('refuses bad names with a reason', () => {
    assert.throws(() => canonicalName('a..b', zone), /empty label/);
    assert.throws(() => canonicalName('a.*.b', zone), /wildcard may only be the first label/);
    assert.throws(() => canonicalName('has space', zone), /may only contain/);
    assert.throws(() => canonicalName('x'.repeat(64), zone), /longer than 63/);
    assert.throws(() => canonicalName(`${'a'.repeat(60)}.`.repeat(5), zone), /longer than 253/);
    assert.throws(() => canonicalName('bücher', zone), (error: Error & { hint?: string }) => /punycode/.test(error.hint ?? ''));
  });

  it('sorts and de-duplicates values', () => {
    const set = canonicalRecordSet({ name: 'www', type: 'a', ttl: 60, values: ['10.0.0.2', '10.0.0.1', '10.0.0.2'] }, 'Example.com');
    assert.deepEqual(set, { name: 'www.example.com.', type: 'A', ttl: 60, values: ['10.0.0.1', '10.0.0.2'] });
  });

  it('writes IPv6 addresses in RFC 5952 form', () => {
    assert.equal(canonicalValue('AAAA', '2001:DB8:0:0:0:0:0:1', zone), '2001:db8::1');
    assert.equal(canonicalValue('AAAA', '2001:db8:0:0:1:0:0:1', zone), '2001:db8::1:0:0:1');
    assert.equal(canonicalValue('AAAA', '2001:0db8:0000:0001:0000:0000:0000:0000', zone), '2001:db8:0:1::');
    assert.equal(canonicalValue('AAAA', '::', zone), '::');
    assert.equal(canonicalValue('AAAA', '2001:db8:0:1:1:1:1:1', zone), '2001:db8:0:1:1:1:1:1');
    assert.equal(canonicalValue('AAAA', '::FFFF:192.0.2.1', zone), '::ffff:192.0.2.1');
    assert.equal(formatIPv6(parseIPv6('fe80::1:2')), 'fe80::1:2');
    assert.throws(() => canonicalValue('AAAA', '10.0.0.1', zone), /not an IPv6 address/);
    assert.throws(() => canonicalValue('AAAA', 'fe80::1%eth0', zone), /not an IPv6 address/);
  });

  it('accepts only plain dotted IPv4', () => {
    assert.equal(canonicalValue('A', ' 10.0.0.1 ', zone), '10.0.0.1');
    assert.throws(() => canonicalValue('A', '010.0.0.1', zone), /not an IPv4 address/);
    assert.throws(() => canonicalValue('A', '10.0.0.256', zone), /not an IPv4 address/);
  });

  it('unquotes TXT values written in zone-file form and keeps others literally', () => {
    assert.equal(unquoteTxt('"v=spf1 -all"'), 'v=spf1 -all');
    assert.equal(unquoteTxt('"part one " "part two"'), 'part one part two');
    assert.equal(unquoteTxt('"a \\"quote\\" and \\\\ and \\195\\169"'), 'a "quote" and \\ and é');
    assert.equal(unquoteTxt('plain "text" here'), 'plain "text" here');
    assert.equal(unquoteTxt('"unterminated'), '"unterminated');
  });

  it('canonicalises SRV values and CNAME targets', () => {
    assert.equal(canonicalValue('SRV', '0  10 2380  Node1', zone), '0 10 2380 node1.example.com.');
    assert.equal(canonicalValue('SRV', '0 0 0 .', zone), '0 0 0 .');
    assert.throws(() => canonicalValue('SRV', '0 0 70000 node1', zone), /port "70000"/);
    assert.throws(() => canonicalValue('SRV', '0 0 node1', zone), /priority weight port target/);
    assert.equal(canonicalValue('CNAME', 'WWW', zone), 'www.example.com.');
    assert.throws(() => canonicalValue('CNAME', 'a..b', zone), /target "a..b": it has an empty label/);
  });

  it('refuses invalid record sets with the record named', () => {
    const base = { name: 'www', type: 'A', ttl: 60, values: ['10.0.0.1'] };
    assert.throws(() => canonicalRecordSet({ ...base, type: 'MX' }, zone), /www MX: type MX is not one muster manages/);
    assert.throws(() => canonicalRecordSet({ ...base, ttl: -1 }, zone), /TTL -1/);
    assert.throws(() => canonicalRecordSet({ ...base, values: [] }, zone), /at least one value/);
    assert.throws(() => canonicalRecordSet({ ...base, name: 'www.other.org.' }, zone), /outside the zone/);
    assert.throws(() => canonicalRecordSet({ ...base, type: 'CNAME', values: ['a', 'b'] }, zone), /exactly one target/);
    assert.throws(() => canonicalRecordSet({ ...base, name: '@', type: 'CNAME', values: ['a'] }, zone), /apex/);
  });
});

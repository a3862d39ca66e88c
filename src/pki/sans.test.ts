import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalDnsName, canonicalIp, formatSans, isValidSan, nodeSans, sameSans, sanDifference, sanSet } from './sans.js';

describe('SANs', () => {
  it('builds the node set from FQDN, short hostname, every IP and extra_sans, canonical and sorted', () => {
    const set = nodeSans({ hostname: 'Node1', fqdn: 'node1.K8S.example.com.', ips: ['10.0.0.10', '10.0.0.9', '2001:DB8:0:0:0:0:0:1'] }, [
      'api.example.com',
      '192.0.2.1',
      'node1',
      '*.apps.example.com',
    ]);
    assert.deepEqual(set, {
      dns: ['*.apps.example.com', 'api.example.com', 'node1', 'node1.k8s.example.com'],
      ips: ['10.0.0.9', '10.0.0.10', '192.0.2.1', '2001:db8::1'],
    });
    assert.deepEqual(formatSans(set).slice(0, 1), ['DNS:*.apps.example.com']);
  });

  it('leaves out a missing FQDN', () => {
    assert.deepEqual(nodeSans({ hostname: 'n1', ips: ['10.0.0.1'] }, []), { dns: ['n1'], ips: ['10.0.0.1'] });
  });

  it('compares sets regardless of order and spelling, and names the difference', () => {
    const want = sanSet({ dns: ['a.example', 'b.example'], ips: ['10.0.0.1'] });
    assert.ok(sameSans(want, sanSet({ dns: ['B.EXAMPLE.', 'a.example'], ips: ['10.0.0.1'] })));
    assert.deepEqual(sanDifference(want, sanSet({ dns: ['a.example', 'c.example'], ips: ['10.0.0.1', '10.0.0.2'] })), {
      missing: ['DNS:b.example'],
      unexpected: ['DNS:c.example', 'IP:10.0.0.2'],
    });
  });

  it('accepts host names, wildcards and addresses; refuses the rest', () => {
    assert.equal(canonicalIp('::FFFF:10.0.0.1'), '::ffff:a00:1');
    assert.equal(canonicalDnsName('*.Example.com'), '*.example.com');
    for (const bad of ['under_score.example', 'a..b', '-a.example', '*', 'a.*.example', 'x'.repeat(64), '']) assert.equal(isValidSan(bad), false, bad);
    for (const good of ['localhost', '10.0.0.1', '::1', 'a-b.example', '*.example']) assert.equal(isValidSan(good), true, good);
    assert.throws(() => canonicalIp('fe80::1%eth0'), /not an IP address/);
  });
});

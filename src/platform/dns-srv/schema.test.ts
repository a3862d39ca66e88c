import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../config/load.js';
import { configNotes } from '../../config/notes.js';
import { isMusterError } from '../../core/errors.js';
import { parseResolverAddress, srvName } from './schema.js';

function problemsOf(platform: string): readonly string[] {
  try {
    parseConfigText(`platform: ${platform}\n`, 'test.yaml', {});
  } catch (error) {
    assert.ok(isMusterError(error), `expected a MusterError, got ${String(error)}`);
    return error.details;
  }
  assert.fail('expected the config to be rejected');
}

describe('dns-srv platform config', () => {
  it('fills the defaults', () => {
    const { config } = parseConfigText('platform: { type: dns-srv, name: _etcd-server._tcp.example.com }\n', 'test.yaml', {});
    assert.deepEqual(config.platform, { type: 'dns-srv', name: '_etcd-server._tcp.example.com', resolve_timeout: 5000, resolve_tries: 2, family: 'ipv4' });
  });

  it('wants exactly one of name and domain', () => {
    assert.deepEqual(problemsOf('{ type: dns-srv }'), ['platform.name → required: the SRV name to look up (or platform.domain, for _etcd-bootstrap._tcp.<domain>)']);
    assert.deepEqual(problemsOf('{ type: dns-srv, name: _etcd-server._tcp.example.com, domain: example.com }'), [
      'platform.domain → give either platform.name (the whole SRV name) or platform.domain, not both',
    ]);
    assert.deepEqual(problemsOf('{ type: dns-srv, name: _etcd-server._tcp.example.com, service: etcd-server }'), [
      'platform.service → only with platform.domain; with platform.name, write the service into the name',
    ]);
  });

  it('rejects malformed names, services and self settings', () => {
    assert.deepEqual(problemsOf('{ type: dns-srv, domain: "exa mple.com", service: _etcd-bootstrap, self_ip: 10.0.0.1, self_name: etcd-1 }'), [
      'platform.domain → not a DNS name (labels of letters, digits, - and _, separated by dots)',
      'platform.service → a service name such as etcd-bootstrap: letters, digits and hyphens, without the leading _',
      'platform.self_name → give either platform.self_ip or platform.self_name, not both',
    ]);
    assert.deepEqual(problemsOf('{ type: dns-srv, domain: example.com, self_ip: 10.0.0.300, expected_peers: 0, resolve_timeout: 10ms }'), [
      'platform.resolve_timeout → at least 100ms: a DNS answer takes a round trip',
      'platform.expected_peers → Too small: expected number to be >0',
      'platform.self_ip → not an IPv4 or IPv6 address',
    ]);
  });

  it('takes resolvers as ip, ip:port or [ipv6]:port, and no host names', () => {
    const { config } = parseConfigText('platform: { type: dns-srv, domain: example.com, servers: [10.0.0.53, "10.0.0.54:5353", "[2001:db8::53]:53", "2001:db8::54", "[::1]"] }\n', 'test.yaml', {});
    assert.equal(config.platform.type === 'dns-srv' && config.platform.servers?.length, 5);
    const message = 'write a resolver as ip, ip:port or [ipv6]:port (an address, not a host name)';
    assert.deepEqual(problemsOf('{ type: dns-srv, domain: example.com, servers: [dns.example.com, "10.0.0.1:99999", "10.0.0.1:", "[10.0.0.1]:53", "2001:db8::1:53:x"] }'), [
      `platform.servers[0] → ${message}`,
      `platform.servers[1] → ${message}`,
      `platform.servers[2] → ${message}`,
      `platform.servers[3] → ${message}`,
      `platform.servers[4] → ${message}`,
    ]);
    assert.match(problemsOf('{ type: dns-srv, domain: example.com, servers: [] }')[0] ?? '', /^platform\.servers → /);
    assert.deepEqual(parseResolverAddress('[2001:db8::53]:5353'), { ip: '2001:db8::53', port: 5353 });
    assert.deepEqual(parseResolverAddress('10.0.0.53'), { ip: '10.0.0.53', port: 53 });
  });

  it('builds the SRV name from domain and service like etcd-bootstrap', () => {
    assert.equal(srvName({ domain: 'example.com' }), '_etcd-bootstrap._tcp.example.com');
    assert.equal(srvName({ domain: 'example.com.', service: 'etcd-server' }), '_etcd-server._tcp.example.com');
    assert.equal(srvName({ name: '_etcd-server-ssl._tcp.example.com.' }), '_etcd-server-ssl._tcp.example.com');
  });

  it('notes, for config check, that without expected_peers the nodes never create a cluster', () => {
    const notes = (text: string) => configNotes(parseConfigText(text, 'test.yaml', {}).config);
    assert.match(notes('platform: { type: dns-srv, domain: example.com }\n').join('\n'), /without platform\.expected_peers: these nodes never create a new etcd cluster/);
    assert.deepEqual(notes('platform: { type: dns-srv, domain: example.com, expected_peers: 3 }\n'), []);
  });
});

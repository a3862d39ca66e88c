import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type * as z from 'zod';
import { runPlatformContract } from '../../../test/contract/platform-contract.js';
import { hasBind9, startBind9, type Bind9 } from '../../../test/support/bind9.js';
import { isMusterError, type MusterError } from '../../core/errors.js';
import { createDnsSrvPlatform, type DnsSrvPlatformOptions } from './index.js';
import { dnsSrvPlatformSchema } from './schema.js';

// Every lookup here goes to the loopback BIND (or a loopback socket), never the system resolver.
const bindMissing = (await hasBind9()) ? false : 'BIND 9 (named, dig) is not installed: apt-get install bind9 dnsutils';

type Settings = Omit<z.input<typeof dnsSrvPlatformSchema>, 'type'>;

function platformFor(settings: Settings, options: DnsSrvPlatformOptions = {}) {
  return createDnsSrvPlatform(dnsSrvPlatformSchema.parse({ type: 'dns-srv', resolve_timeout: '2s', ...settings }), options);
}

interface TargetSpec {
  /** First label of the target under the group's domain, or an IP address written as the target. */
  host: string;
  a?: string | string[];
  aaaa?: string;
  port?: number;
}

/** Publishes `_<service>._tcp.<group>.<zone>` SRV records and the targets' address records; returns the SRV name. */
async function publish(bind: Bind9, group: string, targets: readonly TargetSpec[], service = 'etcd-server'): Promise<string> {
  const domain = `${group}.${bind.zone}`;
  const name = `_${service}._tcp.${domain}`;
  const commands: string[] = [];
  for (const target of targets) {
    const fqdn = /^[\d.]+$/.test(target.host) ? `${target.host}.` : `${target.host}.${domain}`;
    commands.push(`update add ${name} 60 IN SRV 0 0 ${target.port ?? 2380} ${fqdn}`);
    for (const a of [target.a ?? []].flat()) commands.push(`update add ${fqdn} 60 IN A ${a}`);
    if (target.aaaa) commands.push(`update add ${fqdn} 60 IN AAAA ${target.aaaa}`);
  }
  await bind.nsupdate(commands);
  return name.replace(/\.$/, '');
}

function errorOf(code: string, check: (error: MusterError) => void = () => undefined): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(isMusterError(error), `expected a MusterError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check(error);
    return true;
  };
}

/** A UDP port on 127.0.0.1 that nothing listens on: queries to it are refused (ICMP port unreachable). */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

if (!bindMissing) {
  runPlatformContract('dns-srv (BIND 9)', async () => {
    const bind = await startBind9();
    const name = await publish(bind, 'contract', [
      { host: 'etcd-3', a: '10.0.0.13' },
      { host: 'etcd-1', a: '10.0.0.11' },
      { host: 'etcd-2', a: '10.0.0.12' },
    ]);
    return {
      platform: platformFor({ name, servers: [bind.server], expected_peers: 3, self_ip: '10.0.0.12' }),
      expected: { self: 'etcd-2', peers: ['etcd-1', 'etcd-2', 'etcd-3'], complete: true },
      teardown: () => bind.stop(),
    };
  });
}

describe('dns-srv platform on a real BIND 9', { skip: bindMissing }, () => {
  let bind: Bind9;
  let silent: Socket;
  before(async () => {
    bind = await startBind9();
    // A DNS server that never answers, for the timeout.
    silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await bind?.stop();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  });

  it('is complete once expected_peers targets have addresses, naming peers by first label', async () => {
    const name = await publish(bind, 'complete', [
      { host: 'etcd-1', a: '10.0.1.11' },
      { host: 'etcd-2', a: '10.0.1.12', port: 2381 },
      { host: 'etcd-3', a: '10.0.1.13' },
    ]);
    const discovery = await platformFor({ name, servers: [bind.server], expected_peers: 3, self_ip: '10.0.1.11' }).discover();
    assert.equal(discovery.complete, true);
    assert.equal(discovery.incompleteReason, undefined);
    assert.deepEqual(discovery.self, {
      id: `etcd-1.complete.muster.test`,
      name: 'etcd-1',
      ip: '10.0.1.11',
      tags: { srv_target: 'etcd-1.complete.muster.test', srv_port: '2380' },
    });
    assert.deepEqual(
      discovery.peers.map((peer) => [peer.name, peer.ip, peer.tags['srv_port'], peer.state]),
      [
        ['etcd-1', '10.0.1.11', '2380', 'published'],
        ['etcd-2', '10.0.1.12', '2381', 'published'],
        ['etcd-3', '10.0.1.13', '2380', 'published'],
      ],
    );
    // More targets than expected is still the whole group (as in aws tag mode).
    assert.equal((await platformFor({ name, servers: [bind.server], expected_peers: 2, self_ip: '10.0.1.11' }).discover()).complete, true);
  });

  it('is incomplete while fewer than expected_peers targets are published', async () => {
    const name = await publish(bind, 'fewer', [
      { host: 'etcd-1', a: '10.0.2.11' },
      { host: 'etcd-2', a: '10.0.2.12' },
    ]);
    const discovery = await platformFor({ name, servers: [bind.server], expected_peers: 3, self_ip: '10.0.2.11' }).discover();
    assert.equal(discovery.complete, false);
    assert.equal(discovery.incompleteReason, `2 of 3 expected SRV targets at ${name} have an address`);
  });

  it('is incomplete, naming the target whose A record is missing, until it is published', async () => {
    const name = await publish(bind, 'pending', [{ host: 'etcd-1', a: '10.0.3.11' }, { host: 'etcd-2', a: '10.0.3.12' }, { host: 'etcd-3' }]);
    const platform = platformFor({ name, servers: [bind.server], expected_peers: 3, self_ip: '10.0.3.11' });
    const discovery = await platform.discover();
    assert.equal(discovery.complete, false);
    assert.deepEqual(
      discovery.peers.map((peer) => peer.name),
      ['etcd-1', 'etcd-2'],
    );
    assert.equal(discovery.incompleteReason, `2 of 3 expected SRV targets at ${name} have an address; no address yet for etcd-3.pending.muster.test (no A record)`);
    await bind.nsupdate(['update add etcd-3.pending.muster.test. 60 IN A 10.0.3.13']);
    const later = await platform.discover();
    assert.equal(later.complete, true);
    assert.equal(later.peers.length, 3);
  });

  it('is never complete without expected_peers, saying why', async () => {
    const name = await publish(bind, 'unbounded', [{ host: 'etcd-1', a: '10.0.4.11' }]);
    const discovery = await platformFor({ name, servers: [bind.server], self_ip: '10.0.4.11' }).discover();
    assert.equal(discovery.complete, false);
    assert.match(discovery.incompleteReason ?? '', /^1 of 1 SRV target at .* has an address, and without platform\.expected_peers .*set platform\.expected_peers/);
  });

  it('takes NXDOMAIN and NODATA for a retryable error naming the name and the server, never for an empty group', async () => {
    const nxdomain = `_etcd-server._tcp.nowhere.${bind.zone}`.replace(/\.$/, '');
    await assert.rejects(
      platformFor({ name: nxdomain, servers: [bind.server], expected_peers: 1, self_ip: '10.0.0.1' }).discover(),
      errorOf('DNS_SRV_NOT_FOUND', (error) => {
        assert.equal(error.retryable, true);
        assert.equal(error.kind, 'unavailable');
        assert.equal(error.message, `dns-srv: no SRV records at ${nxdomain} on ${bind.server}: the name does not exist (NXDOMAIN)`);
        assert.match(error.hint ?? '', /not be published yet/);
      }),
    );
    await bind.nsupdate([`update add a-only.${bind.zone} 60 IN A 10.0.5.1`]);
    await assert.rejects(
      platformFor({ name: `a-only.${bind.zone}`, servers: [bind.server], expected_peers: 1 }).discover(),
      errorOf('DNS_SRV_NOT_FOUND', (error) => assert.match(error.message, /the name holds no SRV records \(NODATA\)$/)),
    );
  });

  it('names an unreachable server (a closed loopback port) within resolve_timeout', async () => {
    const server = `127.0.0.1:${await closedUdpPort()}`;
    const started = Date.now();
    await assert.rejects(
      platformFor({ name: `_etcd-server._tcp.complete.${bind.zone}`, servers: [server], resolve_timeout: '1s' }).discover(),
      (error: unknown) => {
        assert.ok(isMusterError(error));
        assert.ok(['DNS_SRV_UNREACHABLE', 'DNS_SRV_TIMEOUT'].includes(error.code), error.code);
        assert.equal(error.retryable, true);
        assert.ok(error.message.includes(server), error.message);
        assert.ok(error.message.includes('_etcd-server._tcp.complete.muster.test'), error.message);
        return true;
      },
    );
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started}ms`);
  });

  it('times out on a server that never answers, within resolve_timeout', async () => {
    const server = `127.0.0.1:${silent.address().port}`;
    const started = Date.now();
    await assert.rejects(
      platformFor({ name: `_etcd-server._tcp.complete.${bind.zone}`, servers: [server], resolve_timeout: '600ms', resolve_tries: 3 }).discover(),
      errorOf('DNS_SRV_TIMEOUT', (error) => {
        assert.equal(error.retryable, true);
        assert.equal(error.message, `dns-srv: SRV lookup of _etcd-server._tcp.complete.muster.test on ${server} got no answer within 600ms`);
      }),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 550 && elapsed < 1500, `took ${elapsed}ms`);
  });

  it('asks the next server when the first does not answer', async () => {
    const name = await publish(bind, 'failover', [{ host: 'etcd-1', a: '10.0.6.11' }]);
    const discovery = await platformFor({
      name,
      servers: [`127.0.0.1:${silent.address().port}`, bind.server],
      resolve_timeout: '3s',
      expected_peers: 1,
      self_ip: '10.0.6.11',
    }).discover();
    assert.equal(discovery.complete, true);
  });

  it('reports REFUSED (a zone the server does not serve) as retryable', async () => {
    await assert.rejects(
      platformFor({ name: '_etcd-server._tcp.example.org', servers: [bind.server] }).discover(),
      errorOf('DNS_SRV_REFUSED', (error) => {
        assert.equal(error.retryable, true);
        assert.match(error.message, /SRV lookup of _etcd-server\._tcp\.example\.org on 127\.0\.0\.1:\d+ failed: REFUSED/);
      }),
    );
  });

  it('looks up _etcd-bootstrap._tcp.<domain> for domain (etcd-bootstrap\'s --srv-domain-name), and _<service>._tcp with service', async () => {
    await publish(bind, 'bootstrap', [{ host: 'node-a', a: '10.0.7.11' }], 'etcd-bootstrap');
    await publish(bind, 'bootstrap', [{ host: 'node-b', a: '10.0.7.12' }], 'my-etcd');
    const domain = `bootstrap.${bind.zone}`;
    const byDefault = await platformFor({ domain, servers: [bind.server], self_ip: '10.0.7.11' }).discover();
    assert.deepEqual(
      byDefault.peers.map((peer) => peer.id),
      ['node-a.bootstrap.muster.test'],
    );
    const byService = await platformFor({ domain: domain.replace(/\.$/, ''), service: 'my-etcd', servers: [bind.server], self_name: 'node-b' }).discover();
    assert.equal(byService.self.name, 'node-b');
    assert.match(byService.incompleteReason ?? '', /at _my-etcd\._tcp\.bootstrap\.muster\.test has an address/);
  });

  it('finds self among this machine\'s addresses, or by self_name', async () => {
    const name = await publish(bind, 'local', [
      { host: 'etcd-1', a: '10.0.8.11' },
      { host: 'etcd-2', a: '10.0.8.12' },
    ]);
    const localAddresses = (): string[] => ['127.0.0.1', '::1', '10.0.8.12'];
    assert.equal((await platformFor({ name, servers: [bind.server] }, { localAddresses }).discover()).self.name, 'etcd-2');
    assert.equal((await platformFor({ name, servers: [bind.server], self_name: 'ETCD-1' }, { localAddresses }).discover()).self.ip, '10.0.8.11');
    await assert.rejects(
      platformFor({ name, servers: [bind.server] }, { localAddresses: () => ['10.0.8.11', '10.0.8.12'] }).discover(),
      errorOf('DNS_SRV_SELF_AMBIGUOUS', (error) => assert.match(error.hint ?? '', /self_ip/)),
    );
  });

  it('says clearly when this node is not among the targets', async () => {
    const name = await publish(bind, 'stranger', [
      { host: 'etcd-1', a: '10.0.9.11' },
      { host: 'etcd-2', a: '10.0.9.12' },
    ]);
    await assert.rejects(
      platformFor({ name, servers: [bind.server] }, { localAddresses: () => ['127.0.0.1', '192.0.2.7'] }).discover(),
      errorOf('DNS_SRV_SELF_NOT_FOUND', (error) => {
        // Retried until etcd.timeout: the records of a booting node may be published a moment later.
        assert.equal(error.kind, 'unavailable');
        assert.equal(error.retryable, true);
        assert.equal(
          error.message,
          `dns-srv: no SRV target at ${name} matches this machine's addresses (127.0.0.1, 192.0.2.7); the targets resolve to: etcd-1.stranger.muster.test (10.0.9.11), etcd-2.stranger.muster.test (10.0.9.12)`,
        );
        assert.match(error.hint ?? '', /platform\.self_ip/);
      }),
    );
    await assert.rejects(platformFor({ name, servers: [bind.server], self_ip: '10.0.9.99' }).discover(), errorOf('DNS_SRV_SELF_NOT_FOUND'));
    // While a target has no address yet, it may be this node's: that says so.
    await bind.nsupdate([`update add ${name}. 60 IN SRV 0 0 2380 etcd-3.stranger.${bind.zone}`]);
    await assert.rejects(
      platformFor({ name, servers: [bind.server], self_ip: '10.0.9.13' }).discover(),
      errorOf('DNS_SRV_SELF_PENDING', (error) => {
        assert.equal(error.retryable, true);
        assert.match(error.message, /without one yet: etcd-3\.stranger\.muster\.test$/);
      }),
    );
    await assert.rejects(platformFor({ name, servers: [bind.server], self_name: 'etcd-9' }).discover(), errorOf('DNS_SRV_SELF_NOT_FOUND'));
  });

  it('takes a target written as an IP address as is', async () => {
    const name = await publish(bind, 'literal', [{ host: '10.0.10.11' }, { host: 'etcd-2', a: '10.0.10.12' }]);
    const discovery = await platformFor({ name, servers: [bind.server], expected_peers: 2, self_ip: '10.0.10.11' }).discover();
    assert.equal(discovery.complete, true);
    assert.deepEqual(discovery.self, { id: '10.0.10.11', name: 'ip-10-0-10-11', ip: '10.0.10.11', tags: { srv_target: '10.0.10.11', srv_port: '2380' } });
  });

  it('counts a target listed twice (another port, other case) once', async () => {
    const name = await publish(bind, 'twice', [
      { host: 'etcd-1', a: '10.0.11.11' },
      { host: 'ETCD-1', port: 2381 },
      { host: 'etcd-2', a: '10.0.11.12' },
    ]);
    const discovery = await platformFor({ name, servers: [bind.server], expected_peers: 3, self_ip: '10.0.11.11' }).discover();
    assert.deepEqual(
      discovery.peers.map((peer) => [peer.name, peer.tags['srv_port']]),
      [
        ['etcd-1', '2380,2381'],
        ['etcd-2', '2380'],
      ],
    );
    assert.equal(discovery.incompleteReason, `2 of 3 expected SRV targets at ${name} have an address`);
  });

  it('uses AAAA records with family ipv6, and falls back to them with any', async () => {
    const name = await publish(bind, 'six', [
      { host: 'etcd-1', a: '10.0.12.11', aaaa: '2001:db8::11' },
      { host: 'etcd-2', aaaa: '2001:0db8:0::12' },
    ]);
    const six = await platformFor({ name, servers: [bind.server], family: 'ipv6', expected_peers: 2, self_ip: '2001:DB8::12' }).discover();
    assert.deepEqual(
      six.peers.map((peer) => peer.ip),
      ['2001:db8::11', '2001:db8::12'],
    );
    assert.equal(six.self.name, 'etcd-2');
    const any = await platformFor({ name, servers: [bind.server], family: 'any', expected_peers: 2, self_ip: '10.0.12.11' }).discover();
    assert.deepEqual(
      any.peers.map((peer) => peer.ip),
      ['10.0.12.11', '2001:db8::12'],
    );
    const four = await platformFor({ name, servers: [bind.server], expected_peers: 2, self_ip: '10.0.12.11' }).discover();
    assert.match(four.incompleteReason ?? '', /no address yet for etcd-2\.six\.muster\.test \(no A record\)$/);
  });

  it('refuses targets that would be one peer name or one address, and a target with several addresses', async () => {
    const sameLabel = await publish(bind, 'clash', [{ host: 'etcd-1', a: '10.0.13.11' }]);
    await bind.nsupdate([`update add ${sameLabel}. 60 IN SRV 0 0 2380 etcd-1.other.${bind.zone}`, `update add etcd-1.other.${bind.zone} 60 IN A 10.0.13.12`]);
    await assert.rejects(
      platformFor({ name: sameLabel, servers: [bind.server], self_ip: '10.0.13.11' }).discover(),
      errorOf('DNS_SRV_DUPLICATE_NAME', (error) => assert.equal(error.kind, 'config')),
    );
    const sameIp = await publish(bind, 'sameip', [
      { host: 'etcd-1', a: '10.0.14.11' },
      { host: 'etcd-2', a: '10.0.14.11' },
    ]);
    await assert.rejects(platformFor({ name: sameIp, servers: [bind.server], self_ip: '10.0.14.11' }).discover(), errorOf('DNS_SRV_DUPLICATE_IP'));
    const several = await publish(bind, 'several', [{ host: 'etcd-1', a: ['10.0.15.11', '10.0.15.12'] }]);
    await assert.rejects(
      platformFor({ name: several, servers: [bind.server], self_ip: '10.0.15.11' }).discover(),
      errorOf('DNS_SRV_SEVERAL_ADDRESSES', (error) => assert.match(error.message, /has 2 A records \(10\.0\.15\.11, 10\.0\.15\.12\)/)),
    );
  });

  it('stops when the discovery is aborted', async () => {
    const controller = new AbortController();
    const discovery = platformFor({ name: `_etcd-server._tcp.complete.${bind.zone}`, servers: [`127.0.0.1:${silent.address().port}`], resolve_timeout: '5s' }).discover(
      controller.signal,
    );
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(discovery, { name: 'AbortError' });
    assert.ok(Date.now() - started < 1000);
  });
});

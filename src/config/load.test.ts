import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../core/errors.js';
import { parseConfigText } from './load.js';

const VALID = `
platform:
  type: static
  self: node-1
  peers:
    - { name: node-1, ip: 10.0.0.11, tags: { Role: master } }
    - { name: node-2, ip: 10.0.0.12 }
    - { name: node-3, ip: 10.0.0.13 }
`;

const PKI = 'pki: { issuer: { type: local-ca, ca_cert_file: /etc/muster/ca.pem, ca_key_file: /etc/muster/ca-key.pem } }\n';

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfigText(text, 'test.yaml', env);
  } catch (error) {
    assert.ok(isMusterError(error), `expected a MusterError, got ${String(error)}`);
    assert.equal(error.kind, 'config');
    return error.details;
  }
  assert.fail('expected the config to be rejected');
}

const pick = (etcd: { client_scheme: string; peer_scheme: string }): string[] => [etcd.client_scheme, etcd.peer_scheme];

describe('config loading', () => {
  it('fills every default of the issue\'s example', () => {
    const { config } = parseConfigText(VALID, 'test.yaml');
    assert.equal(config.root, '/');
    assert.deepEqual(config.etcd, {
      mode: 'member',
      client_scheme: 'http',
      client_port: 2379,
      peer_scheme: 'http',
      peer_port: 2380,
      listen_localhost: true,
      data_dir: '/var/lib/etcd',
      env_file: '/run/muster/etcd.env',
      env_style: 'muster',
      drop_in_file: '/etc/systemd/system/etcd.service.d/70-initial-cluster.conf',
      tls: { certificate: 'node', client_cert_auth: true },
      timeout: 120_000,
      probe_timeout: 2_000,
      stale_after: 120_000,
      unstarted_grace: 300_000,
    });
    assert.deepEqual(config.agent, { role: 'node', ttl: 60_000, docker_socket: '/var/run/docker.sock', leave_swarm_on_stop: false });
    assert.equal(config.events, undefined, 'no events section: no events');
  });

  it('reports every mistake at once, each with its path and a hint', () => {
    const problems = problemsOf(`
root: relative/path
platform:
  type: static
  self: node-9
  peers:
    - { name: node-1, ip: 10.0.0.300 }
    - { name: node-1, ip: 10.0.0.12 }
etcd:
  client_prot: 2379
  peer_port: 99999
  timeout: soon
`);
    const text = problems.join('\n');
    assert.match(text, /^root → must be an absolute path$/m);
    assert.match(text, /^platform\.peers\[0\]\.ip → not an IPv4 or IPv6 address$/m);
    assert.match(text, /^platform\.peers\[1\]\.name → duplicate peer name node-1 \(also platform\.peers\[0\]\)$/m);
    assert.match(text, /^platform\.self → "node-9" is not one of the peers/m);
    assert.match(text, /^etcd\.client_prot → unknown key \(did you mean "client_port"\?\)$/m);
    assert.match(text, /^etcd\.peer_port → .*65535/m);
    assert.match(text, /^etcd\.timeout → "soon" is not a duration/m);
    assert.equal(problems.length, 7, text);
  });

  it('refuses two static peers with one address, or with names that differ only in case, naming the other entry', () => {
    const problems = problemsOf(`
platform:
  type: static
  self: a
  peers:
    - { name: a, ip: 10.0.0.11 }
    - { name: b, ip: 10.0.0.12 }
    - { name: A, ip: 10.0.0.13 }
    - { name: c, ip: 10.0.0.11 }
    - { name: d, ip: '2001:db8::1' }
    - { name: e, ip: '2001:DB8:0::1' }
`);
    assert.deepEqual(problems, [
      "platform.peers[2].name → peer name A is platform.peers[0]'s name a in other case; host and DNS names ignore case, so they would be one name",
      'platform.peers[3].ip → duplicate peer ip 10.0.0.11 (also platform.peers[0], a)',
      'platform.peers[5].ip → duplicate peer ip 2001:DB8:0::1 (also platform.peers[4], d)',
    ]);
  });

  it('refuses etcd.peer_port equal to etcd.client_port, at both keys', () => {
    assert.deepEqual(problemsOf(`${VALID}etcd: { client_port: 2380 }\n`), [
      'etcd.peer_port → 2380 is also etcd.client_port: etcd listens on both, so they must differ (default 2380)',
      'etcd.client_port → 2380 is also etcd.peer_port: etcd listens on both, so they must differ (default 2379)',
    ]);
    assert.equal(problemsOf(`${VALID}etcd: { client_port: 4001 }\n`, { MUSTER_ETCD__PEER_PORT: '4001' }).length, 2, 'also when an override makes them equal');
  });

  it('names the platform types when the type is wrong', () => {
    const problems = problemsOf('platform: { type: gce }');
    assert.deepEqual(problems, ['platform.type → unknown or missing type (one of: static, aws, local, dns-srv, vsphere, mdns)']);
  });

  it('compares a misspelt key with the keys of the chosen platform', () => {
    const problems = problemsOf('platform: { type: aws, mdoe: tag }');
    assert.deepEqual(problems, ['platform.mdoe → unknown key (did you mean "mode"?)']);
  });

  it('reports a required key as required', () => {
    const problems = problemsOf('platform: { type: static, peers: [{ name: a, ip: 10.0.0.1 }] }');
    assert.deepEqual(problems, ['platform.self → required (expected string)']);
  });

  it('applies MUSTER_* overrides with YAML scalar types', () => {
    const { config, overrides } = parseConfigText(VALID, 'test.yaml', {
      MUSTER_ETCD__CLIENT_PORT: '2479',
      MUSTER_ETCD__DROP_IN_FILE: 'null',
      MUSTER_PLATFORM__SELF: 'node-2',
      MUSTER_LOG_LEVEL: 'debug',
      MUSTER_CLI: '/somewhere/main.js',
    });
    assert.equal(config.etcd.client_port, 2479);
    assert.equal(config.etcd.drop_in_file, null);
    assert.equal(config.platform.type === 'static' && config.platform.self, 'node-2');
    assert.deepEqual(overrides, ['etcd.client_port', 'etcd.drop_in_file', 'platform.self']);
  });

  it('reports an override written with a single underscore', () => {
    const { overrides, aliasNotes } = parseConfigText(VALID, 'test.yaml', { MUSTER_ETCD_CLIENT_PORT: '2479' });
    assert.deepEqual(overrides, []);
    assert.deepEqual(aliasNotes, ['MUSTER_ETCD_CLIENT_PORT is not a config override: nested keys are separated by a double underscore (MUSTER_ETCD__CLIENT_PORT)']);
  });

  it("accepts NodeReg's keys and says how they map", () => {
    const { config, aliasNotes } = parseConfigText(
      `${VALID}\nbase: { chroot_path: /media/root }\netcd: { client_schema: https, peer_schema: https }\n${PKI}`,
      'nodereg.yaml',
    );
    assert.equal(config.root, '/media/root');
    assert.equal(config.etcd.client_scheme, 'https');
    assert.equal(config.etcd.peer_scheme, 'https');
    assert.equal(aliasNotes.length, 3);
  });

  it('runs etcd over TLS when pki issues the certificates, and over http otherwise', () => {
    assert.deepEqual(pick(parseConfigText(`${VALID}${PKI}`, 'test.yaml').config.etcd), ['https', 'https']);
    assert.deepEqual(pick(parseConfigText(VALID, 'test.yaml').config.etcd), ['http', 'http']);
    // An explicit choice wins: plain http on a network the operator trusts.
    assert.deepEqual(pick(parseConfigText(`${VALID}${PKI}etcd: { client_scheme: http }\n`, 'test.yaml').config.etcd), ['http', 'https']);
  });

  it('says what an https etcd is missing', () => {
    assert.deepEqual(problemsOf(`${VALID}etcd: { peer_scheme: https }\n`), [
      'etcd.peer_scheme → https needs certificates: add a pki section (muster then issues the node certificate etcd uses), name your own in etcd.tls.files, or use http',
    ]);
    const extra = `pki:
  issuer: { type: local-ca, ca_cert_file: /etc/muster/ca.pem, ca_key_file: /etc/muster/ca-key.pem }
  extra: [{ name: etcd-server, usages: [server] }]
`;
    assert.deepEqual(problemsOf(`${VALID}${extra}etcd: { tls: { certificate: etcd-server, peer_certificate: etcd-peer } }\n`), [
      'etcd.tls.certificate → pki.extra etcd-server needs usages [server, client]: etcd serves with it and muster presents it as a client',
      'etcd.tls.peer_certificate → no certificate etcd-peer: name node or one of pki.extra (etcd-server)',
    ]);
  });

  it('points at YAML syntax errors', () => {
    assert.throws(() => parseConfigText('platform: [unclosed', 'bad.yaml'), (error: unknown) => isMusterError(error) && error.code === 'CONFIG_YAML');
  });

  it('shows each YAML syntax error with the offending lines and a caret under the column', () => {
    assert.throws(
      () => parseConfigText('platform:\n  type: static\n  self: a\n peers: x\n', 'bad.yaml'),
      (error: unknown) => {
        assert.ok(isMusterError(error));
        assert.deepEqual(error.details, ['All mapping items must start at the same column at line 4, column 1:\n  self: a\n peers: x\n^']);
        return true;
      },
    );
  });
});

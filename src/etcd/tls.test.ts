import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfigText } from '../config/load.js';
import { failure } from '../../test/support/failure.js';
import { etcdTlsEnvironment, etcdTlsFiles, loadEtcdTls } from './tls.js';

const BASE = `
platform: { type: static, self: node-1, peers: [{ name: node-1, ip: 10.0.0.11 }] }
`;
const PKI = `
pki:
  issuer: { type: local-ca, ca_cert_file: /etc/muster/ca.pem, ca_key_file: /etc/muster/ca-key.pem }
  certificates_path: /etc/ssl/node_certs
  extra: [{ name: etcd-peer, usages: [server, client] }]
`;

const configOf = (text: string): ReturnType<typeof parseConfigText>['config'] => parseConfigText(text, 'test.yaml').config;

describe('etcd over TLS', () => {
  it('gives etcd the node certificate on both sides and requires client certificates', () => {
    assert.deepEqual(etcdTlsEnvironment(etcdTlsFiles(configOf(`${BASE}${PKI}`))), [
      ['ETCD_CERT_FILE', '/etc/ssl/node_certs/node.pem'],
      ['ETCD_KEY_FILE', '/etc/ssl/node_certs/node-key.pem'],
      ['ETCD_TRUSTED_CA_FILE', '/etc/ssl/node_certs/ca.pem'],
      ['ETCD_CLIENT_CERT_AUTH', 'true'],
      ['ETCD_PEER_CERT_FILE', '/etc/ssl/node_certs/node.pem'],
      ['ETCD_PEER_KEY_FILE', '/etc/ssl/node_certs/node-key.pem'],
      ['ETCD_PEER_TRUSTED_CA_FILE', '/etc/ssl/node_certs/ca.pem'],
      ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    ]);
  });

  it('takes certificate files made elsewhere (etcd-bootstrap\'s --tls-* flags) without a pki section, https by default', () => {
    const config = configOf(`${BASE}etcd: { tls: { files: { ca: /etc/etcd/ca.pem, cert: /etc/etcd/server.pem, key: /etc/etcd/server-key.pem, peer_cert: /etc/etcd/peer.pem, peer_key: /etc/etcd/peer-key.pem } } }\n`);
    assert.deepEqual([config.etcd.client_scheme, config.etcd.peer_scheme], ['https', 'https']);
    assert.deepEqual(etcdTlsEnvironment(etcdTlsFiles(config)), [
      ['ETCD_CERT_FILE', '/etc/etcd/server.pem'],
      ['ETCD_KEY_FILE', '/etc/etcd/server-key.pem'],
      ['ETCD_TRUSTED_CA_FILE', '/etc/etcd/ca.pem'],
      ['ETCD_CLIENT_CERT_AUTH', 'true'],
      ['ETCD_PEER_CERT_FILE', '/etc/etcd/peer.pem'],
      ['ETCD_PEER_KEY_FILE', '/etc/etcd/peer-key.pem'],
      ['ETCD_PEER_TRUSTED_CA_FILE', '/etc/etcd/ca.pem'],
      ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    ]);
    assert.throws(
      () => configOf(`${BASE}${PKI}etcd: { tls: { files: { ca: /a, cert: /b, key: /c } } }\n`),
      (error: unknown) => error instanceof Error && 'details' in error && String((error as { details: unknown }).details).includes('etcd.tls.files and a pki section both give etcd certificates'),
    );
  });

  it('uses the extra certificate named for the peers, and only the https sides', () => {
    const config = configOf(`${BASE}${PKI}etcd: { client_scheme: http, tls: { peer_certificate: etcd-peer, client_cert_auth: false } }\n`);
    assert.deepEqual(etcdTlsEnvironment(etcdTlsFiles(config)), [
      ['ETCD_PEER_CERT_FILE', '/etc/ssl/node_certs/etcd-peer.pem'],
      ['ETCD_PEER_KEY_FILE', '/etc/ssl/node_certs/etcd-peer-key.pem'],
      ['ETCD_PEER_TRUSTED_CA_FILE', '/etc/ssl/node_certs/ca.pem'],
      ['ETCD_PEER_CLIENT_CERT_AUTH', 'false'],
    ]);
  });

  it('writes no TLS variables without pki', () => {
    assert.deepEqual(etcdTlsEnvironment(etcdTlsFiles(configOf(BASE))), []);
  });

  it('says which step makes missing certificate files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'muster-etcd-tls-'));
    try {
      const error = await failure(loadEtcdTls(configOf(`root: ${root}\n${BASE}${PKI}`)));
      assert.equal(error.code, 'ETCD_TLS_FILES');
      assert.match(error.message, new RegExp(`${root}/etc/ssl/node_certs/(ca|node|node-key)\\.pem cannot be read \\(ENOENT\\)`));
      assert.match(error.hint ?? '', /muster boot/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

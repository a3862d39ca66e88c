import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pkiConfigSchema } from './config-schema.js';
import { certificateSpecs } from './specs.js';

const self = { hostname: 'master-11', fqdn: 'master-11.k8s.example.com', ips: ['10.0.0.11'] };
const localCa = { type: 'local-ca', ca_cert_file: '/etc/muster/ca.pem', ca_key_file: '/etc/muster/ca-key.pem' };
const acme = { type: 'acme', directory: 'https://acme.example.com/directory' };

describe('the certificates a node asks for', () => {
  it('names the node by FQDN, short hostname and IP, and gives extras the node names too', () => {
    const [node, etcd] = certificateSpecs(pkiConfigSchema.parse({ issuer: localCa, extra: [{ name: 'etcd', usages: ['server', 'client'] }] }), self);
    assert.deepEqual(node?.sans, { dns: ['master-11', 'master-11.k8s.example.com'], ips: ['10.0.0.11'] });
    assert.equal(node?.commonName, 'master-11.k8s.example.com');
    assert.deepEqual(etcd?.sans, node?.sans);
  });

  it('leaves the bare hostname out with an ACME CA, which cannot validate a name without a dot', () => {
    const [node, extra] = certificateSpecs(pkiConfigSchema.parse({ issuer: acme, extra: [{ name: 'etcd', sans: ['etcd.k8s.example.com'] }] }), self);
    assert.deepEqual(node?.sans, { dns: ['master-11.k8s.example.com'], ips: ['10.0.0.11'] });
    assert.deepEqual(extra?.sans, { dns: ['etcd.k8s.example.com', 'master-11.k8s.example.com'], ips: ['10.0.0.11'] });
  });

  it('has no common name with ACME when the node has no FQDN (the CN must be one of the SANs)', () => {
    const [node] = certificateSpecs(pkiConfigSchema.parse({ issuer: acme }), { hostname: 'master-11', ips: ['10.0.0.11'] });
    assert.deepEqual(node?.sans, { dns: [], ips: ['10.0.0.11'] });
    assert.equal(node?.commonName, undefined);
  });
});

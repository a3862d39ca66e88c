import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initCa } from './ca-init.js';
import { checkIssued } from './check-issued.js';
import { createCsrPem } from './csr.js';
import { createLocalCaIssuer } from './issuers/local-ca/index.js';
import { generatePrivateKeyPem, parsePrivateKeyPem } from './keys.js';
import type { CertificateSpec } from './plan.js';
import { sanSet } from './sans.js';
import type { IssuedCertificate, Issuer } from './types.js';

describe('checking what an issuer returned', () => {
  let base: string;
  let issuer: Issuer;
  let otherIssuer: Issuer;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'muster-check-'));
    for (const name of ['a', 'b']) await initCa({ dir: join(base, name), name: `CA ${name}` });
    const config = (name: string) => ({ type: 'local-ca' as const, ca_cert_file: join(base, name, 'ca.pem'), ca_key_file: join(base, name, 'ca-key.pem') });
    issuer = await createLocalCaIssuer(config('a'));
    otherIssuer = await createLocalCaIssuer(config('b'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  const spec: CertificateSpec = { name: 'node', sans: sanSet({ dns: ['n1.example.test'], ips: ['10.0.0.1'] }), usages: ['server'], keyType: 'ec-p256' };
  const issueFor = async (via: Issuer, sans = spec.sans) => {
    const key = parsePrivateKeyPem(await generatePrivateKeyPem('ec-p256'));
    const result = await via.issue({ name: 'node', csrPem: await createCsrPem(key, sans), sans, usages: ['server'] });
    return { key, result };
  };

  it('accepts the right certificate', async () => {
    const { key, result } = await issueFor(issuer);
    checkIssued(result, spec, key, 'local-ca');
  });

  it('refuses a certificate for another key', async () => {
    const { result } = await issueFor(issuer);
    const otherKey = parsePrivateKeyPem(await generatePrivateKeyPem('ec-p256'));
    assert.throws(() => checkIssued(result, spec, otherKey, 'local-ca'), /returned a certificate for node that is not for the node's key; nothing written/);
  });

  it('refuses other SANs, naming them', async () => {
    const { key, result } = await issueFor(issuer, sanSet({ dns: ['n1.example.test', 'extra.example.test'], ips: ['10.0.0.1'] }));
    assert.throws(() => checkIssued(result, spec, key, 'local-ca'), /has other SANs \(extra DNS:extra\.example\.test\)/);
  });

  it('refuses a chain that did not sign the certificate', async () => {
    const { key, result } = await issueFor(issuer);
    const { result: foreign } = await issueFor(otherIssuer);
    const mixed: IssuedCertificate = { ...result, caPem: foreign.caPem };
    assert.throws(() => checkIssued(mixed, spec, key, 'local-ca'), /is not signed by the chain or CA it came with/);
  });
});

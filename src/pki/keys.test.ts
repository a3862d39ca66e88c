import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { certificateMatchesKey } from './certificate-info.js';
import { createCsrPem, parseCsrPem } from './csr.js';
import { generatePrivateKeyPem, keyTypeOf, parsePrivateKeyPem, readPrivateKeyFile } from './keys.js';
import { sanSet } from './sans.js';

describe('keys and CSRs', () => {
  for (const type of ['ec-p256', 'rsa-2048'] as const) {
    it(`makes an ${type} key as PKCS#8 PEM and a CSR with exactly the SANs, signed by it`, async () => {
      const pem = await generatePrivateKeyPem(type);
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
      const key = parsePrivateKeyPem(pem);
      assert.equal(keyTypeOf(key), type);
      const sans = sanSet({ dns: ['n1.example.test', 'n1'], ips: ['10.0.0.1', '2001:db8::1'] });
      const csr = await parseCsrPem(await createCsrPem(key, sans));
      assert.deepEqual(csr.sans, sans);
      assert.equal(csr.commonName, 'n1.example.test');
      assert.equal(csr.signatureValid, true);
      assert.deepEqual(csr.otherSans, []);
    });
  }

  it('reads key files: missing, unreadable without quoting the content, present', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-keys-'));
    try {
      assert.deepEqual(await readPrivateKeyFile(join(dir, 'none.pem')), { state: 'missing' });
      await writeFile(join(dir, 'bad.pem'), '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n');
      const bad = await readPrivateKeyFile(join(dir, 'bad.pem'));
      assert.equal(bad.state, 'unreadable');
      assert.doesNotMatch(JSON.stringify(bad), /c2VjcmV0/);
      await writeFile(join(dir, 'good.pem'), await generatePrivateKeyPem('ec-p256'));
      const good = await readPrivateKeyFile(join(dir, 'good.pem'));
      assert.equal(good.state === 'present' && good.type, 'ec-p256');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not take a certificate for another key', async () => {
    const key = parsePrivateKeyPem(await generatePrivateKeyPem('ec-p256'));
    assert.equal(certificateMatchesKey('not a certificate', key), false);
  });
});

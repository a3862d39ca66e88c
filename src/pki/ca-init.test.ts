import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { initCa } from './ca-init.js';

const run = promisify(execFile);

describe('muster ca init', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'muster-ca-init-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('makes a self-signed CA (OpenSSL agrees), the key 0600 and the certificate 0644', async () => {
    const dir = join(base, 'one');
    const result = await initCa({ dir, name: 'Cluster CA', days: 30 });
    assert.equal((await stat(result.keyPath)).mode & 0o777, 0o600);
    assert.equal((await stat(result.certificatePath)).mode & 0o777, 0o644);
    assert.match((await run('openssl', ['verify', '-CAfile', result.certificatePath, result.certificatePath])).stdout, /OK/);
    const { stdout } = await run('openssl', ['x509', '-in', result.certificatePath, '-noout', '-subject', '-ext', 'basicConstraints,keyUsage']);
    assert.match(stdout, /subject=CN = Cluster CA/);
    assert.match(stdout, /CA:TRUE, pathlen:0/);
    assert.match(stdout, /Certificate Sign, CRL Sign/);
    assert.match(await readFile(result.keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    assert.ok(Math.abs(result.notAfter.getTime() - (Date.now() + 30 * 86_400_000)) < 60_000);
  });

  it('makes an RSA CA on request', async () => {
    const result = await initCa({ dir: join(base, 'rsa'), keyType: 'rsa-2048' });
    assert.match((await run('openssl', ['x509', '-in', result.certificatePath, '-noout', '-text'])).stdout, /rsaEncryption[\s\S]*2048 bit/);
  });

  it('refuses to replace an existing CA and leaves it untouched', async () => {
    const dir = join(base, 'twice');
    const first = await initCa({ dir });
    const before = await readFile(first.keyPath, 'utf8');
    await assert.rejects(initCa({ dir }), (error: Error & { kind?: string }) => error.kind === 'unsafe' && /exists: refusing to replace a CA/.test(error.message));
    assert.equal(await readFile(first.keyPath, 'utf8'), before);
  });
});

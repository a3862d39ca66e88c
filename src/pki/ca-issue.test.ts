import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { failure } from '../../test/support/failure.js';
import { initCa } from './ca-init.js';
import { issueFromCa } from './ca-issue.js';

const run = promisify(execFile);

describe('muster ca issue', () => {
  let base: string;
  let caDir: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'muster-ca-issue-'));
    caDir = join(base, 'ca');
    await initCa({ dir: caDir, name: 'Cluster CA' });
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('issues a client certificate for an operator (OpenSSL verifies it for TLS clients), the key 0600', async () => {
    const result = await issueFromCa({ caDir, name: 'admin', outDir: join(base, 'out') });
    assert.equal((await stat(result.keyPath)).mode & 0o777, 0o600);
    const verify = await run('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', result.caPath, result.certificatePath]);
    assert.match(verify.stdout, /OK/);
    const { stdout } = await run('openssl', ['x509', '-in', result.certificatePath, '-noout', '-subject', '-ext', 'extendedKeyUsage,subjectAltName']);
    assert.match(stdout, /subject=CN = admin/);
    assert.match(stdout, /TLS Web Client Authentication/);
    assert.doesNotMatch(stdout, /Server Authentication|Subject Alternative Name/);
    // The key in the file is the certificate's.
    const modulus = async (args: string[]): Promise<string> => (await run('openssl', args)).stdout;
    assert.equal(await modulus(['pkey', '-in', result.keyPath, '-pubout']), await modulus(['x509', '-in', result.certificatePath, '-noout', '-pubkey']));
  });

  it('issues a server certificate with the SANs asked for', async () => {
    const result = await issueFromCa({ caDir, name: 'lb', outDir: join(base, 'out'), commonName: 'etcd.example.com', sans: ['etcd.example.com', '10.0.0.5'], usages: ['server'] });
    assert.match((await run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', result.caPath, result.certificatePath])).stdout, /OK/);
    const { stdout } = await run('openssl', ['x509', '-in', result.certificatePath, '-noout', '-ext', 'subjectAltName']);
    assert.match(stdout, /DNS:etcd\.example\.com, IP Address:10\.0\.0\.5/);
  });

  it('never replaces existing files', async () => {
    const first = await issueFromCa({ caDir, name: 'twice', outDir: join(base, 'out') });
    const before = await readFile(first.certificatePath, 'utf8');
    const error = await failure(issueFromCa({ caDir, name: 'twice', outDir: join(base, 'out') }));
    assert.equal(error.code, 'PKI_FILE_EXISTS');
    assert.equal(await readFile(first.certificatePath, 'utf8'), before);
  });
});

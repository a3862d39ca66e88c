import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { opensslSans, runIssuerContract } from '../../../../test/contract/issuer-contract.js';
import { initCa } from '../../ca-init.js';
import { parseCertificatePem } from '../../certificate-info.js';
import { createCsrPem } from '../../csr.js';
import { generatePrivateKeyPem, parsePrivateKeyPem } from '../../keys.js';
import { sanSet } from '../../sans.js';
import type { CertificateRequest } from '../../types.js';
import { createLocalCaIssuer } from './index.js';

const run = promisify(execFile);
const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-local-ca-'));
  dirs.push(dir);
  return dir;
};
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

runIssuerContract('local-ca', async () => {
  const dir = await tempDir();
  await initCa({ dir });
  return { issuer: await createLocalCaIssuer({ type: 'local-ca', ca_cert_file: join(dir, 'ca.pem'), ca_key_file: join(dir, 'ca-key.pem') }) };
}, { remote: false });

const sans = sanSet({ dns: ['n1.example.test', 'n1'], ips: ['10.0.0.1', '2001:db8::1'] });
async function request(overrides: Partial<CertificateRequest> = {}, csrSans = sans): Promise<CertificateRequest> {
  const key = parsePrivateKeyPem(await generatePrivateKeyPem('ec-p256'));
  return { name: 'node', csrPem: await createCsrPem(key, csrSans), sans, usages: ['server'], lifetimeHours: 48, ...overrides };
}

describe('local-ca issuer', () => {
  let dir: string;
  let config: { type: 'local-ca'; ca_cert_file: string; ca_key_file: string };
  before(async () => {
    dir = await tempDir();
    await initCa({ dir, days: 10 });
    config = { type: 'local-ca', ca_cert_file: join(dir, 'ca.pem'), ca_key_file: join(dir, 'ca-key.pem') };
  });

  it('gives the requested lifetime, and the requested usages only', async () => {
    const now = Date.now();
    const issuer = await createLocalCaIssuer(config, { now: () => now });
    const result = await issuer.issue(await request());
    const info = parseCertificatePem(result.certificatePem);
    assert.equal(info.notAfter, Math.floor((now + 48 * 3_600_000) / 1000) * 1000);
    assert.deepEqual(info.usages, ['server']);
    assert.deepEqual(result.chainPem, []);
  });

  it('never issues past the CA\'s own end', async () => {
    const issuer = await createLocalCaIssuer(config);
    const info = parseCertificatePem((await issuer.issue(await request({ lifetimeHours: 24 * 365 }))).certificatePem);
    const ca = parseCertificatePem((await issuer.issue(await request())).caPem);
    assert.equal(info.notAfter, ca.notAfter);
  });

  it('refuses a CSR that asks for other SANs than the request', async () => {
    const issuer = await createLocalCaIssuer(config);
    await assert.rejects(issuer.issue(await request({}, sanSet({ dns: ['evil.example.test'] }))), /refused node: the CSR asks for DNS:evil.example.test/);
  });

  it('refuses to start with a key that is not the CA\'s, without quoting either key', async () => {
    const other = await tempDir();
    await initCa({ dir: other });
    await assert.rejects(createLocalCaIssuer({ ...config, ca_key_file: join(other, 'ca-key.pem') }), (error: Error & { hint?: string }) => {
      assert.match(error.message, /is not the key of the CA/);
      assert.match(error.hint ?? '', /pki\.issuer\.ca_key_file/);
      assert.doesNotMatch(error.message, /PRIVATE KEY|BEGIN/);
      return true;
    });
  });

  it('refuses a certificate that is not a CA, and names a missing file', async () => {
    const leafDir = await tempDir();
    const leaf = await (await createLocalCaIssuer(config)).issue(await request());
    await writeFile(join(leafDir, 'leaf.pem'), leaf.certificatePem);
    await assert.rejects(createLocalCaIssuer({ ...config, ca_cert_file: join(leafDir, 'leaf.pem') }), /is not a CA certificate/);
    await assert.rejects(createLocalCaIssuer({ ...config, ca_cert_file: join(leafDir, 'none.pem') }), /cannot read the CA certificate .*none\.pem: ENOENT/);
  });

  it('signs with an intermediate: the chain is the intermediate, ca.pem the root (openssl verify)', async () => {
    const pki = await tempDir();
    const at = (name: string): string => join(pki, name);
    await writeFile(at('int.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('root-key.pem'), '-out', at('root.pem'), '-subj', '/CN=test root', '-days', '30']);
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('int-key.pem'), '-out', at('int.csr'), '-subj', '/CN=test intermediate']);
    await run('openssl', ['x509', '-req', '-in', at('int.csr'), '-CA', at('root.pem'), '-CAkey', at('root-key.pem'), '-CAcreateserial', '-days', '20', '-extfile', at('int.ext'), '-out', at('int.pem')]);
    await writeFile(at('bundle.pem'), (await readFile(at('int.pem'), 'utf8')) + (await readFile(at('root.pem'), 'utf8')));
    const issuer = await createLocalCaIssuer({ type: 'local-ca', ca_cert_file: at('bundle.pem'), ca_key_file: at('int-key.pem') });
    const result = await issuer.issue(await request());
    assert.equal(result.chainPem.length, 1);
    assert.equal(result.caPem, await readFile(at('root.pem'), 'utf8'));
    await writeFile(at('leaf.pem'), result.certificatePem);
    await writeFile(at('chain.pem'), result.chainPem.join(''));
    await writeFile(at('ca.pem'), result.caPem);
    const { stdout } = await run('openssl', ['verify', '-CAfile', at('ca.pem'), '-untrusted', at('chain.pem'), at('leaf.pem')]);
    assert.match(stdout, /leaf\.pem: OK/);
    assert.deepEqual(await opensslSans(at('leaf.pem')), sans);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { runIssuerContract } from '../../../../test/contract/issuer-contract.js';
import { startFakeVault, type FakeVault } from '../../../../test/support/fake-vault.js';
import { createCsrPem } from '../../csr.js';
import { generatePrivateKeyPem, parsePrivateKeyPem } from '../../keys.js';
import { sanSet } from '../../sans.js';
import type { CertificateRequest } from '../../types.js';
import { createVaultIssuer } from './index.js';
import type { VaultIssuerConfig } from './schema.js';

const TOKEN = 'hvs.test-token-never-logged';

runIssuerContract('vault', async () => {
  const vault = await startFakeVault({ token: TOKEN, namespace: 'team-a', mount: 'pki_int', role: 'node' });
  const issuer = await createVaultIssuer(vaultConfig({ address: vault.address, mount: 'pki_int', namespace: 'team-a' }), { env: { VAULT_TOKEN: TOKEN } });
  return { issuer, sentPayloads: () => vault.requests.map((request) => request.body), teardown: () => vault.close() };
});

function vaultConfig(overrides: Partial<VaultIssuerConfig> = {}): VaultIssuerConfig {
  return { type: 'vault', role: 'node', mount: 'pki', timeout: 5000, ...overrides };
}

/** A real pino logger writing JSON lines into memory, to read back what muster logged. */
function capturingLogger(): { logger: Logger; text: () => string; warnings: () => string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const text = (): string => lines.join('');
  const warnings = (): string[] => lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40).map((entry) => entry.msg);
  return { logger, text, warnings };
}

const sans = sanSet({ dns: ['n1.example.test', 'n1'], ips: ['10.0.0.1'] });
async function request(): Promise<CertificateRequest> {
  const key = parsePrivateKeyPem(await generatePrivateKeyPem('ec-p256'));
  return { name: 'node', csrPem: await createCsrPem(key, sans), sans, usages: ['server', 'client'], lifetimeHours: 100 };
}

describe('vault issuer', () => {
  let vault: FakeVault;
  let dir: string;
  before(async () => {
    vault = await startFakeVault({ token: TOKEN, allowedDomains: ['example.test', 'n1'] });
    dir = await mkdtemp(join(tmpdir(), 'muster-vault-'));
  });
  after(async () => {
    await vault.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('POSTs the CSR to <mount>/sign/<role> (never issue/) with the SANs, the lifetime and the token from a file', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const issuer = await createVaultIssuer(vaultConfig({ address: vault.address, token_file: tokenFile }), { env: {} });
    const req = await request();
    const result = await issuer.issue(req);
    const sent = vault.requests.at(-1);
    assert.equal(sent?.path, '/v1/pki/sign/node');
    assert.equal(sent?.headers['x-vault-token'], TOKEN);
    assert.equal(sent?.headers['x-vault-namespace'], undefined);
    assert.deepEqual(JSON.parse(sent?.body ?? '{}'), {
      csr: req.csrPem,
      common_name: 'n1.example.test',
      alt_names: 'n1,n1.example.test',
      ip_sans: '10.0.0.1',
      exclude_cn_from_sans: true,
      format: 'pem',
      ttl: '100h',
    });
    assert.deepEqual(result.chainPem, [vault.intermediatePem]);
    assert.equal(result.caPem, vault.rootPem);
  });

  it('takes address and token from VAULT_ADDR and VAULT_TOKEN', async () => {
    const issuer = await createVaultIssuer(vaultConfig(), { env: { VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN } });
    await issuer.issue(await request());
  });

  it('maps 403 to a hint about the token\'s policy on <mount>/sign/<role>, and never shows the token', async () => {
    const issuer = await createVaultIssuer(vaultConfig({ address: vault.address }), { env: { VAULT_TOKEN: 'hvs.wrong-token' } });
    await assert.rejects(issuer.issue(await request()), (error: Error & { hint?: string; retryable?: boolean }) => {
      assert.match(error.message, /permission denied on http:\/\/127\.0\.0\.1:\d+\/v1\/pki\/sign\/node/);
      assert.match(error.hint ?? '', /capabilities \["update"\] on path "pki\/sign\/node"/);
      assert.equal(error.retryable, false);
      assert.doesNotMatch(`${error.message} ${error.hint ?? ''}`, /hvs\./);
      return true;
    });
  });

  it('reports what the role refuses (400) and a wrong mount (404) as config errors', async () => {
    const refusing = await createVaultIssuer(vaultConfig({ address: vault.address }), { env: { VAULT_TOKEN: TOKEN } });
    const key = parsePrivateKeyPem(await generatePrivateKeyPem('ec-p256'));
    const other = sanSet({ dns: ['evil.test'] });
    await assert.rejects(refusing.issue({ name: 'node', csrPem: await createCsrPem(key, other), sans: other, usages: ['server'] }), /refused to sign node: subject alternate name evil\.test not allowed/);
    const wrongMount = await createVaultIssuer(vaultConfig({ address: vault.address, mount: 'pki_other' }), { env: { VAULT_TOKEN: TOKEN } });
    await assert.rejects(wrongMount.issue(await request()), (error: Error & { hint?: string }) => /no PKI role node at mount pki_other/.test(error.message) && /vault list pki_other\/roles/.test(error.hint ?? ''));
  });

  it('marks a sealed Vault (503) and a refused connection as retryable, naming the address', async () => {
    const issuer = await createVaultIssuer(vaultConfig({ address: vault.address }), { env: { VAULT_TOKEN: TOKEN } });
    vault.sealFor(1);
    await assert.rejects(issuer.issue(await request()), (error: Error & { retryable?: boolean; hint?: string }) => error.retryable === true && /sealed/.test(error.hint ?? ''));
    const down = await createVaultIssuer(vaultConfig({ address: 'http://127.0.0.1:1' }), { env: { VAULT_TOKEN: TOKEN } });
    await assert.rejects(down.issue(await request()), (error: Error & { retryable?: boolean }) => {
      assert.match(error.message, /cannot reach Vault at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
      assert.equal(error.retryable, true);
      return true;
    });
  });

  it('needs an address and a token, and says where to set them', async () => {
    await assert.rejects(createVaultIssuer(vaultConfig(), { env: {} }), /no Vault address/);
    const issuer = await createVaultIssuer(vaultConfig({ address: vault.address }), { env: {} });
    await assert.rejects(issuer.issue(await request()), (error: Error & { hint?: string }) => /no Vault token/.test(error.message) && /VAULT_TOKEN/.test(error.hint ?? ''));
  });

  it('warns once that the token travels in clear text when the address is plain http and not loopback', async () => {
    const logs = capturingLogger();
    // 192.0.2.1 (TEST-NET-1): a non-loopback address; the warning comes before any request is made.
    const issuer = await createVaultIssuer(vaultConfig({ address: 'http://192.0.2.1:8200' }), { env: { VAULT_TOKEN: TOKEN }, logger: logs.logger });
    assert.equal(issuer.type, 'vault');
    assert.deepEqual(logs.warnings(), [
      'vault issuer: http://192.0.2.1:8200 is plain http to an address that is not loopback: the Vault token crosses the network in clear text; use https (with pki.issuer.ca_cert_file for a private CA)',
    ]);
    assert.doesNotMatch(logs.text(), /hvs\./);
    const fromEnv = capturingLogger();
    await createVaultIssuer(vaultConfig(), { env: { VAULT_ADDR: 'http://vault.example.test:8200', VAULT_TOKEN: TOKEN }, logger: fromEnv.logger });
    assert.equal(fromEnv.warnings().length, 1, 'VAULT_ADDR too');
    const noToken = capturingLogger();
    await createVaultIssuer(vaultConfig({ address: 'http://192.0.2.1:8200' }), { env: {}, logger: noToken.logger });
    assert.deepEqual(noToken.warnings(), [], 'no token configured, none to leak');
  });

  it('does not warn for https, nor for plain http to loopback (a dev Vault, a local Vault Agent)', async () => {
    const tlsVault = await startFakeVault({ token: TOKEN, tls: true });
    try {
      const caFile = join(dir, 'vault-ca-2.pem');
      await writeFile(caFile, tlsVault.rootPem);
      for (const address of [tlsVault.address, 'https://vault.example.test:8200']) {
        const logs = capturingLogger();
        const issuer = await createVaultIssuer(vaultConfig({ address, ca_cert_file: caFile }), { env: { VAULT_TOKEN: TOKEN }, logger: logs.logger });
        if (address === tlsVault.address) await issuer.issue(await request());
        assert.deepEqual(logs.warnings(), [], address);
      }
      const port = new URL(vault.address).port;
      for (const address of [vault.address, `http://localhost:${port}`, `http://127.1.2.3:${port}`, `http://[::1]:${port}`]) {
        const logs = capturingLogger();
        const issuer = await createVaultIssuer(vaultConfig({ address }), { env: { VAULT_TOKEN: TOKEN }, logger: logs.logger });
        if (address === vault.address) await issuer.issue(await request());
        assert.deepEqual(logs.warnings(), [], address);
      }
    } finally {
      await tlsVault.close();
    }
  });

  it('trusts Vault\'s TLS certificate through ca_cert_file (VAULT_CACERT), and refuses it without', async () => {
    const tlsVault = await startFakeVault({ token: TOKEN, tls: true });
    try {
      const caFile = join(dir, 'vault-ca.pem');
      await writeFile(caFile, tlsVault.rootPem);
      const trusting = await createVaultIssuer(vaultConfig(), { env: { VAULT_ADDR: tlsVault.address, VAULT_TOKEN: TOKEN, VAULT_CACERT: caFile } });
      assert.equal((await trusting.issue(await request())).caPem, tlsVault.rootPem);
      const untrusting = await createVaultIssuer(vaultConfig({ address: tlsVault.address }), { env: { VAULT_TOKEN: TOKEN } });
      await assert.rejects(untrusting.issue(await request()), (error: Error & { retryable?: boolean; hint?: string }) => error.retryable === false && /ca_cert_file/.test(error.hint ?? ''));
    } finally {
      await tlsVault.close();
    }
  });
});

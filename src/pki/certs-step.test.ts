import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { silentLogger } from '../core/logger.js';
import { opensslSans } from '../../test/contract/issuer-contract.js';
import { startFakeVault } from '../../test/support/fake-vault.js';
import { initCa } from './ca-init.js';
import { parseCertificatePem, splitPemCertificates } from './certificate-info.js';
import { runCertsStep, type CertsStepOptions } from './certs-step.js';
import { pkiConfigSchema, type PkiConfig } from './config-schema.js';
import { sanSet } from './sans.js';
import { certificatesStatus } from './status.js';
import type { IssuerContext } from './types.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const self = { hostname: 'node1', fqdn: 'node1.example.test', ips: ['10.0.0.1'] };
const isRoot = process.getuid?.() === 0;

describe('pki step', () => {
  let base: string;
  let caDir: string;
  let count = 0;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'muster-certs-'));
    caDir = join(base, 'ca');
    await initCa({ dir: caDir, name: 'Test Cluster CA' });
  });
  after(() => rm(base, { recursive: true, force: true }));

  /** A fresh root with a Debian os-release and an etcd user. */
  const newRoot = async (): Promise<string> => {
    const root = join(base, `root${++count}`);
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'ID=debian\n');
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\netcd:x:1234:1235::/var/lib/etcd:/usr/sbin/nologin\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\netcd:x:1235:\n');
    return root;
  };
  const config = (overrides: Record<string, unknown> = {}): PkiConfig =>
    pkiConfigSchema.parse({ issuer: { type: 'local-ca', ca_cert_file: join(caDir, 'ca.pem'), ca_key_file: join(caDir, 'ca-key.pem') }, ...overrides });
  const context = (root: string): IssuerContext => ({ root, logger: silentLogger, env: {} });
  const step = (root: string, pki: PkiConfig, extra: Partial<CertsStepOptions> = {}) =>
    runCertsStep({ config: pki, self, root, dryRun: false, logger: silentLogger, issuerContext: context(root), ...extra });
  const certsDir = (root: string): string => join(root, 'etc/ssl/node_certs');

  it('makes the key on the node, issues node.pem, writes node-key.pem 0600 and ca.pem 0644; OpenSSL verifies it', async () => {
    const root = await newRoot();
    const result = await step(root, config({ extra_sans: ['api.example.test', '192.0.2.10'] }));
    assert.ok(result.changed);
    assert.deepEqual(result.issued, ['node']);
    const dir = certsDir(root);
    assert.equal((await stat(join(dir, 'node-key.pem'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'node.pem'))).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, 'ca.pem'))).mode & 0o777, 0o644);
    assert.match((await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'node.pem')])).stdout, /OK/);
    assert.deepEqual(await opensslSans(join(dir, 'node.pem')), sanSet({ dns: ['node1.example.test', 'node1', 'api.example.test'], ips: ['10.0.0.1', '192.0.2.10'] }));
    const { stdout } = await run('openssl', ['x509', '-in', join(dir, 'node.pem'), '-noout', '-subject', '-ext', 'extendedKeyUsage']);
    assert.match(stdout, /CN = node1\.example\.test/);
    assert.match(stdout, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.equal(await readFile(join(root, 'usr/local/share/ca-certificates/test-cluster-ca.crt'), 'utf8'), await readFile(join(dir, 'ca.pem'), 'utf8'));
    assert.equal(await readFile(join(root, 'etc/ssl/certs/test-cluster-ca.pem'), 'utf8'), await readFile(join(dir, 'ca.pem'), 'utf8'));
    assert.ok(result.lines.includes(`skipped update-ca-certificates: root is ${root}; run it on that system`));
  });

  it('changes nothing on a second run, and needs no issuer for it', async () => {
    const root = await newRoot();
    await step(root, config());
    const before = await readFile(join(certsDir(root), 'node.pem'), 'utf8');
    // An issuer that cannot even be created: a run that keeps everything must not ask for one.
    const second = await step(root, config({ issuer: { type: 'local-ca', ca_cert_file: '/nonexistent/ca.pem', ca_key_file: '/nonexistent/ca-key.pem' } }));
    assert.equal(second.changed, false);
    assert.deepEqual(second.issued, []);
    assert.deepEqual(second.lines, ['node: keep (DNS:node1, DNS:node1.example.test, IP:10.0.0.1)', 'nothing to change']);
    assert.equal(await readFile(join(certsDir(root), 'node.pem'), 'utf8'), before);
  });

  it('issues again for new SANs or a due renewal, keeping the key; a new key type makes a new key', async () => {
    const root = await newRoot();
    await step(root, config());
    const keyPath = join(certsDir(root), 'node-key.pem');
    const key = await readFile(keyPath, 'utf8');

    const moved = await runCertsStep({ config: config(), self: { ...self, ips: ['10.0.0.2'] }, root, dryRun: false, logger: silentLogger, issuerContext: context(root) });
    assert.match(moved.lines[0] ?? '', /^node: issue: SANs differ \(missing IP:10\.0\.0\.2, not wanted IP:10\.0\.0\.1\)$/);
    assert.equal(await readFile(keyPath, 'utf8'), key);

    const leaf = parseCertificatePem(await readFile(join(certsDir(root), 'node.pem'), 'utf8'));
    const later = await runCertsStep({ config: config(), self: { ...self, ips: ['10.0.0.2'] }, root, dryRun: false, logger: silentLogger, issuerContext: context(root), now: () => leaf.notAfter - DAY });
    assert.match(later.lines[0] ?? '', /^node: issue: renewal due since /);
    assert.equal(await readFile(keyPath, 'utf8'), key);

    const rsa = await step(root, config({ key: { type: 'rsa-2048' } }));
    assert.match(rsa.lines[0] ?? '', /new rsa-2048 key: key is ec-p256, configured rsa-2048/);
    assert.match(await readFile(keyPath, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.notEqual(await readFile(keyPath, 'utf8'), key);
    assert.match((await run('openssl', ['pkey', '-in', keyPath, '-noout', '-text'])).stdout, /2048 bit/);
  });

  it('puts a key made readable back to 0600', async () => {
    const root = await newRoot();
    await step(root, config());
    const keyPath = join(certsDir(root), 'node-key.pem');
    await chmod(keyPath, 0o644);
    const result = await step(root, config());
    assert.ok(result.changed);
    assert.ok(result.lines.includes(`  mode of ${keyPath} set to 0600`));
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  });

  it('writes extra certificates with their own SANs, usages, mode and owner', async () => {
    const root = await newRoot();
    const pki = config({
      extra: [
        { name: 'etcd-peer', sans: ['etcd.example.test'], mode: '0640', owner: 'etcd' },
        { name: 'etcd-client', sans: [], node_sans: false, common_name: 'root', usages: ['client'] },
      ],
    });
    const result = await step(root, pki);
    assert.deepEqual(result.issued, ['node', 'etcd-peer', 'etcd-client']);
    const dir = certsDir(root);
    const peerKey = await stat(join(dir, 'etcd-peer-key.pem'));
    assert.equal(peerKey.mode & 0o777, 0o640);
    if (isRoot) assert.deepEqual([peerKey.uid, peerKey.gid], [1234, 1235]);
    else assert.ok(result.lines.some((line) => /owner etcd of .* not set: muster is not running as root/.test(line)));
    assert.deepEqual(await opensslSans(join(dir, 'etcd-peer.pem')), sanSet({ dns: ['node1.example.test', 'node1', 'etcd.example.test'], ips: ['10.0.0.1'] }));
    const client = (await run('openssl', ['x509', '-in', join(dir, 'etcd-client.pem'), '-noout', '-subject', '-ext', 'extendedKeyUsage,subjectAltName'])).stdout;
    assert.match(client, /subject=CN = root/);
    assert.match(client, /TLS Web Client Authentication/);
    assert.doesNotMatch(client, /Server Authentication|Subject Alternative Name/);
    assert.match((await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'etcd-peer.pem')])).stdout, /OK/);
    assert.equal((await step(root, pki)).changed, false, 'a second run changes nothing');
  });

  it('with dry run says what it would do and writes nothing', async () => {
    const root = await newRoot();
    const result = await step(root, config({ reload: ['true'] }), { dryRun: true, mode: 'renew' });
    assert.deepEqual(result.lines, [
      'would node: issue: new key; no certificate; new ec-p256 key: no key',
      'would install the CA in the trust store once issued',
      'would run reload `true`',
    ]);
    await assert.rejects(stat(certsDir(root)), { code: 'ENOENT' });
  });

  it('runs the reload commands once after a renewal, only in renew mode, and reports failures', async () => {
    // root '/' so the commands run; every path still points into the test's own directory.
    const dir = join(base, 'hooks');
    const marker = join(dir, 'reloads');
    const pki = config({ certificates_path: join(dir, 'certs'), ca_path: null, trust: false, reload: [`echo reload >> ${marker}`], extra: [{ name: 'extra', sans: [] }] });
    const boot = await step('/', pki);
    assert.deepEqual(boot.issued, ['node', 'extra']);
    await assert.rejects(readFile(marker, 'utf8'), { code: 'ENOENT' }, 'boot mode runs no reload');
    assert.deepEqual((await step('/', pki, { mode: 'renew' })).reloadFailures, []);
    await assert.rejects(readFile(marker, 'utf8'), { code: 'ENOENT' }, 'nothing renewed: no reload');
    const renewed = await step('/', pki, { mode: 'renew', force: true });
    assert.deepEqual(renewed.issued, ['node', 'extra']);
    assert.equal(await readFile(marker, 'utf8'), 'reload\n', 'once for both certificates');
    const failing = await step('/', { ...pki, reload: ['echo nope >&2; exit 3', `echo again >> ${marker}`] }, { mode: 'renew', force: true });
    assert.deepEqual(failing.reloadFailures, ['`echo nope >&2; exit 3` exited with 3: nope']);
    assert.equal(await readFile(marker, 'utf8'), 'reload\nagain\n', 'a failing command does not stop the others');
  });

  it('still reloads what it renewed when a later certificate fails', async () => {
    const vault = await startFakeVault({ token: 'hvs.t', allowedDomains: ['example.test', 'node1'] });
    try {
      const dir = join(base, 'partial');
      const marker = join(dir, 'reloads');
      const pki = config({
        issuer: { type: 'vault', address: vault.address, role: 'node' },
        certificates_path: join(dir, 'certs'),
        ca_path: null,
        trust: false,
        reload: [`echo reload >> ${marker}`],
        extra: [{ name: 'refused', sans: ['elsewhere.invalid'] }],
      });
      const options = { config: pki, self, root: '/', dryRun: false, logger: silentLogger, issuerContext: { ...context('/'), env: { VAULT_TOKEN: 'hvs.t' } }, mode: 'renew' as const };
      await assert.rejects(runCertsStep(options), /Vault refused to sign refused: subject alternate name elsewhere\.invalid not allowed/);
      assert.equal(await readFile(marker, 'utf8'), 'reload\n');
      assert.match((await run('openssl', ['verify', '-CAfile', join(dir, 'certs/ca.pem'), '-untrusted', join(dir, 'certs/node.pem'), join(dir, 'certs/node.pem')])).stdout, /OK/);
    } finally {
      await vault.close();
    }
  });

  it('skips reload commands when root is not /', async () => {
    const root = await newRoot();
    const result = await step(root, config({ reload: ['systemctl try-reload-or-restart etcd'] }), { mode: 'renew' });
    assert.ok(result.lines.includes(`skipped reload \`systemctl try-reload-or-restart etcd\`: root is ${root}; run it on that system`));
  });

  it('issues through Vault, retrying while it is sealed; node.pem is leaf then chain', async () => {
    const vault = await startFakeVault({ token: 'hvs.t' });
    try {
      const root = await newRoot();
      vault.sealFor(2);
      const pki = config({ issuer: { type: 'vault', address: vault.address, role: 'node' } });
      const result = await runCertsStep({ config: pki, self, root, dryRun: false, logger: silentLogger, issuerContext: { ...context(root), env: { VAULT_TOKEN: 'hvs.t' } } });
      assert.deepEqual(result.issued, ['node']);
      const dir = certsDir(root);
      const bundle = splitPemCertificates(await readFile(join(dir, 'node.pem'), 'utf8'));
      assert.equal(bundle.length, 2);
      assert.equal(bundle[1], vault.intermediatePem);
      assert.equal(await readFile(join(dir, 'ca.pem'), 'utf8'), vault.rootPem);
      assert.match((await run('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-untrusted', join(dir, 'node.pem'), join(dir, 'node.pem')])).stdout, /OK/);
      assert.equal(vault.requests.length, 3, 'two sealed answers, then the signature');
    } finally {
      await vault.close();
    }
  });

  it('tells Vault not to add a CN that is no DNS name (an etcd user) to the SANs', async () => {
    const vault = await startFakeVault({ token: 'hvs.t' });
    try {
      const root = await newRoot();
      const pki = config({ issuer: { type: 'vault', address: vault.address, role: 'node' }, extra: [{ name: 'client', sans: [], node_sans: false, common_name: 'root', usages: ['client'] }] });
      const result = await runCertsStep({ config: pki, self, root, dryRun: false, logger: silentLogger, issuerContext: { ...context(root), env: { VAULT_TOKEN: 'hvs.t' } } });
      assert.deepEqual(result.issued, ['node', 'client']);
      assert.deepEqual(await opensslSans(join(certsDir(root), 'client.pem')), sanSet({}));
    } finally {
      await vault.close();
    }
  });

  it('repairs a key beside a certificate for another key (a crash between the two renames) with a certificate for the key on disk', async () => {
    const root = await newRoot();
    const other = await newRoot();
    await step(root, config());
    await step(other, config());
    const keyPath = join(certsDir(root), 'node-key.pem');
    await writeFile(keyPath, await readFile(join(certsDir(other), 'node-key.pem')), { mode: 0o600 });
    const key = await readFile(keyPath, 'utf8');
    const [before] = await certificatesStatus({ config: config(), self, root });
    assert.match(before?.broken ?? '', /^the certificate is not for the key in .*node-key\.pem/);
    const result = await step(root, config());
    assert.deepEqual(result.issued, ['node']);
    assert.equal(result.lines[0], 'node: issue: certificate does not match the key');
    assert.equal(await readFile(keyPath, 'utf8'), key, 'the key on disk is kept');
    assert.ok(new X509Certificate(await readFile(join(certsDir(root), 'node.pem'), 'utf8')).checkPrivateKey(createPrivateKey(key)));
    const [after] = await certificatesStatus({ config: config(), self, root });
    assert.equal(after?.broken, undefined);
  });

  it('reports a certificate without its key, or expired, as broken', async () => {
    const root = await newRoot();
    await step(root, config());
    const [node] = await certificatesStatus({ config: config(), self, root });
    assert.match((await certificatesStatus({ config: config(), self, root, now: Date.parse(node?.notAfter ?? '') + 1000 }))[0]?.broken ?? '', /^the certificate expired at /);
    await rm(join(certsDir(root), 'node-key.pem'));
    assert.match((await certificatesStatus({ config: config(), self, root }))[0]?.broken ?? '', /^there is no key .*node-key\.pem for the certificate$/);
  });

  it('reports status: SANs, end, and whether renewal is due', async () => {
    const root = await newRoot();
    const pki = config({ extra: [{ name: 'etcd-peer', sans: [] }] });
    await step(root, pki, {});
    await rm(join(certsDir(root), 'etcd-peer.pem'));
    const [node, peer] = await certificatesStatus({ config: pki, self, root });
    assert.equal(node?.name, 'node');
    assert.deepEqual(node?.sans, ['DNS:node1', 'DNS:node1.example.test', 'IP:10.0.0.1']);
    assert.equal(node?.renewalDue, false);
    assert.ok(node?.notAfter !== undefined && node.renewalDueAt !== undefined && node.renewalDueAt < node.notAfter);
    assert.deepEqual([peer?.renewalDue, peer?.reasons, peer?.sans], [true, ['no certificate'], undefined]);
    const later = await certificatesStatus({ config: pki, self, root, now: Date.parse(node?.notAfter ?? '') - DAY });
    assert.equal(later[0]?.renewalDue, true);
  });
});

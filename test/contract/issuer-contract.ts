import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createCsrPem } from '../../src/pki/csr.js';
import { generatePrivateKeyPem, parsePrivateKeyPem, type KeyType } from '../../src/pki/keys.js';
import { canonicalIp, sanSet, type SanSet } from '../../src/pki/sans.js';
import type { CertificateRequest, IssuedCertificate, Issuer } from '../../src/pki/types.js';

const run = promisify(execFile);

export interface IssuerFixture {
  issuer: Issuer;
  /** Names and addresses this issuer may certify (an ACME CA only what it can validate). Default: node1.example.test, node1, 127.0.0.1. */
  sans?: SanSet;
  /** Every payload the issuer sent over the wire so far, with transport encodings (JWS) undone, to check no key left the node. */
  sentPayloads?: () => readonly string[];
  teardown?: () => Promise<void>;
}

const DEFAULT_SANS = sanSet({ dns: ['node1.example.test', 'node1'], ips: ['127.0.0.1'] });

/**
 * The contract every issuer passes: one suite, a three-line test file per issuer
 * (`runIssuerContract('local-ca', async () => ({ issuer }))`). Everything is checked with the
 * real OpenSSL, not with muster's own parsers.
 */
export function runIssuerContract(name: string, setup: () => Promise<IssuerFixture>, options: { remote: boolean } = { remote: true }): void {
  describe(`issuer contract: ${name}`, () => {
    let fixture: IssuerFixture;
    let dir: string;
    let sans: SanSet;
    const keys = new Map<KeyType, string>();
    const issued = new Map<KeyType, { request: CertificateRequest; result: IssuedCertificate }>();

    before(async () => {
      fixture = await setup();
      const wanted = fixture.sans ?? DEFAULT_SANS;
      sans = sanSet({ dns: wanted.dns, ips: wanted.ips });
      dir = await mkdtemp(join(tmpdir(), 'muster-issuer-contract-'));
    });
    after(async () => {
      await fixture.teardown?.();
      await rm(dir, { recursive: true, force: true });
    });

    const issueFor = async (type: KeyType): Promise<{ request: CertificateRequest; result: IssuedCertificate }> => {
      const keyPem = keys.get(type) ?? (await generatePrivateKeyPem(type));
      keys.set(type, keyPem);
      const request: CertificateRequest = {
        name: `contract-${type}`,
        csrPem: await createCsrPem(parsePrivateKeyPem(keyPem), sans),
        sans,
        usages: ['server', 'client'],
        lifetimeHours: 24,
      };
      const result = await fixture.issuer.issue(request);
      issued.set(type, { request, result });
      return { request, result };
    };
    const files = async (label: string, result: IssuedCertificate): Promise<{ leaf: string; chain?: string; ca: string }> => {
      const leaf = join(dir, `${label}-leaf.pem`);
      const ca = join(dir, `${label}-ca.pem`);
      await writeFile(leaf, result.certificatePem);
      await writeFile(ca, result.caPem);
      if (result.chainPem.length === 0) return { leaf, ca };
      const chain = join(dir, `${label}-chain.pem`);
      await writeFile(chain, result.chainPem.join(''));
      return { leaf, chain, ca };
    };

    for (const type of ['ec-p256', 'rsa-2048'] as const) {
      it(`issues for an ${type} key a certificate that openssl verify accepts against caPem`, async () => {
        const { result } = await issueFor(type);
        const paths = await files(type, result);
        const { stdout } = await run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', paths.ca, ...(paths.chain ? ['-untrusted', paths.chain] : []), paths.leaf]);
        assert.match(stdout, /: OK\n?$/);
      });
    }

    it('puts exactly the requested SANs in the certificate', async () => {
      const { result } = issued.get('ec-p256') ?? (await issueFor('ec-p256'));
      const paths = await files('sans', result);
      assert.deepEqual(await opensslSans(paths.leaf), sans);
    });

    it('certifies the node\'s own key (the public key of the CSR)', async () => {
      const { result } = issued.get('ec-p256') ?? (await issueFor('ec-p256'));
      const paths = await files('pubkey', result);
      const keyFile = join(dir, 'node-key.pem');
      await writeFile(keyFile, keys.get('ec-p256') ?? '', { mode: 0o600 });
      const fromCert = (await run('openssl', ['x509', '-in', paths.leaf, '-noout', '-pubkey'])).stdout;
      const fromKey = (await run('openssl', ['pkey', '-in', keyFile, '-pubout'])).stdout;
      assert.equal(fromCert, fromKey);
    });

    it('makes a leaf for TLS servers, never a CA', async () => {
      const { result } = issued.get('ec-p256') ?? (await issueFor('ec-p256'));
      const paths = await files('usage', result);
      const { stdout } = await run('openssl', ['x509', '-in', paths.leaf, '-noout', '-ext', 'extendedKeyUsage,basicConstraints']);
      assert.match(stdout, /TLS Web Server Authentication/);
      assert.doesNotMatch(stdout, /CA:TRUE/);
    });

    it('issues again for the same key (a renewal): a new serial, the same SANs', async () => {
      const first = issued.get('ec-p256') ?? (await issueFor('ec-p256'));
      const second = await issueFor('ec-p256');
      const [a, b] = [await files('first', first.result), await files('second', second.result)];
      const serial = async (path: string): Promise<string> => (await run('openssl', ['x509', '-in', path, '-noout', '-serial'])).stdout;
      assert.notEqual(await serial(a.leaf), await serial(b.leaf));
      assert.deepEqual(await opensslSans(b.leaf), sans);
    });

    // Only issuers that talk to a server have a wire to inspect; an in-process one (local-ca) gets
    // a CertificateRequest, which has no field for a key.
    if (!options.remote) return;
    it('never sends the private key: what crosses the wire holds the CSR and no key material', async () => {
      assert.ok(fixture.sentPayloads, 'a remote issuer fixture must capture what it sends (sentPayloads)');
      const { request } = issued.get('ec-p256') ?? (await issueFor('ec-p256'));
      // Line breaks and their JSON escapes removed, so PEM bodies show up as one base64 string.
      const payloads = fixture.sentPayloads().join('').replace(/\\[nr]|\s/g, '');
      const csrDer = Buffer.from(request.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      assert.ok(payloads.includes(csrDer.toString('base64')) || payloads.includes(csrDer.toString('base64url')), 'the CSR must be sent');
      assert.doesNotMatch(payloads, /PRIVATEKEY/);
      for (const keyPem of keys.values()) {
        const key = parsePrivateKeyPem(keyPem);
        const der = key.export({ type: 'pkcs8', format: 'der' });
        const secret = String(key.export({ format: 'jwk' }).d);
        for (const encoded of [der.toString('base64'), der.toString('base64url'), secret]) assert.ok(!payloads.includes(encoded), 'key material was sent');
      }
    });
  });
}

/** The SANs as OpenSSL reads them from the certificate. */
export async function opensslSans(path: string): Promise<SanSet> {
  const { stdout } = await run('openssl', ['x509', '-in', path, '-noout', '-ext', 'subjectAltName']);
  if (!stdout.includes('Subject Alternative Name')) return sanSet({});
  const entries = stdout.split('\n').slice(1).join(',').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const dns = entries.filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice(4));
  const ips = entries.filter((entry) => entry.startsWith('IP Address:')).map((entry) => canonicalIp(entry.slice(11)));
  assert.equal(dns.length + ips.length, entries.length, `unexpected SAN kinds: ${entries.join(', ')}`);
  return sanSet({ dns, ips });
}

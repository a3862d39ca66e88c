import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { axios as acmeAxios, setLogger } from 'acme-client';
import { runIssuerContract } from '../../../../test/contract/issuer-contract.js';
import { hasBind9, startBind9, type Bind9 } from '../../../../test/support/bind9.js';
import { hasPebble, openssl, startPebble, type Pebble } from '../../../../test/support/pebble.js';
import { isMusterError, type MusterError } from '../../../core/errors.js';
import { createRfc2136Provider } from '../../../dns/providers/rfc2136/index.js';
import type { DnsProvider, RecordChanges } from '../../../dns/types.js';
import { sanSet } from '../../sans.js';
import type { CertificateRequest, IssuedCertificate } from '../../types.js';
import { assembleIssued } from './certificate.js';
import { createAcmeIssuer, type AcmeIssuerContext } from './index.js';
import { acmeIssuerSchema } from './schema.js';
import { freePort } from '../../../../test/support/loopback.js';

const missing = !(await hasPebble())
  ? 'Pebble is not installed: apt-get install pebble'
  : !(await hasBind9())
    ? 'BIND 9 (named, dig) is not installed: apt-get install bind9 dnsutils'
    : false;

function rejection(error: unknown): MusterError {
  assert.ok(isMusterError(error), `expected a MusterError, got ${String(error)}`);
  return error;
}

describe('acme issuer against a real Pebble', { skip: missing }, () => {
  let bind: Bind9;
  let pebble: Pebble;
  let httpPort: number;
  let scratch: string;
  let counter = 0;

  /** A fresh directory: its own account key, so no test reuses another's authorizations. */
  const freshRoot = (): Promise<string> => mkdtemp(join(scratch, 'root-'));

  async function csr(dns: string[], ips: string[], name = 'node'): Promise<CertificateRequest> {
    const base = join(scratch, `csr-${++counter}`);
    const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
    const result = await openssl([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${dns[0] ?? ips[0]}`,
      '-addext', `subjectAltName=${san}`, '-keyout', `${base}.key`, '-out', `${base}.csr`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    return { name, csrPem: await readFile(`${base}.csr`, 'utf8'), sans: { dns, ips }, usages: ['server'] };
  }

  function issuerFor(target: Pebble, root: string, config: Record<string, unknown> = {}, context: Partial<AcmeIssuerContext> = {}) {
    const parsed = acmeIssuerSchema.parse({
      type: 'acme',
      directory: target.directory,
      ca_bundle: target.listenerCaFile,
      root_ca_file: target.rootFile,
      challenge: { type: 'http-01', port: httpPort, address: '127.0.0.1' },
      timeout: '30s',
      ...config,
    });
    return createAcmeIssuer(parsed, { root, ...context });
  }

  function rfc2136(): DnsProvider {
    return createRfc2136Provider({
      type: 'rfc2136',
      zone: bind.zone,
      server: bind.server,
      tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file },
      timeout: 5000,
    });
  }

  /** openssl's own verdict on the chain, and the SANs as openssl prints them. */
  async function inspect(issued: IssuedCertificate): Promise<{ verify: string; sans: string }> {
    const base = join(scratch, `issued-${++counter}`);
    await writeFile(`${base}-leaf.pem`, issued.certificatePem);
    await writeFile(`${base}-chain.pem`, issued.chainPem.join(''));
    await writeFile(`${base}-root.pem`, issued.caPem);
    const verify = await openssl(['verify', '-CAfile', `${base}-root.pem`, '-untrusted', `${base}-chain.pem`, `${base}-leaf.pem`]);
    const ext = await openssl(['x509', '-noout', '-ext', 'subjectAltName', '-in', `${base}-leaf.pem`]);
    const sans = ext.stdout.split('\n').slice(1).join(' ').trim();
    return { verify: `${verify.stdout}${verify.stderr}`.trim(), sans };
  }

  async function txt(name: string): Promise<string[]> {
    return (await bind.dig(['+short', name, 'TXT'])).split('\n').filter((line) => line !== '');
  }

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'muster-acme-'));
    bind = await startBind9({ zone: 'muster.test.' });
    await bind.nsupdate(['update add node1.muster.test. 60 A 127.0.0.1']);
    httpPort = await freePort();
    pebble = await startPebble({ httpPort, dnsServer: bind.server });
  });
  after(async () => {
    await pebble?.stop();
    await bind?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('http-01: issues for an IP address and a name resolved through BIND; the chain verifies with openssl', async (t) => {
    const issuer = issuerFor(pebble, await freshRoot());
    const started = Date.now();
    const issued = await issuer.issue(await csr(['node1.muster.test'], ['127.0.0.1']));
    t.diagnostic(`http-01 certificate (new account, 2 identifiers) in ${Date.now() - started} ms`);
    const again = Date.now();
    await issuer.issue(await csr(['node1.muster.test'], ['127.0.0.1']));
    t.diagnostic(`http-01 certificate (same account) in ${Date.now() - again} ms`);

    const { verify, sans } = await inspect(issued);
    assert.match(verify, /leaf\.pem: OK$/);
    assert.equal(sans, 'DNS:node1.muster.test, IP Address:127.0.0.1');
    assert.equal(issued.caPem, pebble.rootPem);
    assert.deepEqual(issued.chainPem, [pebble.intermediatePem.trim() + '\n']);
    // The challenge listener is gone once the order is done.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(httpPort, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
  });

  it('http-01: two certificates ordered at once share the challenge port', async () => {
    const issuer = issuerFor(pebble, await freshRoot());
    const [a, b] = await Promise.all([issuer.issue(await csr([], ['127.0.0.1'], 'a')), issuer.issue(await csr(['node1.muster.test'], [], 'b'))]);
    assert.equal((await inspect(a)).sans, 'IP Address:127.0.0.1');
    assert.equal((await inspect(b)).sans, 'DNS:node1.muster.test');
  });

  it('dns-01 through rfc2136: publishes the TXT records while the CA validates, then removes exactly them', async (t) => {
    await bind.nsupdate(['update add _acme-challenge.node2.muster.test. 60 TXT "keep-me"']);
    const provider = rfc2136();
    const seen: string[][] = [];
    const watching: DnsProvider = {
      type: provider.type,
      zone: provider.zone,
      list: (signal) => provider.list(signal),
      async apply(changes: RecordChanges, signal) {
        const result = await provider.apply(changes, signal);
        if (changes.create.length + changes.update.length > 0) seen.push(await txt('_acme-challenge.node1.muster.test'), await txt('_acme-challenge.node2.muster.test'));
        return result;
      },
    };
    const issuer = issuerFor(pebble, await freshRoot(), { challenge: { type: 'dns-01' } }, { dns: { provider: watching, zone: bind.zone } });
    const started = Date.now();
    const issued = await issuer.issue(await csr(['node1.muster.test', 'node2.muster.test'], []));
    t.diagnostic(`dns-01 certificate (new account, 2 names) in ${Date.now() - started} ms`);

    assert.match((await inspect(issued)).verify, /OK$/);
    const [node1, node2] = seen as [string[], string[]];
    assert.equal(node1.length, 1, 'one challenge value for node1 was visible in BIND');
    assert.equal(node2.length, 2, 'node2 had the existing value and the challenge value');
    assert.ok(node2.includes('"keep-me"'));
    assert.deepEqual(await txt('_acme-challenge.node1.muster.test'), []);
    assert.deepEqual(await txt('_acme-challenge.node2.muster.test'), ['"keep-me"']);
    const left = (await bind.axfr()).filter((set) => set.name.startsWith('_acme-challenge.') || set.name.includes('_muster-owner'));
    assert.deepEqual(left.map((set) => [set.name, set.values]), [['_acme-challenge.node2.muster.test.', ['keep-me']]]);
  });

  it('dns-01: removes its TXT records at once when the caller gives up', async () => {
    const provider = rfc2136();
    const controller = new AbortController();
    const aborting: DnsProvider = {
      type: provider.type,
      zone: provider.zone,
      list: (signal) => provider.list(signal),
      async apply(changes, signal) {
        const result = await provider.apply(changes, signal);
        if (changes.create.length > 0) controller.abort(new Error('caller gave up'));
        return result;
      },
    };
    const issuer = issuerFor(pebble, await freshRoot(), { challenge: { type: 'dns-01' } }, { dns: { provider: aborting, zone: bind.zone } });
    await assert.rejects(issuer.issue(await csr(['node3.muster.test'], []), controller.signal), /caller gave up/);
    assert.deepEqual(await txt('_acme-challenge.node3.muster.test'), []);
  });

  it('gives up at timeout with a retryable error, and removes what it published', async () => {
    const provider = rfc2136();
    // A provider that applies, but does not list the challenge while the order waits for it (the
    // order's reads carry its signal; the cleanup's, after the order gave up, do not).
    const lagging: DnsProvider = {
      type: provider.type,
      zone: provider.zone,
      list: async (signal) => (await provider.list(signal)).filter((set) => !(signal?.aborted === false && set.name.startsWith('_acme-challenge.'))),
      apply: (changes, signal) => provider.apply(changes, signal),
    };
    const issuer = issuerFor(pebble, await freshRoot(), { challenge: { type: 'dns-01', propagation_timeout: '1m' }, timeout: '700ms' }, { dns: { provider: lagging, zone: bind.zone } });
    const started = Date.now();
    const error = rejection(await issuer.issue(await csr(['node4.muster.test'], [])).catch((e: unknown) => e));
    assert.ok(Date.now() - started < 3000, `gave up after ${Date.now() - started} ms`);
    assert.equal(error.code, 'ACME_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.match(error.message, /no certificate "node" from https:\/\/127\.0\.0\.1:\d+\/dir within 1s/);
    assert.deepEqual(await txt('_acme-challenge.node4.muster.test'), []);
  });

  it('dns-01: refuses IP addresses and names outside the zone before ordering', async () => {
    const issuer = issuerFor(pebble, await freshRoot(), { challenge: { type: 'dns-01' } }, { dns: { provider: rfc2136(), zone: bind.zone } });
    const ip = rejection(await issuer.issue(await csr(['node1.muster.test'], ['127.0.0.1'])).catch((e: unknown) => e));
    assert.equal(ip.code, 'ACME_DNS01_IP');
    assert.match(ip.message, /127\.0\.0\.1.*dns-01 cannot validate/);
    const outside = rejection(await issuer.issue(await csr(['node1.elsewhere.test'], [])).catch((e: unknown) => e));
    assert.equal(outside.code, 'ACME_DNS01_OUTSIDE_ZONE');
    assert.throws(() => issuerFor(pebble, scratch, { challenge: { type: 'dns-01' } }), /needs the dns section/);
  });

  it('a ca_bundle that does not hold the server\'s CA fails fast with a TLS error naming the directory', async () => {
    const issuer = issuerFor(pebble, await freshRoot(), { ca_bundle: pebble.rootFile });
    const started = Date.now();
    const error = rejection(await issuer.issue(await csr([], ['127.0.0.1'])).catch((e: unknown) => e));
    assert.ok(Date.now() - started < 5000, 'no retries on a certificate that will never verify');
    assert.equal(error.code, 'ACME_TLS_UNTRUSTED');
    assert.equal(error.kind, 'config');
    assert.ok(error.message.includes(pebble.directory), error.message);
    assert.ok(error.hint?.includes(pebble.rootFile), error.hint);
  });

  it('caPem: without root_ca_file a private root is an error naming it; a wrong root_ca_file too', async () => {
    const unknown = rejection(await issuerFor(pebble, await freshRoot(), { root_ca_file: undefined }).issue(await csr([], ['127.0.0.1'])).catch((e: unknown) => e));
    assert.equal(unknown.code, 'ACME_ROOT_UNKNOWN');
    assert.match(unknown.message, /does not send the root its chain leads to \("CN=Pebble Root CA/);
    const wrong = rejection(await issuerFor(pebble, await freshRoot(), { root_ca_file: pebble.listenerCaFile }).issue(await csr([], ['127.0.0.1'])).catch((e: unknown) => e));
    assert.equal(wrong.code, 'ACME_ROOT_MISMATCH');
    assert.ok(wrong.message.includes(pebble.listenerCaFile), wrong.message);
  });

  it('creates the account key once (0600) and reuses it', async () => {
    const root = await freshRoot();
    const keyFile = join(root, 'etc/muster/acme-account-key.pem');
    await issuerFor(pebble, root).issue(await csr([], ['127.0.0.1']));
    const first = await stat(keyFile);
    const pem = await readFile(keyFile, 'utf8');
    assert.equal(first.mode & 0o777, 0o600);
    assert.match(pem, /BEGIN PRIVATE KEY/);
    // A new issuer, as after a reboot: same file, same key.
    await issuerFor(pebble, root).issue(await csr([], ['127.0.0.1']));
    const second = await stat(keyFile);
    assert.equal(second.ino, first.ino);
    assert.equal(second.mtimeMs, first.mtimeMs);
    assert.equal(await readFile(keyFile, 'utf8'), pem);
  });

  it('a failed http-01 challenge says which identifier and what the CA reported', async () => {
    // muster listens on another port than the one Pebble connects to: the CA's connection is refused.
    const issuer = issuerFor(pebble, await freshRoot(), { challenge: { type: 'http-01', port: await freePort(), address: '127.0.0.1' } });
    const error = rejection(await issuer.issue(await csr([], ['127.0.0.1'])).catch((e: unknown) => e));
    assert.equal(error.code, 'ACME_CHALLENGE_FAILED');
    assert.match(error.message, /http-01 challenge for 127\.0\.0\.1 failed: .*connection refused.*\(connection\)/i);
    assert.match(error.hint ?? '', /never reached muster's challenge server on 127\.0\.0\.1:\d+: is port 80 of 127\.0\.0\.1 reachable/);
  });

  it('a busy challenge port is a clear error', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(httpPort, '127.0.0.1', resolve));
    try {
      const error = rejection(await issuerFor(pebble, await freshRoot()).issue(await csr([], ['127.0.0.1'])).catch((e: unknown) => e));
      assert.equal(error.code, 'ACME_HTTP01_LISTEN');
      assert.match(error.hint ?? '', /another program serves 127\.0\.0\.1:\d+/);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  describe('with Pebble\'s default nonce rejection (5 % of good nonces)', () => {
    let rejecting: Pebble;
    before(async () => {
      rejecting = await startPebble({ httpPort, dnsServer: bind.server, nonceReject: 'default' });
    });
    after(async () => {
      await rejecting?.stop();
    });

    it('retries badNonce and issues', async (t) => {
      let badNonces = 0;
      setLogger((line) => {
        if (line.startsWith('Caught invalid nonce error')) badNonces++;
      });
      try {
        const issuer = issuerFor(rejecting, await freshRoot());
        let issued = 0;
        // ~10 signed requests per order: 20 orders see a rejected nonce all but ~0.005 % of the time.
        while (badNonces === 0 && issued < 20) {
          await issuer.issue(await csr([], ['127.0.0.1']));
          issued++;
        }
        t.diagnostic(`${issued} orders, ${badNonces} badNonce answers retried`);
        assert.ok(badNonces > 0, 'Pebble rejected no nonce at all');
      } finally {
        setLogger(() => undefined);
      }
    });
  });

  describe('with external account binding required', () => {
    let eab: Pebble;
    const hmacKey = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';
    before(async () => {
      eab = await startPebble({ httpPort, dnsServer: bind.server, eabKeys: { 'kid-1': hmacKey } });
    });
    after(async () => {
      await eab?.stop();
    });

    it('registers with eab and refuses without it', async () => {
      const keyFile = join(scratch, 'eab-hmac');
      await writeFile(keyFile, `${hmacKey}\n`, { mode: 0o600 });
      const issued = await issuerFor(eab, await freshRoot(), { eab: { kid: 'kid-1', hmac_key_file: keyFile } }).issue(await csr([], ['127.0.0.1']));
      assert.match((await inspect(issued)).verify, /OK$/);
      const error = rejection(await issuerFor(eab, await freshRoot()).issue(await csr([], ['127.0.0.1'])).catch((e: unknown) => e));
      assert.equal(error.code, 'ACME_EXTERNAL_ACCOUNT_REQUIRED');
      assert.ok(error.message.includes(eab.directory), error.message);
      assert.match(error.hint ?? '', /eab\.kid/);
    });
  });
});

if (!missing) {
  runIssuerContract('acme (Pebble, http-01)', async () => {
    const bind = await startBind9({ zone: 'muster.test.' });
    await bind.nsupdate(['update add node1.muster.test. 60 A 127.0.0.1']);
    const httpPort = await freePort();
    const pebble = await startPebble({ httpPort, dnsServer: bind.server });
    const root = await mkdtemp(join(tmpdir(), 'muster-acme-contract-'));
    // What crosses the wire: the decoded payload of every JWS muster's client sends to Pebble.
    const sent: string[] = [];
    const origin = new URL(pebble.directory).origin;
    const interceptor = acmeAxios.interceptors.request.use((config) => {
      const body = config.data as { payload?: unknown } | undefined;
      if (config.url?.startsWith(origin) && typeof body?.payload === 'string') sent.push(Buffer.from(body.payload, 'base64url').toString('utf8'));
      return config;
    });
    const config = acmeIssuerSchema.parse({
      type: 'acme',
      directory: pebble.directory,
      ca_bundle: pebble.listenerCaFile,
      root_ca_file: pebble.rootFile,
      challenge: { type: 'http-01', port: httpPort, address: '127.0.0.1' },
    });
    return {
      issuer: createAcmeIssuer(config, { root }),
      sans: sanSet({ dns: ['node1.muster.test'], ips: ['127.0.0.1'] }),
      sentPayloads: () => sent,
      teardown: async () => {
        acmeAxios.interceptors.request.eject(interceptor);
        await pebble.stop();
        await bind.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  });
}

describe('checking what an ACME CA returned', { skip: missing }, () => {
  let dir: string;
  let rootPem: string;
  let leafPem: string;
  const request = (usages: CertificateRequest['usages'], ips = ['127.0.0.1']): CertificateRequest => ({ name: 'etcd-peer', csrPem: '', sans: { dns: [], ips }, usages });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-acme-chain-'));
    const sign = async (args: string[]): Promise<void> => assert.equal((await openssl(args)).code, 0);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await sign(['req', '-x509', ...ec, '-keyout', join(dir, 'root.key'), '-out', join(dir, 'root.pem'), '-subj', '/CN=test root', '-days', '1']);
    await sign(['req', '-new', ...ec, '-keyout', join(dir, 'leaf.key'), '-out', join(dir, 'leaf.csr'), '-subj', '/CN=leaf']);
    await writeFile(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await sign(['x509', '-req', '-in', join(dir, 'leaf.csr'), '-CA', join(dir, 'root.pem'), '-CAkey', join(dir, 'root.key'), '-set_serial', '7', '-days', '1', '-extfile', join(dir, 'ext'), '-out', join(dir, 'leaf.pem')]);
    [rootPem, leafPem] = await Promise.all([readFile(join(dir, 'root.pem'), 'utf8'), readFile(join(dir, 'leaf.pem'), 'utf8')]);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a root the CA appended as caPem, not as a chain certificate', () => {
    const issued = assembleIssued(leafPem + rootPem, request(['server']), {}, 'https://ca.test/dir');
    assert.equal(issued.caPem.trim(), rootPem.trim());
    assert.deepEqual(issued.chainPem, []);
  });

  it('refuses a certificate without a usage the request needs (public CAs are ending clientAuth)', () => {
    assert.throws(() => assembleIssued(leafPem + rootPem, request(['server', 'client']), {}, 'https://ca.test/dir'), (error: unknown) => {
      assert.equal(rejection(error).code, 'ACME_USAGE_MISSING');
      assert.match(rejection(error).message, /"etcd-peer" without the client usage/);
      return true;
    });
  });

  it('refuses a certificate for other names than requested', () => {
    assert.throws(() => assembleIssued(leafPem + rootPem, request(['server'], ['127.0.0.2']), {}, 'https://ca.test/dir'), /missing: ip:127\.0\.0\.2; extra: ip:127\.0\.0\.1/);
  });
});


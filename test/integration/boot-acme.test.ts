import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBind9, type Bind9 } from '../support/bind9.js';
import { musterCli, threeMastersConfig } from '../support/boot-node.js';
import { loopbackPrefix, freePort } from '../support/loopback.js';
import { openssl, startPebble, type Pebble } from '../support/pebble.js';

const ZONE = 'k8s.muster.test.';

const muster = musterCli;

/** The SANs of a PEM certificate file as openssl prints them, one entry each, sorted. */
async function opensslSans(file: string): Promise<string[]> {
  const result = await openssl(['x509', '-noout', '-ext', 'subjectAltName', '-in', file]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .split('\n')
    .slice(1)
    .join(',')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .sort();
}

/**
 * The acme issuer end to end through the real CLI: `muster boot` (guard → hostname → dns → pki)
 * registers the node's A record in a real BIND 9 over TSIG, then a real Pebble, whose only DNS
 * server is that BIND, validates the FQDN and the node IP with http-01 against muster's own
 * challenge server on the node's loopback address.
 */
describe('muster boot with the acme issuer against a real Pebble that validates through a real BIND 9', { concurrency: false }, () => {
  let bind: Bind9;
  let pebble: Pebble;
  let root: string;
  let scratch: string;
  let config: string;
  let prefix: string;
  let nodeIp: string;
  let fqdn: string;

  before(async () => {
    prefix = loopbackPrefix();
    nodeIp = `${prefix}.11`;
    fqdn = `master-11.${ZONE.replace(/\.$/, '')}`;
    bind = await startBind9({ zone: ZONE });
    // muster serves http-01 on the node's own address; Pebble connects to it there for the IP
    // identifier, and for the FQDN after resolving its A record through BIND.
    const httpPort = await freePort(nodeIp);
    pebble = await startPebble({ httpPort, dnsServer: bind.server });
    scratch = await mkdtemp(join(tmpdir(), 'muster-boot-acme-'));
    root = join(scratch, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
    config = join(scratch, 'muster.yaml');
    await writeFile(
      config,
      `${threeMastersConfig(root, prefix)}boot: { steps: [guard, hostname, dns, pki] }
dns:
  zone: ${ZONE}
  owner_id: cluster-a
  records: { node: true }
  provider: { type: rfc2136, server: '${bind.server}', tsig: { name: ${bind.key.name}, algorithm: hmac-sha256, secret_file: ${bind.key.file} } }
pki:
  issuer:
    type: acme
    directory: ${pebble.directory}
    ca_bundle: ${pebble.listenerCaFile}
    root_ca_file: ${pebble.rootFile}
    challenge: { type: http-01, port: ${httpPort}, address: ${nodeIp} }
    timeout: 30s
  timeout: 30s
`,
    );
  });
  after(async () => {
    await pebble?.stop();
    await bind?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const certs = (): string => join(root, 'etc/ssl/node_certs');
  const trustDir = (): string => join(root, 'usr/local/share/ca-certificates');
  /** Every file the certificates and trust live in, with its bytes: what a second boot must leave alone. */
  const snapshot = async (): Promise<Map<string, string>> => {
    const files = new Map<string, string>();
    for (const dir of [certs(), trustDir(), join(root, 'etc/ssl/certs')]) {
      for (const name of (await readdir(dir)).sort()) files.set(join(dir, name), await readFile(join(dir, name), 'utf8'));
    }
    return files;
  };
  let first: Map<string, string>;

  it('registers the node in BIND, then gets from Pebble a certificate for its FQDN and IP that verifies against Pebble\'s root, a 0600 key, and the CA trusted under root', async () => {
    const result = await muster(config, ['boot']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

    // The dns step registered the A record Pebble resolved the FQDN with (its only DNS server is this BIND).
    const a = await bind.dig(['+short', '-y', `hmac-sha256:${bind.key.name}:${bind.key.secret}`, `${fqdn}.`, 'A']);
    assert.deepEqual(a.trim().split('\n').filter(Boolean), [nodeIp]);
    assert.match(result.stdout, /\npki:\n {2}node: issue: .*no certificate/);

    // node.pem is the leaf, then Pebble's intermediate; split it to check each part with openssl.
    const nodePem = await readFile(join(certs(), 'node.pem'), 'utf8');
    const blocks = nodePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
    assert.equal(blocks.length, 2, `node.pem should hold the leaf and one intermediate:\n${nodePem}`);
    assert.equal(nodePem, blocks.join(''), 'node.pem holds nothing but the certificates');
    const [leafPem = '', ...chain] = blocks;
    assert.deepEqual(chain, [`${pebble.intermediatePem.trim()}\n`], 'the chain in node.pem is Pebble\'s intermediate');
    const leaf = join(scratch, 'leaf.pem');
    const chainFile = join(scratch, 'chain.pem');
    const pebbleRoot = join(scratch, 'pebble-root.pem');
    await writeFile(leaf, leafPem);
    await writeFile(chainFile, chain.join(''));
    await writeFile(pebbleRoot, pebble.rootPem); // as fetched from Pebble's management API (/roots/0)
    const verify = await openssl(['verify', '-purpose', 'sslserver', '-CAfile', pebbleRoot, '-untrusted', chainFile, leaf]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.equal(verify.stdout.trim(), `${leaf}: OK`);

    // The node's FQDN and IP, and nothing else: an ACME CA cannot validate the bare hostname master-11.
    assert.deepEqual(await opensslSans(leaf), [`DNS:${fqdn}`, `IP Address:${nodeIp}`].sort());

    // The key was made on the node, is 0600, and is the certificate's.
    const keyFile = join(certs(), 'node-key.pem');
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    const keyPublic = await openssl(['pkey', '-in', keyFile, '-pubout']);
    const certPublic = await openssl(['x509', '-in', leaf, '-noout', '-pubkey']);
    assert.equal(keyPublic.code, 0, keyPublic.stderr);
    assert.equal(certPublic.code, 0, certPublic.stderr);
    assert.equal(keyPublic.stdout, certPublic.stdout, 'node-key.pem is the key of node.pem');
    assert.equal((await stat(join(root, 'etc/muster/acme-account-key.pem'))).mode & 0o777, 0o600, 'the ACME account key is 0600 too');

    // ca.pem is Pebble's root, not the listener certificate muster trusted for TLS.
    assert.equal(await readFile(join(certs(), 'ca.pem'), 'utf8'), pebble.rootPem);
    assert.notEqual(pebble.rootPem, await readFile(pebble.listenerCaFile, 'utf8'));

    // Trusted the Debian way under root: a .crt in /usr/local/share/ca-certificates (the only
    // kind update-ca-certificates picks up). The update command would change the test machine's
    // own store, so with root other than / muster says so instead of running it.
    const anchors = await readdir(trustDir());
    assert.equal(anchors.length, 1, `one CA in ${trustDir()}: ${anchors.join(', ')}`);
    const [anchor = ''] = anchors;
    assert.match(anchor, /^pebble-root-ca-[0-9a-f]+\.crt$/);
    assert.equal(await readFile(join(trustDir(), anchor), 'utf8'), pebble.rootPem);
    assert.ok(result.stdout.includes(`  wrote ${join(trustDir(), anchor)}\n`), result.stdout);
    assert.ok(result.stdout.includes(`  skipped update-ca-certificates: root is ${root}; run it on that system\n`), result.stdout);
    // NodeReg's ca_path gets it too, as <common name>.pem.
    assert.equal(await readFile(join(root, 'etc/ssl/certs', anchor.replace(/\.crt$/, '.pem')), 'utf8'), pebble.rootPem);
    first = await snapshot();
  });

  it('changes nothing on a second boot: the certificate is kept, no file is written', async () => {
    assert.ok(first, 'the first boot ran');
    const result = await muster(config, ['boot']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stdout, /issued|wrote/);
    assert.match(result.stdout, /\ndns:\n {2}no changes\n/);
    assert.ok(result.stdout.includes(`\npki:\n  node: keep (DNS:${fqdn}, IP:${nodeIp})\n  nothing to change\n`), result.stdout);
    assert.deepEqual(await snapshot(), first);
  });
});

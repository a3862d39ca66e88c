import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { startBind9, type Bind9 } from '../support/bind9.js';
import { startStaticEtcd, type RunningEtcd } from '../support/etcd-process.js';
import { etcdctl, waitFor } from '../support/etcdctl.js';
import { musterCli, threeMastersConfig } from '../support/boot-node.js';
import { loopbackPrefix } from '../support/loopback.js';

const ZONE = 'k8s.muster.test.';

/** A static 3-node group on loopback addresses where no etcd runs, so the etcd step decides "new" at once. */
function nodeConfig(root: string, prefix: string, dnsProvider: string, extra = ''): string {
  return `${threeMastersConfig(root, prefix)}dns:
  zone: ${ZONE}
  owner_id: cluster-a
  records: { node: true, members: etcd, etcd_srv: true }
  provider: ${dnsProvider}
etcd: { timeout: 20s, probe_timeout: 1s, drop_in_file: null }
${extra}`;
}

const muster = musterCli;

async function newRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'muster-boot-'));
}

describe('muster boot on a static 3-node config', { concurrency: false }, () => {
  describe('with rfc2136 on a real BIND 9 over TSIG', { concurrency: false }, () => {
    let bind: Bind9;
    let root: string;
    let config: string;
    let prefix: string;
    before(async () => {
      bind = await startBind9({ zone: ZONE });
      root = await newRoot();
      prefix = loopbackPrefix();
      config = join(root, 'muster.yaml');
      await writeFile(config, nodeConfig(root, prefix, `{ type: rfc2136, server: '${bind.server}', tsig: { name: ${bind.key.name}, algorithm: hmac-sha256, secret_file: ${bind.key.file} } }`));
      await bind.nsupdate(['update add foreign.k8s.muster.test. 300 A 192.0.2.7', 'send']);
    });
    after(async () => {
      await bind.stop();
      await rm(root, { recursive: true, force: true });
    });

    const dig = async (name: string, type: string): Promise<string[]> =>
      (await bind.dig(['+short', '-y', `hmac-sha256:${bind.key.name}:${bind.key.secret}`, name, type])).trim().split('\n').filter(Boolean).sort();

    it('--dry-run prints the whole plan and changes nothing', async () => {
      const result = await muster(config, ['boot', '--dry-run']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /\[dry run\] hostname:\n {2}hostname master-11 \(master-11\.k8s\.muster\.test\)\n {2}would write .*etc\/hostname/);
      assert.match(result.stdout, /would create master-12\.k8s\.muster\.test\. A 60/);
      assert.match(result.stdout, /would create _etcd-server\._tcp\.k8s\.muster\.test\. SRV/);
      assert.match(result.stdout, /\[dry run\] etcd:\n {2}create/);
      assert.deepEqual(await dig(`master-11.${ZONE}`, 'A'), []);
      assert.deepEqual((await readdir(root)).sort(), ['muster.yaml']);
    });

    it('registers every node, the members name and the SRV records, leaving a foreign record alone', async () => {
      const result = await muster(config, ['boot']);
      assert.equal(result.code, 0, result.stderr);
      for (const n of [11, 12, 13]) assert.deepEqual(await dig(`master-${n}.${ZONE}`, 'A'), [`${prefix}.${n}`]);
      assert.deepEqual(await dig(`etcd.${ZONE}`, 'A'), [11, 12, 13].map((n) => `${prefix}.${n}`).sort());
      assert.deepEqual(await dig(`_etcd-server._tcp.${ZONE}`, 'SRV'), [11, 12, 13].map((n) => `0 0 2380 master-${n}.${ZONE}`));
      assert.deepEqual(await dig(`_etcd-client._tcp.${ZONE}`, 'SRV'), [11, 12, 13].map((n) => `0 0 2379 master-${n}.${ZONE}`));
      assert.deepEqual(await dig(`_muster-owner.a.master-11.${ZONE}`, 'TXT'), [`"heritage=muster,muster/owner=cluster-a,muster/record=A/master-11.${ZONE}"`]);
      assert.deepEqual(await dig(`foreign.${ZONE}`, 'A'), ['192.0.2.7']);
      assert.equal(await readFile(join(root, 'etc/hostname'), 'utf8'), 'master-11\n');
      assert.match(await readFile(join(root, 'run/muster/etcd.env'), 'utf8'), /^ETCD_INITIAL_CLUSTER_STATE=new$/m);
    });

    it('changes nothing on a second run: same zone serial, no file written', async () => {
      const serial = async (): Promise<string> => (await dig(ZONE, 'SOA'))[0]?.split(' ')[2] ?? '';
      const before = await serial();
      const result = await muster(config, ['boot']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /dns:\n {2}no changes\n/);
      assert.match(result.stdout, /hostname:\n {2}hostname master-11 \(master-11\.k8s\.muster\.test\)\n {2}nothing to change/);
      assert.doesNotMatch(result.stdout, /wrote /);
      assert.equal(await serial(), before);
    });

    it('leaves a record it does not own alone and reports the conflict', async () => {
      await bind.nsupdate(['update add etcd2.k8s.muster.test. 300 A 192.0.2.8', 'send']);
      const conflicting = join(root, 'conflict.yaml');
      await writeFile(conflicting, (await readFile(config, 'utf8')).replace('members: etcd', 'members: etcd2'));
      const result = await muster(conflicting, ['boot', '--dry-run']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^ {2}conflict etcd2\.k8s\.muster\.test\.\s+A: exists without a muster ownership record/m);
      await muster(conflicting, ['boot']);
      assert.deepEqual(await dig(`etcd2.${ZONE}`, 'A'), ['192.0.2.8']);
    });
  });

  it('registers the same records through coredns-etcd (SkyDNS keys in a real etcd) and a second run changes nothing', async () => {
    const etcd: RunningEtcd = await startStaticEtcd({ prefix: loopbackPrefix(), size: 1 });
    const root = await newRoot();
    const prefix = loopbackPrefix();
    try {
      await waitFor('etcd', async () => (await etcdctl(etcd.endpoints, ['endpoint', 'health'])).code === 0, 20_000);
      const config = join(root, 'muster.yaml');
      await writeFile(config, nodeConfig(root, prefix, `{ type: coredns-etcd, endpoints: ['${etcd.members[0]!.clientUrl}'] }`));
      assert.equal((await muster(config, ['boot'])).code, 0);
      const keys = await etcdctl(etcd.endpoints, ['get', '--prefix', '/skydns/test/muster/k8s/master-12/']);
      assert.match(keys.stdout, new RegExp(`\\{"host":"${prefix.replace(/\./g, '\\.')}\\.12","ttl":60\\}`));
      const revision = async (): Promise<string> => /"revision":(\d+)/.exec((await etcdctl(etcd.endpoints, ['endpoint', 'status', '-w', 'json'])).stdout)?.[1] ?? '';
      const before = await revision();
      const again = await muster(config, ['boot']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /dns:\n {2}no changes\n/);
      assert.equal(await revision(), before, 'no etcd write on the second run');
    } finally {
      await etcd.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('registers the same records in a zone file that BIND accepts, and a second run changes nothing', async () => {
    const root = await newRoot();
    const prefix = loopbackPrefix();
    try {
      const config = join(root, 'muster.yaml');
      await writeFile(config, nodeConfig(root, prefix, '{ type: zone-file, path: /var/lib/muster/k8s.zone }'));
      assert.equal((await muster(config, ['boot'])).code, 0);
      const zoneFile = join(root, 'var/lib/muster/k8s.zone');
      const text = await readFile(zoneFile, 'utf8');
      assert.match(text, new RegExp(`^master-13\\s+60\\s+IN\\s+A\\s+${prefix.replace(/\./g, '\\.')}\\.13$`, 'm'));
      const check = await runProgram('named-checkzone', [ZONE, zoneFile]);
      assert.equal(check.code, 0, check.stdout);
      assert.equal((await muster(config, ['boot'])).code, 0);
      assert.equal(await readFile(zoneFile, 'utf8'), text);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('muster boot with certificates from a local CA', () => {
  it('makes the key on the node (0600), gets a certificate for the FQDN and IP that verifies against the CA, trusts the CA, and changes nothing the second time', async () => {
    const root = await newRoot();
    const prefix = loopbackPrefix();
    try {
      const { command, args } = musterInvocation();
      const caDir = join(root, 'ca');
      const init = await runProgram(command, [...args, 'ca', 'init', '--dir', caDir, '--name', 'muster test CA']);
      assert.equal(init.code, 0, init.stderr);
      const config = join(root, 'muster.yaml');
      await writeFile(
        config,
        nodeConfig(root, prefix, '{ type: zone-file, path: /var/lib/muster/k8s.zone }', `pki:
  issuer: { type: local-ca, ca_cert_file: ${caDir}/ca.pem, ca_key_file: ${caDir}/ca-key.pem }
`),
      );
      const first = await muster(config, ['boot']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /pki:\n(.*\n)*.*(issued|wrote)/);
      const certs = join(root, 'etc/ssl/node_certs');
      const verify = await runProgram('openssl', ['verify', '-CAfile', join(caDir, 'ca.pem'), join(certs, 'node.pem')]);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      const sans = await runProgram('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', join(certs, 'node.pem')]);
      assert.match(sans.stdout, /DNS:master-11\.k8s\.muster\.test/);
      assert.match(sans.stdout, new RegExp(`IP Address:${prefix.replace(/\./g, '\\.')}\\.11`));
      const { stat } = await import('node:fs/promises');
      assert.equal((await stat(join(certs, 'node-key.pem'))).mode & 0o777, 0o600);
      const second = await muster(config, ['boot']);
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stdout, /issued|wrote/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('muster boot on an image-building instance', () => {
  const buildConfig = (root: string, prefix: string, onBuild: string): string => `root: ${root}
platform:
  type: static
  self: builder
  peers: [{ name: builder, ip: ${prefix}.1, tags: { is_ami_build: 'true', Role: master } }]
base: { on_build: ${onBuild} }
hostname: {}
`;

  it('exits at the guard with on_build: exit, and writes nothing', async () => {
    const root = await newRoot();
    try {
      await writeFile(join(root, 'muster.yaml'), buildConfig(root, loopbackPrefix(), 'exit'));
      const result = await muster(join(root, 'muster.yaml'), ['boot']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /tag is_ami_build=true: this instance builds an image/);
      assert.doesNotMatch(result.stdout, /hostname:/);
      assert.deepEqual(await readdir(root), ['muster.yaml']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('blocks with on_build: block until it is stopped, so later units never start', async () => {
    const root = await newRoot();
    try {
      await writeFile(join(root, 'muster.yaml'), buildConfig(root, loopbackPrefix(), 'block'));
      const { command, args } = musterInvocation();
      const child = spawn(command, [...args, '--config', join(root, 'muster.yaml'), '--log-level', 'error', 'boot'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const early = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 2000))]);
      assert.equal(early, 'still running');
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.deepEqual(await readdir(root), ['muster.yaml']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseEnvFile } from '../../src/etcd/env.js';
import { sandboxDown, sandboxUp } from '../../src/local/sandbox.js';
import { musterCli } from '../support/boot-node.js';
import { stopProcesses } from '../support/etcd-process.js';
import { etcdctl, waitFor } from '../support/etcdctl.js';
import { freePort, loopbackPrefix } from '../support/loopback.js';

/**
 * A worker in front of a 3-member cluster formed by muster: `muster etcd` writes the proxy's
 * arguments from the member list, the test runs `etcd <args>` as the shipped unit does, and
 * etcdctl reads and writes through the worker's local address.
 */
describe('workers: etcd gateway and grpc-proxy in front of the members', { concurrency: false }, () => {
  const dirs: string[] = [];
  const proxies: ChildProcess[] = [];
  after(async () => {
    await stopProcesses(proxies);
    for (const dir of dirs) {
      await sandboxDown({ dir }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  async function worker(mode: 'gateway' | 'grpc-proxy', tls: boolean): Promise<{ listen: string; tlsFiles?: { cacert: string; cert: string; key: string } }> {
    const dir = await mkdtemp(join(tmpdir(), `muster-proxy-${mode}-`));
    dirs.push(dir);
    const view = await sandboxUp({ dir: join(dir, 'cluster'), ipPrefix: loopbackPrefix(), nodes: 3, tls });
    const ip = `${loopbackPrefix()}.50`;
    const listen = `${ip}:${await freePort(ip)}`;
    const [first] = view.nodes;
    assert.ok(first);
    const files = view.etcdctlTls;
    const root = join(dir, 'worker');
    // Over TLS the worker's pki step gets a client certificate without a CN from the cluster's CA
    // (grpc-proxy refuses one with a CN), and the proxy presents it to the members.
    const ca = join(dir, 'cluster', 'ca');
    const pki = tls
      ? `pki:\n  issuer: { type: local-ca, ca_cert_file: ${ca}/ca.pem, ca_key_file: ${ca}/ca-key.pem }\n  extra: [{ name: etcd-proxy, usages: [client], common_name: '' }]\n`
      : '';
    const etcdTls = tls ? '  tls: { certificate: etcd-proxy }\n' : '';
    const config = join(dir, 'worker.yaml');
    const argsFile = '/run/muster/etcd-proxy.env';
    await writeFile(
      config,
      `root: ${root}\nplatform: { type: static, self: w1, peers: [{ name: w1, ip: ${ip} }] }\nboot: { steps: [pki, etcd] }\n${pki}etcd:\n  mode: ${mode}\n  proxy: { endpoints: [${first.client_url}], listen: '${listen}' }\n  env_file: null\n  drop_in_file: null\n${etcdTls}`,
    );
    const result = await musterCli(config, ['boot']);
    assert.equal(result.code, 0, result.stderr);
    const again = await musterCli(config, ['etcd']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^${mode}: cluster [0-9a-f]+ via `, 'm'));
    assert.match(again.stdout, /nothing to change/, 'the arguments are the same at the next boot');
    const args = parseEnvFile(await readFile(join(root, argsFile), 'utf8'))['MUSTER_ETCD_PROXY_ARGS'] ?? '';
    // Every started voter, not only the endpoint asked.
    assert.equal(args.split('--endpoints=')[1]?.split(' ')[0]?.split(',').length, 3, args);
    // As contrib/systemd/muster-etcd-proxy.service runs it: etcd $MUSTER_ETCD_PROXY_ARGS.
    // The certificate paths are the node's; this node's root is a directory here.
    proxies.push(spawn('etcd', args.split(' ').map((arg) => arg.replace(/^(--(?:cert|key|cacert)=)/, `$1${root}`)), { stdio: 'ignore' }));
    return { listen, ...(files ? { tlsFiles: files } : {}) };
  }

  const readsAndWrites = async (endpoint: string, tls?: { cacert: string; cert: string; key: string }): Promise<void> => {
    await waitFor(`etcdctl through ${endpoint}`, async () => (await etcdctl(endpoint, ['put', 'through-proxy', endpoint], tls)).code === 0, 20_000);
    const got = await etcdctl(endpoint, ['get', 'through-proxy', '--print-value-only'], tls);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim(), endpoint);
  };

  it('gateway (plain http): etcdctl on the worker\'s address reads and writes the members\' data', async () => {
    const { listen } = await worker('gateway', false);
    await readsAndWrites(`http://${listen}`);
  });

  it('grpc-proxy in front of members over TLS with client-cert auth: it presents a client certificate without a CN from pki (grpc-proxy refuses one with a CN), local clients speak plain gRPC', async () => {
    const { listen } = await worker('grpc-proxy', true);
    await readsAndWrites(`http://${listen}`);
  });

  it('refuses gateway mode without proxy endpoints', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-proxy-config-'));
    dirs.push(dir);
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'platform: { type: static, self: w1, peers: [{ name: w1, ip: 10.0.0.50 }] }\netcd: { mode: gateway }\n');
    const result = await musterCli(config, ['config', 'check']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /etcd\.proxy → etcd\.mode gateway needs etcd\.proxy\.endpoints/);
  });
});

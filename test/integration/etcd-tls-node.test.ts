import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runProgram, waitForExit } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import { clusterHealthy, etcdctl, waitFor } from '../support/etcdctl.js';
import { freePort, loopbackPrefix } from '../support/loopback.js';

/** POST to etcd's JSON gateway (/v3/…), which etcd serves by dialling its own TLS listener. */
function gatewayPost(url: string, body: object, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ...tls, agent: false, timeout: 5000 }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The serial number of the certificate a TLS server presents on a new connection. */
function servedSerial(host: string, port: number, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...tls }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/**
 * A real node's etcd with muster's defaults: pki present, so https on both ports with client
 * certificates required, and clients also served on 127.0.0.1 (etcd.listen_localhost). etcd is
 * started by `muster boot --exec-etcd` with exactly the environment muster wrote.
 */
describe('a node whose etcd runs over TLS with muster\'s defaults', () => {
  it('serves its node address and 127.0.0.1 over https to holders of a cluster certificate only, and picks up a renewed certificate without a restart', async () => {
    const root = await mkdtemp(join(tmpdir(), 'muster-etcd-tls-'));
    const prefix = loopbackPrefix();
    const ip = `${prefix}.11`;
    // 127.0.0.1 is shared by every test: ports nothing else uses.
    const [clientPort, peerPort] = [await freePort(), await freePort(ip)];
    const { command, args } = musterInvocation();
    const config = join(root, 'muster.yaml');
    let child: ReturnType<typeof spawn> | undefined;
    try {
      const init = await runProgram(command, [...args, 'ca', 'init', '--dir', join(root, 'ca')]);
      assert.equal(init.code, 0, init.stderr);
      await writeFile(
        config,
        `root: ${root}
platform: { type: static, self: node-1, peers: [{ name: node-1, ip: ${ip} }] }
pki:
  issuer: { type: local-ca, ca_cert_file: ${root}/ca/ca.pem, ca_key_file: ${root}/ca/ca-key.pem }
  extra_sans: [127.0.0.1]
  trust: false
etcd: { client_port: ${clientPort}, peer_port: ${peerPort}, drop_in_file: null, timeout: 20s }
`,
      );
      child = spawn(command, [...args, '--config', config, '--log-level', 'warn', 'boot', '--exec-etcd'], { stdio: 'ignore', detached: true });
      const certs = join(root, 'etc/ssl/node_certs');
      const nodeTls = { cacert: join(certs, 'ca.pem'), cert: join(certs, 'node.pem'), key: join(certs, 'node-key.pem') };
      const nodeUrl = `https://${ip}:${clientPort}`;
      const localUrl = `https://127.0.0.1:${clientPort}`;
      await waitFor('etcd healthy on the node address over TLS', () => clusterHealthy(nodeUrl, nodeTls), 30_000);

      const env = await readFile(join(root, 'run/muster/etcd.env'), 'utf8');
      assert.match(env, new RegExp(`^ETCD_LISTEN_CLIENT_URLS=${nodeUrl},${localUrl}$`, 'm'));
      assert.match(env, /^ETCD_CLIENT_CERT_AUTH=true$/m);

      assert.ok(await clusterHealthy(localUrl, nodeTls), 'etcdctl on 127.0.0.1 with the node certificate');
      const put = await etcdctl(localUrl, ['put', 'greeting', 'hello'], nodeTls);
      assert.equal(put.code, 0, put.stderr);
      // The JSON gateway works over TLS on both listeners (etcd dials itself for it).
      const material = { ca: await readFile(nodeTls.cacert), cert: await readFile(nodeTls.cert), key: await readFile(nodeTls.key) };
      for (const url of [nodeUrl, localUrl]) {
        const range = await gatewayPost(`${url}/v3/kv/range`, { key: Buffer.from('greeting').toString('base64') }, material);
        assert.equal(range.status, 200, range.body);
        assert.match(range.body, new RegExp(Buffer.from('hello').toString('base64')));
      }
      // Without a client certificate nothing is answered.
      const anonymous = await etcdctl(localUrl, ['get', 'greeting', '--dial-timeout', '1s', '--command-timeout', '1s'], undefined);
      assert.notEqual(anonymous.code, 0);

      // A renewal needs no restart: etcd reads its certificate again for every new connection.
      const before = await servedSerial(ip, clientPort, material);
      const renew = await runProgram(command, [...args, '--config', config, '--log-level', 'error', 'certs', 'renew', '--force']);
      assert.equal(renew.code, 0, renew.stderr);
      const after = await servedSerial(ip, clientPort, material);
      assert.notEqual(after, before, 'etcd serves the renewed certificate');
      assert.equal(after, new X509Certificate(await readFile(nodeTls.cert)).serialNumber);
      assert.ok(await clusterHealthy(nodeUrl, nodeTls), 'still healthy with the renewed certificate');
    } finally {
      if (child?.pid !== undefined) {
        process.kill(-child.pid, 'SIGTERM');
        await waitForExit(child.pid, 15_000);
      }
      await rm(root, { recursive: true, force: true });
    }
  });
});

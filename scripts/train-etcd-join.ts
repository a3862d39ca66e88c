// Run by scripts/build.mjs after train-code-cache.ts, when an etcd binary is on PATH: trains the
// etcd client's code cache (vendor/etcd3.js) on a join. train-code-cache.ts only loads that bundle,
// so a join would otherwise compile, at every boot, everything the client runs: gRPC's channels,
// calls and HTTP/2 transport, etcd3's pool and policies, the codecs (~50 ms of CPU per join on a
// 2-core machine). Here a one-member etcd is started on loopback and `muster etcd` joins it as a
// learner, as a replacement node's first boot does; then only vendor/etcd3.js's cache is written
// (cli.js keeps the cache of the typical first boot). Nothing else is changed: the etcd, its data
// and the config go with the temporary directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBundle, writeCodeCaches } from '../src/launch/bundle-loader.js';

const dist = resolve(process.argv[2] ?? 'dist');
const dir = mkdtempSync(join(tmpdir(), 'muster-train-join-'));

/** Two ports free on 127.0.0.1 just now (the kernel's pick), for etcd's client and peer URLs. */
async function freePorts(): Promise<[number, number]> {
  const servers = [createServer(), createServer()];
  const ports = await Promise.all(servers.map((server) => new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)))));
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return [ports[0] ?? 0, ports[1] ?? 0];
}

async function waitForHealth(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const answer = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the training etcd at ${url} did not become healthy`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

const [clientPort, peerPort] = await freePorts();
const member = { client: `http://127.0.0.1:${clientPort}`, peer: `http://127.0.0.1:${peerPort}` };
const etcd = spawn(
  'etcd',
  ['--name', 'n1', '--data-dir', join(dir, 'etcd'), '--listen-client-urls', member.client, '--advertise-client-urls', member.client,
    '--listen-peer-urls', member.peer, '--initial-advertise-peer-urls', member.peer, '--initial-cluster', `n1=${member.peer}`],
  { stdio: 'ignore' },
);
etcd.unref(); // the process ends when the join does; the exit handler stops etcd
process.on('exit', (code) => {
  etcd.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) process.stderr.write(`muster build: the training join exited ${code}; the etcd client's code cache holds only what ran before\n`);
  writeCodeCaches();
  process.exitCode = 0;
});
await waitForHealth(member.client, Date.now() + 20_000);

// This node (n2, 127.0.0.2: the same ports as n1, another loopback address) finds n1 running.
const config = join(dir, 'muster.yaml');
writeFileSync(
  config,
  `root: ${dir}\nplatform:\n  type: static\n  self: n2\n  peers:\n    - { name: n1, ip: 127.0.0.1 }\n    - { name: n2, ip: 127.0.0.2 }\netcd:\n  client_port: ${clientPort}\n  peer_port: ${peerPort}\n  timeout: 20s\n`,
);
// tsx turns source maps on, which would load the bundles through Node's own loader (no cache).
process.setSourceMapsEnabled(false);
process.env['MUSTER_LOG_LEVEL'] = 'error';
process.argv = [process.argv[0] ?? process.execPath, join(dist, 'cli.js'), '--config', config, 'etcd'];
loadBundle(join(dist, 'cli.js'));

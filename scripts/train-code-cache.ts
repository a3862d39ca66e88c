// Run by scripts/build.mjs: makes dist/'s V8 code caches from training runs of the CLI bundle, one
// process per workload, in order. Each process loads the bundles with the caches the one before
// wrote, runs its workload, loads every vendor bundle (its module set-up), and writes every cache
// again: with what was compiled before (deserialized from the cache) and what this workload added.
// A cache holds only code for exactly that source and this Node.js; any other muster or Node.js
// compiles as before. Without a workload's function in the cache, a boot compiles it as it runs.
//   dry-run    `muster etcd --dry-run` on a static group whose peers refuse (config, discovery,
//              probes, the decision, the plan): what `muster etcd` and every boot start with.
//   boot       (after `muster ca init` for its CA, in a run of its own)
//              `muster boot` with its default steps and a pki section (local-ca): a TLS node's first
//              boot (guard, dns to a zone file, a key and certificate, etcd create), as the sandbox's.
//   etcd-join  `muster etcd` joining a one-member etcd started on loopback as a learner: the etcd
//              client's calls (gRPC, HTTP/2, the codecs). Only where etcd is on PATH (bundles.mjs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle, loadedBundles, writeCodeCaches } from '../src/launch/bundle-loader.js';
import { startStaticEtcd, type RunningEtcd } from '../test/support/etcd-process.js';
import { waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';

// The directory of the bundles: dist/, or the single executable's dist/sea/app/.
const dist = resolve(process.argv[2] ?? 'dist');
const workload = process.argv[3] ?? 'dry-run';
const dir = mkdtempSync(join(tmpdir(), `muster-train-${workload}-`));
let etcd: RunningEtcd | undefined;

// Ports nothing listens on (discard, and the one above it): every peer refuses. Where 127.0.0.2
// and .3 are not loopback (macOS), the probes fail instead and the run gives up after a few
// seconds; the cache then holds a little less.
const refusingGroup = `platform:\n  type: static\n  self: n1\n  peers:\n${[1, 2, 3].map((i) => `    - { name: n${i}, ip: 127.0.0.${i} }`).join('\n')}\n`;

async function prepare(): Promise<string[]> {
  const config = join(dir, 'muster.yaml');
  switch (workload) {
    case 'dry-run':
      writeFileSync(config, `root: ${dir}\n${refusingGroup}etcd:\n  client_port: 9\n  peer_port: 10\n  timeout: 5s\n`);
      return ['--config', config, 'etcd', '--dry-run'];
    case 'boot': {
      // The CA an operator makes once: `muster ca init` in a training run of its own, before this
      // one loads the bundles (so it starts from that run's caches).
      execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dist, 'ca-init', join(dir, 'ca')], { stdio: ['ignore', 'ignore', 'inherit'] });
      const pki = `pki:\n  issuer: { type: local-ca, ca_cert_file: ${dir}/ca/ca.pem, ca_key_file: ${dir}/ca/ca-key.pem }\n  trust: false\n  ca_path: null\n`;
      writeFileSync(config, `root: ${join(dir, 'root')}\n${refusingGroup}dns: { zone: training.muster., provider: { type: zone-file, path: /var/lib/muster/training.zone } }\n${pki}etcd:\n  client_port: 9\n  peer_port: 10\n  timeout: 5s\n`);
      return ['--config', config, 'boot'];
    }
    case 'ca-init':
      return ['ca', 'init', '--dir', process.argv[4] ?? join(dir, 'ca'), '--name', 'muster training CA'];
    case 'etcd-join': {
      // A one-member etcd on a fresh loopback /24 (as the tests use), so the default ports are free.
      const prefix = loopbackPrefix();
      etcd = await startStaticEtcd({ prefix, size: 1 });
      for (const member of etcd.processes) member.unref(); // the run ends when the join does; the exit handler stops etcd
      const client = etcd.endpoints;
      await waitFor(`the training etcd at ${client}`, async () => (await fetch(`${client}/health`, { signal: AbortSignal.timeout(500) })).ok, 20_000);
      // This node (n2, the next address) finds n1 running.
      writeFileSync(config, `root: ${dir}\nplatform:\n  type: static\n  self: n2\n  peers:\n    - { name: n1, ip: ${prefix}.1 }\n    - { name: n2, ip: ${prefix}.2 }\netcd:\n  timeout: 20s\n`);
      return ['--config', config, 'etcd'];
    }
    default:
      throw new Error(`scripts/train-code-cache.ts: no workload ${workload}`);
  }
}

process.on('exit', (code) => {
  for (const member of etcd?.processes ?? []) member.kill('SIGKILL');
  if (etcd) rmSync(etcd.dir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) process.stderr.write(`muster build: the training run (${workload}) exited ${code}; its code caches hold only what ran before\n`);
  for (const name of readdirSync(join(dist, 'vendor'))) if (name.endsWith('.js')) loadBundle(join(dist, 'vendor', name));
  const written = writeCodeCaches();
  if (written.length !== loadedBundles().length) process.stderr.write('muster build: no code cache written (node:zlib has no crc32 before Node.js 20.15)\n');
  process.exitCode = 0;
});

const args = await prepare();
// tsx turns source maps on, which would load the bundles through Node's own loader (no cache).
process.setSourceMapsEnabled(false);
process.env['MUSTER_LOG_LEVEL'] = 'error';
process.argv = [process.argv[0] ?? process.execPath, join(dist, 'cli.js'), ...args];
loadBundle(join(dist, 'cli.js'));

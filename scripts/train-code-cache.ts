// Run by scripts/build.mjs: makes dist/'s V8 code caches from a training boot. The CLI bundle
// runs a typical first boot, `muster etcd --dry-run` on a static group whose peers refuse
// (config, discovery, probes, the decision, the plan); each vendor bundle is loaded (its module
// set-up run). Then every bundle's cache is written with what V8 compiled. A cache holds only code
// for exactly that source and this Node.js; any other muster or Node.js compiles as before.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBundle, loadedBundles, writeCodeCaches } from '../src/launch/bundle-loader.js';

// The directory of the bundles: dist/, or the single executable's dist/sea/app/.
const dist = resolve(process.argv[2] ?? 'dist');
const dir = mkdtempSync(join(tmpdir(), 'muster-train-'));
const config = join(dir, 'muster.yaml');
// Ports nothing listens on (discard, and the one above it): every peer refuses. Where 127.0.0.2
// and .3 are not loopback (macOS), the probes fail instead and the boot gives up after a few
// seconds; the cache then holds a little less.
writeFileSync(
  config,
  `root: ${dir}\nplatform:\n  type: static\n  self: n1\n  peers:\n${[1, 2, 3].map((i) => `    - { name: n${i}, ip: 127.0.0.${i} }`).join('\n')}\netcd:\n  client_port: 9\n  peer_port: 10\n  timeout: 5s\n`,
);

process.on('exit', (code) => {
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) process.stderr.write(`muster build: the training boot exited ${code}; its code cache holds only what ran before\n`);
  for (const name of readdirSync(join(dist, 'vendor'))) if (name.endsWith('.js')) loadBundle(join(dist, 'vendor', name));
  const written = writeCodeCaches();
  if (written.length !== loadedBundles().length) process.stderr.write('muster build: no code cache written (node:zlib has no crc32 before Node.js 20.15)\n');
  process.exitCode = 0;
});

// tsx turns source maps on, which would load the bundles through Node's own loader (no cache).
process.setSourceMapsEnabled(false);
process.env['MUSTER_LOG_LEVEL'] = 'error';
process.argv = [process.argv[0] ?? process.execPath, join(dist, 'cli.js'), '--config', config, 'etcd', '--dry-run'];
loadBundle(join(dist, 'cli.js'));

// `npm run dist`: muster as one Linux executable (Node's single executable applications): the
// whole CLI bundled into one CommonJS script (SEA runs only that on Node 20), its code cache,
// and this machine's `node` binary, with the blob injected by postject. Nothing is downloaded.
// Usage: node scripts/build-sea.mjs   → dist/muster-linux-x64
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildConstants } from './build-constants.mjs';
import { etcdProtosPlugin } from './etcd3-protos-plugin.mjs';

const require = createRequire(import.meta.url);
const work = 'dist/sea';
const output = 'dist/muster-linux-x64';
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: join(work, 'muster.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: true,
  define: buildConstants({ sea: true }),
  plugins: [etcdProtosPlugin],
  // ssh2's optional native addons are required in a try: without them it runs in pure JS.
  external: ['*.node'],
  // import.meta exists only in the ESM build; each use has a fallback for the executable.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});

writeFileSync(
  join(work, 'sea-config.json'),
  JSON.stringify({ main: join(work, 'muster.cjs'), output: join(work, 'muster.blob'), disableExperimentalSEAWarning: true, useCodeCache: true }),
);
execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
const staged = `${output}.tmp`;
copyFileSync(process.execPath, staged);
chmodSync(staged, 0o755);
// postject warns about ELF note sections it does not touch ("Can't find string offset"): shown only on failure.
const inject = spawnSync(process.execPath, [require.resolve('postject/dist/cli.js'), staged, 'NODE_SEA_BLOB', join(work, 'muster.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { encoding: 'utf8' });
if (inject.status !== 0) {
  process.stderr.write(`${inject.stdout}${inject.stderr}`);
  process.exit(inject.status ?? 1);
}
// Renamed into place whole, so a running copy is never half-written.
renameSync(staged, output);
console.error(`built ${output}`);

// `npm run dist`: muster as one Linux executable (Node's single executable applications): the
// CLI's bundles and their code caches as assets, a small loader as the main script (SEA runs one
// CommonJS script on Node 20), and this machine's `node` binary, with the blob injected by
// postject. Nothing is downloaded.
// Usage: node scripts/build-sea.mjs   → dist/muster-linux-x64
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { buildBundles, buildLoader, trainCodeCaches } from './bundles.mjs';

const require = createRequire(import.meta.url);
const work = 'dist/sea';
const app = join(work, 'app');
const output = 'dist/muster-linux-x64';
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// The same bundles as dist/ (scripts/bundles.mjs), with the AWS SDK among the vendors, their code
// caches trained by the node binary the executable is made of; the main script is the loader,
// which reads them from the executable's assets.
const written = await buildBundles({ outdir: app, sea: true });
trainCodeCaches(app);
await buildLoader('src/launch/sea-main.ts', join(work, 'main.cjs'));
const assets = {};
for (const path of written.filter((file) => file.endsWith('.js'))) {
  assets[relative(app, path)] = path;
  if (existsSync(`${path}.cache`)) assets[`${relative(app, path)}.cache`] = `${path}.cache`;
}
writeFileSync(
  join(work, 'sea-config.json'),
  JSON.stringify({ main: join(work, 'main.cjs'), output: join(work, 'muster.blob'), disableExperimentalSEAWarning: true, useCodeCache: false, assets }),
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

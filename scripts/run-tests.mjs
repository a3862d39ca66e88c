// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the files are listed here.
// Usage: npm test [-- <filter substrings>]   e.g. npm test -- config etcd/decide
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out = out.concat(find(path));
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap(find)
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Integration tests start muster itself as child processes (simulated nodes); they run the
// freshly compiled CLI rather than compiling the sources again in every child.
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// The single executable (dist/muster-linux-x64), built again only for the tests that run it
// (its smoke tests and the container images): ~6 s a run otherwise spent for nothing.
if (files.some((file) => /(distribution|images)\.test\.ts$/.test(file))) {
  const sea = spawnSync(process.execPath, ['scripts/build-sea.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (sea.status !== 0) process.exit(sea.status ?? 1);
}
const env = { ...process.env, MUSTER_CLI: join(process.cwd(), 'dist', 'main.js'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

const concurrency = process.env.MUSTER_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);

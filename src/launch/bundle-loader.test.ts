import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../core/process.js';

const loader = resolve('src/launch/bundle-loader.ts');

/** A fresh Node.js that loads `entry` through the loader, prints what it loaded, and (train) writes the caches. */
async function loadInChild(dir: string, entry: string, train: boolean): Promise<{ output: string; loaded: { file: string; cacheAccepted: boolean }[] }> {
  const script = join(dir, 'child.mts');
  await writeFile(
    script,
    `import { loadBundle, loadedBundles, writeCodeCaches } from ${JSON.stringify(loader)};
process.setSourceMapsEnabled(false);
const exports = loadBundle(${JSON.stringify(entry)});
console.log(JSON.stringify({ output: exports.describe(), loaded: loadedBundles().map((b) => ({ ...b, file: b.file.slice(${JSON.stringify(dir.length + 1)}) })) }));
if (${String(train)}) writeCodeCaches();
`,
  );
  const run = await runProgram(process.execPath, ['--import', 'tsx', script]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as { output: string; loaded: { file: string; cacheAccepted: boolean }[] };
}

describe('bundles run through the code-cache loader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-bundle-loader-'));
    await mkdir(join(dir, 'vendor'));
    await writeFile(join(dir, 'main.js'), `const lib = require('./vendor/lib.js'); const again = require('./vendor/lib.js');\nconst { basename } = require('node:path');\nexports.describe = () => [lib.greet('main'), basename(__filename), String(lib === again)].join(' ');\n`);
    await writeFile(join(dir, 'vendor', 'lib.js'), `exports.greet = (who) => 'hello ' + who;\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('compiles a bundle without a cache, requires its relative bundles once, and gives it CommonJS __filename and builtins', async () => {
    const { output, loaded } = await loadInChild(dir, join(dir, 'main.js'), true);
    assert.equal(output, 'hello main main.js true');
    assert.deepEqual(loaded, [
      { file: 'main.js', cacheAccepted: false },
      { file: 'vendor/lib.js', cacheAccepted: false },
    ]);
  });

  it('passes on what a bundle throws while it loads, and runs it afresh when it is required again', async () => {
    const script = join(dir, 'throws.mts');
    await writeFile(join(dir, 'vendor', 'flaky.js'), `globalThis.flakyRuns = (globalThis.flakyRuns ?? 0) + 1;\nif (globalThis.flakyRuns === 1) throw new Error('first run fails');\nexports.runs = globalThis.flakyRuns;\n`);
    await writeFile(
      script,
      `import { loadBundle } from ${JSON.stringify(loader)};
process.setSourceMapsEnabled(false);
const file = ${JSON.stringify(join(dir, 'vendor', 'flaky.js'))};
let first = 'no error';
try { loadBundle(file); } catch (error) { first = error.message; }
console.log(JSON.stringify({ first, second: loadBundle(file).runs }));
`,
    );
    const run = await runProgram(process.execPath, ['--import', 'tsx', script]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { first: 'first run fails', second: 2 });
  });

  it('uses the caches written by the first run', async () => {
    const { output, loaded } = await loadInChild(dir, join(dir, 'main.js'), false);
    assert.equal(output, 'hello main main.js true');
    assert.deepEqual(loaded.map((bundle) => bundle.cacheAccepted), [true, true]);
  });

  it('ignores the cache of a bundle changed since, even to the same length, and runs the new code', async () => {
    const lib = join(dir, 'vendor', 'lib.js');
    await writeFile(lib, (await readFile(lib, 'utf8')).replace('hello', 'howdy'));
    const { output, loaded } = await loadInChild(dir, join(dir, 'main.js'), false);
    assert.equal(output, 'howdy main main.js true');
    assert.deepEqual(loaded, [
      { file: 'main.js', cacheAccepted: true },
      { file: 'vendor/lib.js', cacheAccepted: false },
    ]);
  });
});

describe('the built CLI (dist/)', () => {
  const cli = process.env['MUSTER_CLI'] ?? resolve('dist/main.js');

  it('runs from the code cache the build trained', async () => {
    const run = await runProgram(process.execPath, [cli, 'version', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { code_cache?: string }).code_cache, 'used');
  });

  it('does not use the cache once cli.js is edited, even to the same length', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'muster-dist-copy-'));
    try {
      for (const name of ['main.js', 'cli.js.cache', 'package.json']) await copyFile(join(dirname(cli), name), join(copy, name));
      const source = await readFile(join(dirname(cli), 'cli.js'), 'utf8');
      assert.ok(source.includes('code cache '));
      await writeFile(join(copy, 'cli.js'), source.replace('code cache ', 'code-cache '));
      const run = await runProgram(process.execPath, [join(copy, 'main.js'), 'version']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /, code-cache not used\)$/m);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

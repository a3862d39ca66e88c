// Builds the CLI into dist/ as CommonJS bundles run with V8's code cache (src/launch/):
//   dist/main.js           the entry: loads cli.js through the code-cache loader
//   dist/cli.js            muster itself, with zod, yaml, commander and pino
//   dist/vendor/<pkg>.js   each large library a few commands use (etcd3 with gRPC, the Kubernetes
//                          client, acme-client, ssh2, @peculiar/x509, prom-client): one file each,
//                          loaded only when a command imports it
//   *.cache                V8's compiled code for each, made by a training boot (train-code-cache.ts)
// Why: an ES-module bundle split into ~50 chunks spent ~40 ms of every start resolving and linking
// them, and Node 20 keeps no compiled code for ES modules; one CommonJS file with a code cache
// arrives compiled. The AWS SDK stays external (node_modules); muster imports it lazily.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { buildConstants } from './build-constants.mjs';
import { etcdProtosPlugin } from './etcd3-protos-plugin.mjs';

/** The libraries built into their own file; muster's sources import each by its package name. */
const VENDORS = ['etcd3', '@kubernetes/client-node', 'acme-client', 'ssh2', '@peculiar/x509', 'prom-client'];
const vendorFile = (pkg) => `vendor/${pkg.replace(/^@/, '').replace(/\//g, '-')}.js`;
const vendorPattern = new RegExp(`^(${VENDORS.map((pkg) => pkg.replace(/[/.]/g, '\\$&')).join('|')})$`);

/** Imports of a vendored package become a require of its file (relative to the importing bundle's directory). */
const vendorsExternal = (fromDir, self = undefined) => ({
  name: 'muster-vendors-external',
  setup(builder) {
    builder.onResolve({ filter: vendorPattern }, (args) => {
      if (args.path === self) return undefined;
      const path = relative(fromDir, join('dist', vendorFile(args.path)));
      return { path: path.startsWith('.') ? path : `./${path}`, external: true };
    });
  },
});

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Whitespace and syntax only, as the single executable: names stay, so stack traces still read
  // (and map back with --enable-source-maps, which loads the bundles through Node's own loader).
  minifyWhitespace: true,
  minifySyntax: true,
  define: { ...buildConstants({ sea: false }), 'import.meta.url': 'importMetaUrl' },
  inject: ['scripts/import-meta-url-shim.js'],
  // ssh2's optional native addons (its crypto binding, cpu-features) are required in a try: left
  // out, ssh2 runs in its pure-JS form, as everywhere else muster runs.
  external: ['@aws-sdk/*', '*.node'],
  // Libraries that read import.meta for something other than their URL have a CommonJS fallback.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
  write: false,
};

// Every output is written whole and renamed into place, so that a muster starting during the build
// finds complete files (at worst a cache that no longer matches its bundle, which it ignores).
function writeOutputs(result) {
  for (const output of result.outputFiles) {
    mkdirSync(dirname(output.path), { recursive: true });
    const staged = `${output.path}.${process.pid}.tmp`;
    writeFileSync(staged, output.contents, { mode: 0o644 });
    renameSync(staged, output.path);
  }
  return result.outputFiles.map((output) => output.path);
}

/** muster's sources, tests left out: what the bundles are built from. */
const sources = readdirSync('src', { recursive: true })
  .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
  .map((path) => readFileSync(join('src', path), 'utf8'));

/**
 * A vendor bundle exports only what muster's sources import from the package, so that the rest of
 * it is left out as it would be from any bundle (the Kubernetes client: 5.6 MB whole, ~2 MB used).
 * A default or namespace import takes the whole package.
 */
function vendorEntry(pkg) {
  const names = new Set();
  const quoted = pkg.replace(/[/.]/g, '\\$&');
  for (const source of sources) {
    for (const [, clause] of source.matchAll(new RegExp(`^import\\s+(?!type\\s)([^;]*?)\\s+from\\s+'${quoted}';`, 'gms'))) {
      if (/^(\*|[A-Za-z_$][\w$]*\s*(,|$))/.test(clause)) return `module.exports = require(${JSON.stringify(pkg)});`;
      for (const part of (clause.match(/\{([^}]*)\}/)?.[1] ?? '').split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (name && !name.startsWith('type ')) names.add(name);
      }
    }
  }
  if (names.size === 0) throw new Error(`${pkg} is listed in VENDORS but no source imports it: take it off the list`);
  return `export { ${[...names].sort().join(', ')} } from ${JSON.stringify(pkg)};`;
}

const written = [];
for (const pkg of VENDORS) {
  const outfile = join('dist', vendorFile(pkg));
  const result = await build({
    ...common,
    stdin: { contents: vendorEntry(pkg), resolveDir: process.cwd(), sourcefile: `vendor:${pkg}` },
    outfile,
    // The vendored package itself is bundled here; the other vendors stay external (acme-client
    // uses the same @peculiar/x509 as muster: one copy).
    plugins: [etcdProtosPlugin, vendorsExternal(dirname(outfile), pkg)],
  });
  written.push(...writeOutputs(result));
}
// Imported rather than the entry itself, so that main.ts's hashbang stays out: the loader compiles
// the bundle inside a function, where `#!` is a syntax error.
written.push(
  ...writeOutputs(
    await build({ ...common, stdin: { contents: "import './main.ts';", resolveDir: 'src/cli', sourcefile: 'cli' }, outfile: 'dist/cli.js', plugins: [etcdProtosPlugin, vendorsExternal('dist')] }),
  ),
);
// The entry: no banner, no bundle around it; a hashbang so `./dist/main.js` runs.
written.push(...writeOutputs(await build({ ...common, entryPoints: ['src/launch/main.ts'], outfile: 'dist/main.js', sourcemap: false, define: {}, inject: [], banner: { js: '#!/usr/bin/env node' } })));
// The loader runs the bundles without a dynamic-import hook (src/launch/bundle-loader.ts): an
// import() left in one (of a package esbuild keeps external) would fail only when it runs.
for (const path of written.filter((file) => file.endsWith('.js'))) {
  const left = readFileSync(path, 'utf8').match(/(?<![\w$.])import\(\s*["'`]/);
  if (left) throw new Error(`${relative(process.cwd(), path)} holds a dynamic import() (…${readFileSync(path, 'utf8').slice(left.index - 60, left.index + 60)}…): import the package statically in a module that is itself imported when needed`);
}
// package.json says "type": "module"; dist/ is CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
written.push(join(process.cwd(), 'dist/package.json'));

// What an earlier build left (the chunks of the ES-module bundle, a vendor no longer split out,
// caches of files rebuilt just now) goes; the single executable (dist/muster-linux-x64, dist/sea/) stays.
const keep = new Set(written.map((path) => relative(process.cwd(), path)));
for (const dir of ['dist', 'dist/vendor']) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (/\.(js|js\.map|cache)$/.test(name) && !keep.has(path)) rmSync(path, { force: true });
  }
}

// V8's code caches, from a training boot of these very files.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/train-code-cache.ts'], { stdio: ['ignore', 'ignore', 'inherit'] });

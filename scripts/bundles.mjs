// muster as CommonJS bundles run with V8's code cache (src/launch/), for both forms:
//   <outdir>/cli.js            muster itself, with zod, yaml, commander and pino
//   <outdir>/vendor/<pkg>.js   each large library a few commands use (etcd3 with gRPC, the
//                              Kubernetes client, acme-client, ssh2, @peculiar/x509, prom-client,
//                              the AWS SDK clients): one file each, loaded only when a command
//                              imports it
//   *.cache                    V8's compiled code for each, from a training boot (train-code-cache.ts)
// Why: an ES-module bundle split into ~50 chunks spent ~40 ms of every start resolving and linking
// them, and Node 20 keeps no compiled code for ES modules; a CommonJS file with a code cache
// arrives compiled.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { buildConstants } from './build-constants.mjs';
import { etcdProtosPlugin } from './etcd3-protos-plugin.mjs';
import { grpcIpv4FirstPlugin } from './grpc-ipv4-first-plugin.mjs';
import { onPath } from './on-path.mjs';

/**
 * The libraries built into files of their own; muster's sources import each by its package name.
 * A file holds one package, or a group that shares its dependencies (the AWS SDK clients: one copy
 * of the Smithy runtime instead of five).
 */
const VENDORS = ['etcd3', '@kubernetes/client-node', 'acme-client', 'ssh2', '@peculiar/x509', 'prom-client'].map((pkg) => ({ file: vendorFile(pkg), packages: [pkg] }));
/**
 * The AWS SDK clients, as one vendor bundle in both forms (the single executable has no
 * node_modules): all five set up from the code cache take ~120 ms, EC2 and Auto Scaling alone
 * from node_modules ~250 ms.
 */
const AWS_SDK = {
  file: 'vendor/aws-sdk.js',
  packages: ['@aws-sdk/client-auto-scaling', '@aws-sdk/client-ec2', '@aws-sdk/client-route-53', '@aws-sdk/client-s3', '@aws-sdk/ec2-metadata-service'],
};

function vendorFile(pkg) {
  return `vendor/${pkg.replace(/^@/, '').replace(/\//g, '-')}.js`;
}

/**
 * Imports of a vendored package become a require of its file, relative to the importing bundle;
 * a package of a group, of its part of the group's exports.
 */
function vendorsExternal(vendors, outdir, fromDir, self = undefined) {
  const byPackage = new Map(vendors.flatMap((vendor) => vendor.packages.map((pkg) => [pkg, vendor])));
  const pattern = new RegExp(`^(${[...byPackage.keys()].map((pkg) => pkg.replace(/[/.]/g, '\\$&')).join('|')})$`);
  return {
    name: 'muster-vendors-external',
    setup(builder) {
      builder.onResolve({ filter: pattern }, (args) => {
        const vendor = byPackage.get(args.path);
        if (vendor === self) return undefined;
        const relativePath = relative(fromDir, join(outdir, vendor.file));
        const path = relativePath.startsWith('.') ? relativePath : `./${relativePath}`;
        if (vendor.packages.length === 1) return { path, external: true };
        return { path: args.path, namespace: 'muster-vendor-group', pluginData: { path } };
      });
      builder.onLoad({ filter: /.*/, namespace: 'muster-vendor-group' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.pluginData.path)}).default[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
      builder.onResolve({ filter: /.*/, namespace: 'muster-vendor-group' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * The AWS SDK's ES modules import() a Node.js builtin here and there (node:http, for the instance
 * metadata service): bundled into a CommonJS file that the loader runs without a dynamic-import
 * hook, each becomes a require of the builtin, resolved the same way a moment later.
 */
const builtinDynamicImports = {
  name: 'muster-builtin-dynamic-imports',
  setup(builder) {
    builder.onLoad({ filter: /node_modules[\\/]@(aws|aws-sdk|smithy)[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const pattern = /(?<![\w$.])import\(\s*(["'])(node:[a-z_/]+)\1\s*\)/g;
      if (!pattern.test(source)) return undefined;
      return { contents: source.replace(pattern, (_, _quote, name) => `Promise.resolve().then(() => { const m = require(${JSON.stringify(name)}); return { ...m, default: m }; })`), loader: 'js' };
    });
  },
};

// Every output is written whole and renamed into place, so that a muster starting during the build
// finds complete files (at worst a cache that no longer matches its bundle, which it ignores).
function writeOutputs(outputFiles) {
  for (const output of outputFiles) {
    mkdirSync(dirname(output.path), { recursive: true });
    const staged = `${output.path}.${process.pid}.tmp`;
    writeFileSync(staged, output.contents, { mode: 0o644 });
    renameSync(staged, output.path);
  }
  return outputFiles.map((output) => relative(process.cwd(), output.path));
}

/** muster's sources, tests left out: what the bundles are built from. */
function readSources() {
  return readdirSync('src', { recursive: true })
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
    .map((path) => readFileSync(join('src', path), 'utf8'));
}

/**
 * What muster's sources import from a package: the names, or 'whole' for a default or namespace
 * import. A vendor bundle exports only those, so that the rest of the package is left out as it
 * would be from any bundle (the Kubernetes client: 5.6 MB whole, ~2 MB used).
 */
function importedNames(pkg, sources) {
  const names = new Set();
  const quoted = pkg.replace(/[/.]/g, '\\$&');
  for (const source of sources) {
    for (const [, clause] of source.matchAll(new RegExp(`^import\\s+(?!type\\s)([^;]*?)\\s+from\\s+'${quoted}';`, 'gms'))) {
      if (/^(\*|[A-Za-z_$][\w$]*\s*(,|$))/.test(clause)) return 'whole';
      for (const part of (clause.match(/\{([^}]*)\}/)?.[1] ?? '').split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (name && !name.startsWith('type ')) names.add(name);
      }
    }
  }
  if (names.size === 0) throw new Error(`${pkg} is vendored but no source imports it: take it off the list in scripts/bundles.mjs`);
  return [...names].sort();
}

/** A vendor bundle's entry: the package's imported names; a group's, each package's under its name (its default export). */
function vendorEntry(vendor, sources) {
  const [only] = vendor.packages;
  if (vendor.packages.length === 1) {
    const names = importedNames(only, sources);
    return names === 'whole' ? `module.exports = require(${JSON.stringify(only)});` : `export { ${names.join(', ')} } from ${JSON.stringify(only)};`;
  }
  const imports = [];
  const parts = [];
  vendor.packages.forEach((pkg, index) => {
    const names = importedNames(pkg, sources);
    if (names === 'whole') throw new Error(`${pkg} is imported whole, which a vendor group cannot tree-shake: import names`);
    imports.push(`import { ${names.map((name) => `${name} as p${index}_${name}`).join(', ')} } from ${JSON.stringify(pkg)};`);
    parts.push(`${JSON.stringify(pkg)}: { ${names.map((name) => `${name}: p${index}_${name}`).join(', ')} }`);
  });
  return `${imports.join('\n')}\nexport default { ${parts.join(', ')} };\n`;
}

/**
 * Builds cli.js and the vendor bundles into `outdir` (dist/ for the npm package, dist/sea/app/ for
 * the single executable), with a package.json that makes them CommonJS. Returns the paths written;
 * removeLeftovers and trainCodeCaches come after.
 */
export async function buildBundles({ outdir, sea }) {
  const vendors = [...VENDORS, AWS_SDK];
  const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: !sea,
    // Whitespace and syntax only: names stay, so stack traces still read (and map back with
    // --enable-source-maps, which loads the bundles through Node's own loader).
    minifyWhitespace: true,
    minifySyntax: true,
    // As the single executable always was: a class esbuild renames to avoid a clash keeps its name.
    keepNames: sea,
    define: { ...buildConstants({ sea }), 'import.meta.url': 'importMetaUrl' },
    inject: ['scripts/import-meta-url-shim.js'],
    // ssh2's optional native addons (its crypto binding, cpu-features) are required in a try: left
    // out, ssh2 runs in its pure-JS form, as everywhere else muster runs.
    external: ['*.node'],
    // Libraries that read import.meta for something other than their URL have a CommonJS fallback.
    logOverride: { 'empty-import-meta': 'silent' },
    logLevel: 'warning',
    write: false,
  };
  const sources = readSources();
  const outputs = [];
  for (const vendor of vendors) {
    const outfile = join(outdir, vendor.file);
    const result = await build({
      ...common,
      stdin: { contents: vendorEntry(vendor, sources), resolveDir: process.cwd(), sourcefile: vendor.file },
      outfile,
      // The vendored package itself is bundled here; the other vendors stay external (acme-client
      // uses the same @peculiar/x509 as muster: one copy).
      plugins: [etcdProtosPlugin, grpcIpv4FirstPlugin, builtinDynamicImports, vendorsExternal(vendors, outdir, dirname(outfile), vendor)],
    });
    outputs.push(...result.outputFiles);
  }
  // Imported rather than the entry itself, so that main.ts's hashbang stays out: the loader
  // compiles the bundle inside a function, where `#!` is a syntax error.
  const cli = await build({
    ...common,
    stdin: { contents: "import './main.ts';", resolveDir: 'src/cli', sourcefile: 'cli' },
    outfile: join(outdir, 'cli.js'),
    plugins: [etcdProtosPlugin, grpcIpv4FirstPlugin, vendorsExternal(vendors, outdir, outdir)],
  });
  outputs.push(...cli.outputFiles);
  // The loader runs the bundles without a dynamic-import hook (src/launch/bundle-loader.ts): an
  // import() left in one (of a package esbuild keeps external) would fail only when it runs.
  // Checked before anything is written, so a refused build leaves the last good dist/ in place.
  for (const output of outputs.filter((file) => file.path.endsWith('.js'))) {
    const left = output.text.match(/(?<![\w$.])import\(\s*["'`]/);
    if (left) throw new Error(`${relative(process.cwd(), output.path)} holds a dynamic import() (…${output.text.slice(left.index - 60, left.index + 60)}…): import the package statically in a module that is itself imported when needed`);
  }
  const written = writeOutputs(outputs);
  // package.json says "type": "module"; the bundles are CommonJS.
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  return [...written, join(outdir, 'package.json')];
}

/** Removes the bundles, maps and caches in `outdir` (and its vendor/) that `keep` does not list. */
export function removeLeftovers(outdir, keep) {
  const kept = new Set(keep);
  for (const dir of [outdir, join(outdir, 'vendor')]) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (/\.(js|js\.map|cache)$/.test(name) && !kept.has(path)) rmSync(path, { force: true });
    }
  }
}

/**
 * V8's code caches for the bundles in `outdir`, from training runs of these very files
 * (scripts/train-code-cache.ts says which). The etcd join needs an etcd (Linux, etcd on PATH):
 * without one, the etcd client's cache holds its module set-up only.
 */
export function trainCodeCaches(outdir) {
  const workloads = ['dry-run', 'boot', ...(process.platform === 'linux' && onPath('etcd') ? ['etcd-join'] : [])];
  for (const workload of workloads) {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/train-code-cache.ts', outdir, workload], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  }
}

/** The loaders: dist/main.js (src/launch/main.ts) and the single executable's (src/launch/sea-main.ts). */
export async function buildLoader(entry, outfile, banner = undefined) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    logLevel: 'warning',
    write: false,
    ...(banner === undefined ? {} : { banner: { js: banner } }),
  });
  return writeOutputs(result.outputFiles);
}

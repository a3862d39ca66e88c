// Builds the CLI into dist/ as one ESM bundle (code-split at dynamic imports): resolving and
// compiling hundreds of small module files was most of muster's start-up time. etcd3 (with gRPC)
// is bundled too, into the chunk of the commands that talk to etcd, its protos compiled in (a join
// loaded it in ~155 ms from node_modules, ~70 of them parsing rpc.proto). The AWS SDK stays
// external; muster imports it lazily, only when a command needs it.
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { buildConstants } from './build-constants.mjs';
import { etcdProtosPlugin } from './etcd3-protos-plugin.mjs';

const result = await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Whitespace and syntax only, as the single executable: names stay, so stack traces still read
  // (and map back with --enable-source-maps). Half the bytes to compile at every start, and half
  // the heap a loaded chunk holds (kube-dns's client-node chunk: 21 → 14 MiB).
  minifyWhitespace: true,
  minifySyntax: true,
  define: buildConstants({ sea: false }),
  metafile: true,
  // ssh2's optional native addons (its crypto binding, cpu-features) are required in a try: left
  // out, ssh2 runs in its pure-JS form, as everywhere else muster runs.
  external: ['@aws-sdk/*', '*.node'],
  plugins: [etcdProtosPlugin],
  // Bundled CommonJS dependencies call require(); give them one.
  // ssh2's bundled asm.js poly1305 reads __dirname, which ES modules do not define.
  banner: {
    js: "import { createRequire as __musterCreateRequire } from 'node:module'; import { fileURLToPath as __musterFileURLToPath } from 'node:url'; const require = __musterCreateRequire(import.meta.url); const __dirname = __musterFileURLToPath(new URL('.', import.meta.url));",
  },
  logLevel: 'warning',
});

// Chunk names carry a content hash, so every change would leave the previous chunks behind.
// They are removed after the build rather than emptying dist/ first, so that a muster starting
// during the build still finds a complete set.
const current = new Set(Object.keys(result.metafile.outputs).map((path) => basename(path)));
// Only the bundle's own files: the single executable (dist/muster-linux-x64, dist/sea/) stays.
for (const name of await readdir('dist')) {
  if (/\.js(\.map)?$/.test(name) && !current.has(name)) await rm(join('dist', name), { force: true });
}

// Builds the CLI into dist/ as one ESM bundle (code-split at dynamic imports): resolving and
// compiling hundreds of small module files was most of muster's start-up time. etcd3 and the AWS
// SDK stay external; muster imports them lazily, only when a command needs them.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['etcd3', 'cockatiel', '@aws-sdk/*'],
  // Bundled CommonJS dependencies call require(); give them one.
  banner: { js: "import { createRequire as __musterCreateRequire } from 'node:module'; const require = __musterCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
